/// Where ``CurveKeyFile/writeKeyPair(to:name:)`` put a new key pair.
package struct KeyFilePaths: Sendable, Hashable {
    /// The secret file (`NAME.secret.json`, mode 0600): both keys; give it to the daemon or client that owns it.
    package let secretFile: String
    /// The public file (`NAME.public.json`): the public key only; share it.
    package let publicFile: String
    /// The public key, 40 Z85 characters, e.g. for a line of an authorized-keys file.
    package let publicKey: String
}
