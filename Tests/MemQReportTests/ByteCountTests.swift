import Testing
import MemQCore

/// `ByteCount` parsing and formatting against values worked out by hand (2^30 = 1,073,741,824).
@Suite struct ByteCountTests {
    @Test("parses sizes", arguments: [
        ("24GiB", 25_769_803_776),             // 24 * 2^30
        ("24GB", 24_000_000_000),              // 24 * 10^9
        ("24 gib", 25_769_803_776),
        ("24Gi", 25_769_803_776),
        ("512MiB", 536_870_912),               // 512 * 2^20
        ("1.5TiB", 1_649_267_441_664),         // 1.5 * 2^40
        ("1.5KiB", 1_536),
        ("0.1KiB", 102),                       // 102.4 rounds to 102
        (".5MiB", 524_288),
        ("1kB", 1_000),
        ("40GB", 40_000_000_000),
        ("25769803776", 25_769_803_776),
        ("25_769_803_776", 25_769_803_776),
        ("980B", 980),
        ("  7 MB ", 7_000_000),
        ("0", 0),
        ("9223372036854775807", Int.max),
        ("7EiB", 8_070_450_532_247_928_832),   // 7 * 2^60
    ])
    func parses(_ text: String, _ bytes: Int) throws {
        #expect(try ByteCount(parsing: text).bytes == bytes)
    }

    @Test("rejects garbage with a message that says what is valid", arguments: [
        ("24G", "ambiguous"), ("24 g", "ambiguous"), ("-1GiB", "negative"), ("abc", "not a memory size"),
        ("24 gigs", "unknown unit"), ("1.5B", "whole"), ("100.5", "whole"), ("", "empty"), ("1.2.3GiB", "not a memory size"),
        ("GiB", "not a memory size"), ("24GiB extra", "not a memory size"), ("9223372036854775808", "too large"),
        ("8EiB", "too large"), ("99999999999999999999999", "too large"), ("1,5GiB", "not a memory size"),
    ])
    func rejects(_ text: String, _ fragment: String) {
        do throws(ByteCount.ParseError) {
            let parsed = try ByteCount(parsing: text)
            Issue.record("'\(text)' parsed as \(parsed.bytes)")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test func ambiguousUnitSuggestsBothReadings() {
        #expect(throws: ByteCount.ParseError.ambiguousUnit("24G", unit: "G")) { try ByteCount(parsing: "24G") }
        let message = ByteCount.ParseError.ambiguousUnit("24G", unit: "G").description
        #expect(message.contains("GiB") && message.contains("GB"))
    }

    @Test("formats in binary units", arguments: [
        (0, "0 B"), (980, "980 B"), (1_023, "1023 B"), (1_024, "1.00 KiB"), (1_536, "1.50 KiB"),
        (536_870_912, "512.0 MiB"), (1_320_702_444, "1.23 GiB"), (25_769_803_776, "24.0 GiB"),
        (1_073_699_799, "1.00 GiB"),          // 1023.96 MiB rounds up into the next unit
        (-1_536, "-1.50 KiB"),
    ])
    func formatsBinary(_ bytes: Int, _ text: String) {
        #expect(ByteCount(bytes).formatted() == text)
        #expect(ByteCount(bytes).description == text)
    }

    @Test func formatsSI() {
        #expect(ByteCount(24_000_000_000).formatted(.si) == "24.0 GB")
        #expect(ByteCount(1_500).formatted(.si) == "1.50 kB")
        #expect(ByteCount(999).formatted(.si) == "999 B")
    }

    @Test func roundTripsThroughText() throws {
        for bytes in [1_024, 536_870_912, 25_769_803_776] {
            let text = ByteCount(bytes).formatted().replacingOccurrences(of: " ", with: "")
            #expect(try ByteCount(parsing: text).bytes == bytes)
        }
    }
}
