import MemQTransport

/// The CURVE settings of a client: the daemon's public key and the client's own pair (whose public
/// key must be in the daemon's authorized-keys file).
package struct ClientCurve: Sendable, Hashable {
    /// The daemon's public key, 40 Z85 characters.
    package var serverPublicKey: String
    /// The client's key pair.
    package var clientKeys: CurveKeyPair

    /// Settings from known keys.
    package init(serverPublicKey: String, clientKeys: CurveKeyPair) {
        self.serverPublicKey = serverPublicKey
        self.clientKeys = clientKeys
    }

    /// Settings from key files: the daemon's public file and the client's secret file.
    ///
    /// - Throws: ``KeyFileError`` naming the file at fault.
    package init(serverKeyFile: String, clientSecretFile: String) throws(KeyFileError) {
        self.init(serverPublicKey: try CurveKeyFile.readPublicKey(at: serverKeyFile),
                  clientKeys: try CurveKeyFile.readKeyPair(at: clientSecretFile))
    }
}
