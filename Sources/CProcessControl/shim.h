// prctl(2) is variadic in glibc, which Swift does not import: one fixed-signature wrapper per use.
#ifndef MEMQ_CPROCESSCONTROL_SHIM_H
#define MEMQ_CPROCESSCONTROL_SHIM_H
#ifdef __linux__
#include <sys/prctl.h>
/// Disables transparent huge pages for this process and its children (PR_SET_THP_DISABLE, Linux 3.15).
/// Returns 0 on success, -1 with errno set.
static inline int memq_disable_transparent_huge_pages(void) { return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0); }
#else
static inline int memq_disable_transparent_huge_pages(void) { return -1; }
#endif
#endif
