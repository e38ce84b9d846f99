// MemQReport
