import Testing

@Test func placeholderMemQCoreTests() { #expect(Bool(true)) }
