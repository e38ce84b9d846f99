import Foundation
import MemQCore

/// The one JSON encoding of results: snake_case keys (spelled out in each type's `CodingKeys`), sorted so the
/// text is deterministic, pretty-printed, slashes unescaped. The CLI and the daemon both use it, so their output is
/// byte for byte equal.
public enum ResultJSON {
    /// Encodes a result as pretty-printed JSON text (no trailing newline).
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) -> String {
        do {
            return try JSONValueEncoder.encode(value).text(pretty: pretty)
        } catch {
            // Results hold only integers, strings and arrays of them: encoding cannot fail.
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
    }

    /// The result as a JSON value (what the daemon sends).
    public static func value<T: Encodable>(_ value: T) -> JSONValue {
        do {
            return try JSONValueEncoder.encode(value)
        } catch {
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
    }

    /// Decodes a result received as JSON (from the daemon or a file).
    /// - Throws: `DecodingError` naming the missing or mistyped key.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}

