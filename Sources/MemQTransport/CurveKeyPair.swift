import CZeroMQ

/// A CURVE (Curve25519) long-term key pair, both halves as 40-character Z85 strings.
///
/// The server gives its public key to clients (``ZMQSocketOption/curveServerKey``) and keeps the
/// secret one (``ZMQSocketOption/curveSecretKey``); each client has its own pair, and the server's
/// ``ZAPHandler`` admits the client public keys it lists.
package struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible {
    /// The public key, 40 Z85 characters; safe to share.
    package let publicKey: String
    /// The secret key, 40 Z85 characters; keep it private.
    package let secretKey: String

    /// Generates a fresh random key pair (`zmq_curve_keypair`).
    ///
    /// - Throws: ``ZMQError`` (`ENOTSUP`) if libzmq was built without CURVE (see ``ZMQLibrary/hasCurve``).
    package static func generate() throws(ZMQError) -> CurveKeyPair {
        let (publicKey, secretKey) = try Syscalls.curveKeyPair()
        return CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// The pair for a stored secret key, deriving its public key (`zmq_curve_public`).
    ///
    /// - Throws: ``ZMQError`` (`EINVAL`) if `secretKey` is not 40 Z85 characters.
    package init(secretKey: String) throws(ZMQError) {
        guard Z85.isCurveKey(secretKey) else {
            throw ZMQError(code: EINVAL, function: "zmq_curve_public",
                           detail: "secret key of \(secretKey.utf8.count) characters")
        }
        self.init(publicKey: try Syscalls.curvePublic(secretKey: secretKey), secretKey: secretKey)
    }

    /// A pair from both known halves; not checked to match.
    package init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The public key only, so a pair can be logged without leaking the secret.
    package var description: String { "CurveKeyPair(public: \(publicKey))" }
}
