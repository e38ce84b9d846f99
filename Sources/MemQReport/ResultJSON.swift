import Foundation

/// The one JSON encoding of results: snake_case keys (spelled out in each type's `CodingKeys`), sorted so the
/// text is deterministic, pretty-printed, slashes unescaped. The CLI and the daemon both use it, so their output is
/// byte for byte equal.
public enum ResultJSON {
    /// Encodes a result as pretty-printed JSON text (no trailing newline).
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            // Results hold only integers, strings and arrays of them: encoding cannot fail.
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
    }

    /// Decodes a result received as JSON (from the daemon or a file).
    /// - Throws: `DecodingError` naming the missing or mistyped key.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}
