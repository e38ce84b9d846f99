import Foundation
import MemQCore
import MemQTransport

/// MemQ's CURVE key files: small JSON documents holding Z85 keys.
///
/// A secret file (`NAME.secret.json`, created with mode 0600):
///
///     {"format": "memq-curve-1", "public": "<40 Z85 characters>", "secret": "<40 Z85 characters>"}
///
/// A public file (`NAME.public.json`): the same without `"secret"`. Readers of a public key also
/// accept a secret file (they take its `public`) and a plain text file holding just the 40-character key.
/// The daemon's admitted client keys are an authorized-keys file (see `AuthorizedKeys`): one public
/// key per line, optionally followed by a label.
package enum CurveKeyFile {
    /// The value of the `format` field.
    package static let format = "memq-curve-1"

    /// Generates a key pair and writes `NAME.secret.json` (mode 0600) and `NAME.public.json` into
    /// `directory`, creating it if needed; existing files are not overwritten. This is what
    /// `memq keygen` calls.
    ///
    /// - Throws: ``KeyFileError`` naming the file that exists or could not be written, or (path
    ///   "libzmq") if libzmq has no CURVE support.
    package static func writeKeyPair(to directory: String, name: String = "memq") throws(KeyFileError) -> KeyFilePaths {
        let pair: CurveKeyPair
        do {
            pair = try CurveKeyPair.generate()
        } catch {
            throw KeyFileError(path: "libzmq", reason: "cannot generate a CURVE key pair: \(error)")
        }
        return try write(pair, to: directory, name: name)
    }

    /// Writes an existing pair as `NAME.secret.json` (mode 0600) and `NAME.public.json` into `directory`.
    ///
    /// - Throws: ``KeyFileError`` naming the file that exists already or could not be written.
    package static func write(_ pair: CurveKeyPair, to directory: String, name: String) throws(KeyFileError) -> KeyFilePaths {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        let secretURL = base.appendingPathComponent("\(name).secret.json")
        let publicURL = base.appendingPathComponent("\(name).public.json")
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: base, withIntermediateDirectories: true)
        } catch {
            throw KeyFileError(path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        for url in [secretURL, publicURL] where manager.fileExists(atPath: url.path) {
            throw KeyFileError(path: url.path, reason: "exists already; remove it or choose another name, keys are never overwritten")
        }
        let secretDoc = JSONValue.object(["format": .string(format), "public": .string(pair.publicKey),
                                          "secret": .string(pair.secretKey)])
        let publicDoc = JSONValue.object(["format": .string(format), "public": .string(pair.publicKey)])
        // The secret file is created with mode 0600 before any byte is written.
        guard manager.createFile(atPath: secretURL.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw KeyFileError(path: secretURL.path, reason: "cannot create the file")
        }
        do {
            try (secretDoc.serialized(pretty: true) + Data("\n".utf8)).write(to: secretURL)
            try (publicDoc.serialized(pretty: true) + Data("\n".utf8)).write(to: publicURL)
        } catch {
            throw KeyFileError(path: secretURL.deletingLastPathComponent().path,
                               reason: "cannot write the key files: \(error.localizedDescription)")
        }
        return KeyFilePaths(secretFile: secretURL.path, publicFile: publicURL.path, publicKey: pair.publicKey)
    }

    /// Reads a secret file and checks that its public key belongs to its secret key.
    ///
    /// - Throws: ``KeyFileError`` naming the file and the field that is missing or not a 40-character Z85 key.
    package static func readKeyPair(at path: String) throws(KeyFileError) -> CurveKeyPair {
        let document = try readDocument(at: path)
        let secret = try key(document, "secret", path: path)
        let pair: CurveKeyPair
        do {
            pair = try CurveKeyPair(secretKey: secret)
        } catch {
            throw KeyFileError(path: path, reason: "field \"secret\" is not a CURVE secret key: \(error)")
        }
        if case .string(let stated)? = document["public"], stated != pair.publicKey {
            throw KeyFileError(path: path, reason: "field \"public\" does not belong to field \"secret\"; regenerate the pair with `memq keygen`")
        }
        return pair
    }

    /// Reads a public key from a public file, a secret file, or a text file holding just the key.
    ///
    /// - Throws: ``KeyFileError`` naming the file if it has no 40-character Z85 `public` key.
    package static func readPublicKey(at path: String) throws(KeyFileError) -> String {
        let text = try readText(at: path).trimmingCharacters(in: .whitespacesAndNewlines)
        if Z85.isCurveKey(text) { return text }
        return try key(try parse(text, path: path), "public", path: path)
    }

    /// The file's text.
    private static func readText(at path: String) throws(KeyFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyFileError(path: path, reason: "cannot read the key file (missing or unreadable); create one with `memq keygen`")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KeyFileError(path: path, reason: "not UTF-8 text; expected a JSON key file written by `memq keygen`")
        }
        return text
    }

    /// The file as a JSON object.
    private static func readDocument(at path: String) throws(KeyFileError) -> JSONValue {
        try parse(try readText(at: path), path: path)
    }

    /// `text` as a JSON object.
    private static func parse(_ text: String, path: String) throws(KeyFileError) -> JSONValue {
        let document: JSONValue
        do {
            document = try JSONValue.parse(Data(text.utf8))
        } catch {
            throw KeyFileError(path: path, reason: "not a JSON key file: \(error); expected {\"format\": \"\(format)\", \"public\": ..., \"secret\": ...}")
        }
        guard case .object = document else {
            throw KeyFileError(path: path, reason: "is \(document.typeName); expected a JSON object {\"format\": \"\(format)\", \"public\": ...}")
        }
        return document
    }

    /// The Z85 key in `field` of `document`.
    private static func key(_ document: JSONValue, _ field: String, path: String) throws(KeyFileError) -> String {
        guard case .string(let value)? = document[field] else {
            throw KeyFileError(path: path, reason: "field \"\(field)\" is missing or not a string; expected 40 Z85 characters")
        }
        guard Z85.isCurveKey(value) else {
            throw KeyFileError(path: path, reason: "field \"\(field)\" is not a CURVE key; expected 40 Z85 characters")
        }
        return value
    }
}
