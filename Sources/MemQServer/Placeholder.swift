// MemQServer
