import Testing
import MemQCore

/// `Fraction.parse`: the tolerance and margin syntax.
@Suite struct FractionTests {
    @Test(arguments: [("3%", 0.03), ("0.03", 0.03), (" 5 % ", 0.05), ("150%", 1.5), ("0", 0.0), ("-1%", -0.01),
                      ("12.5%", 0.125), ("1e-2", 0.01)])
    func parses(text: String, value: Double) {
        let parsed = Fraction.parse(text)
        #expect(parsed.map { abs($0 - value) < 1e-12 } == true, "'\(text)' -> \(String(describing: parsed))")
    }

    @Test(arguments: ["", " ", "%", "abc", "3 percent", "3%%", "nan", "inf", "-inf%", "0.03.1"])
    func refuses(text: String) {
        #expect(Fraction.parse(text) == nil, "'\(text)'")
    }
}
