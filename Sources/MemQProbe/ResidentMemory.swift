// The kernel's view of the process's memory: resident set, its high-water mark, available memory.

/// Reads /proc: the resident set size (`VmRSS`), its peak since the last reset (`VmHWM`), and `MemAvailable`.
///
/// The peak is reset by writing "5" to /proc/self/clear_refs (Linux 4.0+, Documentation/filesystems/proc.rst),
/// which sets the high-water mark to the current resident size, so each phase of a step gets its own peak.
enum ResidentMemory {
    /// Bytes of a `Key:   123 kB` line in a /proc file, or nil.
    static func field(_ key: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let digits = line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }

    /// Current resident set of this process, in bytes (`VmRSS`).
    static func current() -> Int { ProbeSyscalls.readFile("/proc/self/status").flatMap { field("VmRSS", in: $0) } ?? 0 }

    /// Resident set counted by walking the page tables (`Rss` of /proc/self/smaps_rollup): exact, where `VmRSS`
    /// comes from per-CPU counters folded in batches that can lag by dozens of pages; nil before Linux 4.14.
    static func exact() -> Int? {
        ProbeSyscalls.readFile("/proc/self/smaps_rollup").flatMap { field("Rss", in: $0) }
    }

    /// Peak resident set since start or the last `resetPeak()`, in bytes (`VmHWM`).
    static func peak() -> Int { ProbeSyscalls.readFile("/proc/self/status").flatMap { field("VmHWM", in: $0) } ?? 0 }

    /// Resets the peak to the current resident set; false when the kernel refused.
    @discardableResult
    static func resetPeak() -> Bool { ProbeSyscalls.writeFile("/proc/self/clear_refs", "5") }

    /// Memory the kernel estimates can be given to a new workload without swapping (`MemAvailable`), in bytes.
    static func available() -> Int? { ProbeSyscalls.readFile("/proc/meminfo").flatMap { field("MemAvailable", in: $0) } }

    /// Reads one byte of every page of the process's file-backed read-only mappings (its code and constant data, the
    /// libraries'), so pages of code the step runs for the first time are already resident before the baseline.
    /// Returns the number of pages touched.
    @discardableResult
    static func touchProgramPages() -> Int {
        guard let maps = ProbeSyscalls.readFile("/proc/self/maps") else { return 0 }
        var pages = 0
        var sink: UInt8 = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "r-xp" || fields[1] == "r--p", fields[5].hasPrefix("/") else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16) else { continue }
            var address = start
            while address < end {
                if let pointer = UnsafePointer<UInt8>(bitPattern: address) { sink &+= pointer.pointee }
                address += 4096
                pages += 1
            }
        }
        consume(sink)
        return pages
    }

    /// Keeps the optimizer from dropping the reads whose sum this is.
    @inline(never) @_optimize(none)
    private static func consume(_ value: UInt8) { _ = value }
}
