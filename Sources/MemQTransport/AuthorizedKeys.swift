import Foundation

/// The CURVE client public keys a server admits, as read from an authorized-keys file.
///
/// The file format, one entry per line:
///
///     # Comment lines start with '#'; blank lines are ignored.
///     rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7    alice's laptop
///
/// A key is 40 Z85 characters (as printed by ``CurveKeyPair/generate()``); anything after it,
/// separated by white space, is a free-form label. Although Z85 uses `#`, no key starts with it
/// (a group's first character encodes at most 82 of 84), so `#` at the start always means a comment.
package struct AuthorizedKeys: Sendable, Hashable {
    /// The admitted public keys, 40 Z85 characters each.
    package var publicKeys: Set<String>

    /// Admits exactly `publicKeys` (not validated here; an invalid key simply matches no client).
    package init(publicKeys: Set<String> = []) {
        self.publicKeys = publicKeys
    }

    /// Reads the keys from the authorized-keys file at `path`.
    ///
    /// - Throws: ``AuthorizedKeysError`` naming the file if it cannot be read or is not UTF-8, or
    ///   naming the file and line of the first entry that is not a CURVE public key.
    package init(contentsOfFile path: String) throws(AuthorizedKeysError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let cause = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw AuthorizedKeysError(file: path, line: nil, reason: "cannot read the authorized keys file: \(cause)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AuthorizedKeysError(file: path, line: nil, reason: "not UTF-8 text; expected one Z85 public key per line")
        }
        try self.init(parsing: text, source: path)
    }

    /// Reads the keys from authorized-keys `text`; `source` names it in errors.
    ///
    /// - Throws: ``AuthorizedKeysError`` naming `source` and the line of the first entry that is not
    ///   a CURVE public key.
    package init(parsing text: String, source: String) throws(AuthorizedKeysError) {
        var keys = Set<String>()
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let key = String(line.prefix { !$0.isWhitespace })
            guard Z85.isCurveKey(key) else {
                throw AuthorizedKeysError(file: source, line: index + 1, reason: Self.problem(with: key))
            }
            keys.insert(key)
        }
        self.publicKeys = keys
    }

    /// Why `word` is not a CURVE public key, and what one looks like.
    private static func problem(with word: String) -> String {
        let shown = word.count > 48 ? String(word.prefix(45)) + "..." : word
        let expected = "expected a CURVE public key of 40 Z85 characters (0-9 a-z A-Z .-:+=^!/*?&<>()[]{}@%$#)"
            + ", optionally followed by a label, or a '#' comment"
        if let bad = word.first(where: { !Z85.alphabet.contains($0) }) {
            return "\"\(shown)\" has the character \"\(bad)\", which Z85 does not use; \(expected)"
        }
        if word.count != 40 {
            return "\"\(shown)\" is \(word.count) characters long; \(expected)"
        }
        return "\"\(shown)\" does not decode to a 32-byte key; \(expected)"
    }
}
