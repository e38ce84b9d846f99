/// A linear layer's frozen weight stored as bitsandbytes stores it (transformers' `BitsAndBytesConfig`,
/// integrations/bitsandbytes.py `replace_with_bnb_linear`): 4-bit blocks (`Linear4bit`, NF4 or FP4) or LLM.int8
/// (`Linear8bitLt`). Rules and their sources: docs/memory-model.md, "QLoRA".
public struct Quantization: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case nf4, fp4, int8
        public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }
    public var kind: Kind
    /// `bnb_4bit_compute_dtype`: the type the 4-bit matmul runs in (transformers' default float32).
    public var computeDType: DType
    /// `bnb_4bit_use_double_quant` (transformers' default false): the absmax quantized again in blocks of 256.
    public var doubleQuant: Bool
    /// peft's `lora.bnb.Linear4bit.forward` clones the base output (`result = result.clone()`) before adding the
    /// adapters.
    public var clonedByPEFT: Bool

    public init(_ kind: Kind, computeDType: DType = .float32, doubleQuant: Bool = false, clonedByPEFT: Bool = false) {
        self.kind = kind; self.computeDType = computeDType; self.doubleQuant = doubleQuant; self.clonedByPEFT = clonedByPEFT
    }

    /// 4-bit blocks of 64 (`Params4bit`: blocksize 64, bitsandbytes/nn/modules.py).
    static let blockSize = 64
    /// The double quantization's blocks of the absmax (functional.py `quantize_4bit`: blocksize 256).
    static let nestedBlockSize = 256

    /// Bytes of the stored weight (the parameter) of an `[out, in]` weight of `n` elements: `n/2` packed uint8 for
    /// 4-bit (`quantize_4bit`'s `[(n+1)//2, 1]`), `n` int8 (CB) for LLM.int8.
    public func weightBytes(elements n: Int) -> Int { kind == .int8 ? n : (n + 1) / 2 }

    /// Bytes of the quantization state beside the weight (not a parameter or buffer): 4-bit `absmax` float32 `[nb]`
    /// and the 16-entry float32 code (64), or with double quantization uint8 `[nb]`, the float32 offset (4), the
    /// nested absmax float32 `[ceil(nb/256)]` and the nested 256-entry code (1024), each layer its own copy;
    /// LLM.int8's row scales `SCB` float32 `[out]`.
    public func stateBytes(elements n: Int, rows: Int) -> Int {
        if kind == .int8 { return 4 * rows }
        let nb = (n + Self.blockSize - 1) / Self.blockSize
        guard doubleQuant else { return 4 * nb + 64 }
        let nb2 = (nb + Self.nestedBlockSize - 1) / Self.nestedBlockSize
        return nb + 4 + 4 * nb2 + 1024 + 64
    }

    /// Elements of the absmax (`[nb]`) that double quantization dequantizes to float32 around each use.
    func absmaxBlocks(elements n: Int) -> Int { (n + Self.blockSize - 1) / Self.blockSize }

    public var description: String {
        kind == .int8 ? "int8 (LLM.int8, bitsandbytes Linear8bitLt)"
            : "\(kind.rawValue) (bitsandbytes Linear4bit, blocks of 64\(doubleQuant ? ", double-quantized absmax" : "")), compute \(computeDType.rawValue)"
    }
}
