// MemQWire
