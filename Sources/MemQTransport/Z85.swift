import CZeroMQ

/// ZeroMQ's Z85 text encoding of binary data (RFC 32), as used for CURVE keys.
package enum Z85 {
    /// The 85 characters Z85 uses, in value order.
    package static let alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

    /// Encodes bytes as Z85 text, 5 characters per 4 bytes (`zmq_z85_encode`).
    ///
    /// - Throws: ``ZMQError`` (`EINVAL`) if `bytes.count` is not a multiple of 4.
    package static func encode(_ bytes: [UInt8]) throws(ZMQError) -> String {
        guard bytes.count % 4 == 0 else {
            throw ZMQError(code: EINVAL, function: "zmq_z85_encode", detail: "\(bytes.count) bytes")
        }
        return bytes.isEmpty ? "" : try Syscalls.z85Encode(bytes)
    }

    /// Decodes Z85 text to bytes, 4 bytes per 5 characters (`zmq_z85_decode`).
    ///
    /// - Throws: ``ZMQError`` (`EINVAL`) if the length is not a multiple of 5, a character is not in
    ///   ``alphabet``, or a group is out of range.
    package static func decode(_ text: String) throws(ZMQError) -> [UInt8] {
        guard text.utf8.count % 5 == 0 else {
            throw ZMQError(code: EINVAL, function: "zmq_z85_decode", detail: "\(text.utf8.count) characters")
        }
        return text.isEmpty ? [] : try Syscalls.z85Decode(text)
    }

    /// Whether `text` is a CURVE key in Z85: 40 characters of ``alphabet`` that decode to 32 bytes.
    package static func isCurveKey(_ text: String) -> Bool {
        text.utf8.count == 40 && (try? decode(text))?.count == 32
    }
}
