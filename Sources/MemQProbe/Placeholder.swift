// MemQProbe
