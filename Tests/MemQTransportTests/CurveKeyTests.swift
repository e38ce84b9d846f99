import MemQTransport
import Testing

/// Z85 and CURVE key helpers.
@Suite("Z85 and CurveKeyPair")
struct CurveKeyTests {
    @Test("Z85 matches the RFC 32 test vector and rejects bad lengths")
    func z85() throws {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(try Z85.encode(bytes) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == bytes)
        #expect(try Z85.encode([]) == "")
        let encode = #expect(throws: ZMQError.self) { _ = try Z85.encode([1, 2, 3]) }
        #expect(encode?.function == "zmq_z85_encode")
        let decode = #expect(throws: ZMQError.self) { _ = try Z85.decode("Hello Wor~") }
        #expect(decode?.description.contains("multiple of 5 characters") == true)
    }

    @Test("Generated key pairs are 40 Z85 characters and the public key derives from the secret",
          .enabled(if: ZMQLibrary.hasCurve))
    func keyPairs() throws {
        let pair = try CurveKeyPair.generate()
        #expect(Z85.isCurveKey(pair.publicKey))
        #expect(Z85.isCurveKey(pair.secretKey))
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(!pair.description.contains(pair.secretKey))
        #expect(pair != (try CurveKeyPair.generate()))
        #expect(throws: ZMQError.self) { _ = try CurveKeyPair(secretKey: "too short") }
    }

    @Test("The library reports a 4.x version")
    func version() {
        #expect(ZMQLibrary.version.hasPrefix("4."))
    }
}
