/// What a ``ZAPHandler`` answered to one authentication request, for logging.
package struct ZAPDecision: Sendable, Hashable {
    /// The `ZMQ_ZAP_DOMAIN` of the server socket.
    package let domain: String
    /// The client's address, such as "127.0.0.1".
    package let address: String
    /// The security mechanism the client used: "CURVE", "NULL" or "PLAIN".
    package let mechanism: String
    /// The client's CURVE public key in Z85, when the mechanism was CURVE.
    package let publicKey: String?
    /// The RFC 27 status code sent back: "200" admitted, "400" refused.
    package let statusCode: String
    /// The status text sent back, saying why.
    package let statusText: String

    /// Whether the client was admitted.
    package var accepted: Bool { statusCode == "200" }
}
