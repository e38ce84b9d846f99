import ArgumentParser
import MemQCore
import MemQZoo

/// Parsers for option values, for `@Option(transform:)`: their errors become
/// `memq: error: The value 'x' is invalid for '--opt <opt>': <why>`.
enum ArgumentTransforms {
    /// A floating-point element type: `fp32`, `float16`, `bf16`, `fp64` (`DType(name:)`).
    static func dtype(_ text: String) throws -> DType {
        guard let dtype = DType(name: text), dtype.isFloatingPoint else {
            throw CLIError("parameters and activations need a floating-point type; valid: float32 (fp32), float16 (fp16), bfloat16 (bf16), float64 (fp64)")
        }
        return dtype
    }

    /// One sample's shape without the batch: `3x224x224`.
    static func shape(_ text: String) throws -> TensorShape {
        try ModelSource.parseInput(text)
    }

    /// A memory size: `24GiB`, `40GB`, `512MiB`, raw bytes (`ByteCount(parsing:)`); a bare `G` is rejected.
    static func byteCount(_ text: String) throws -> ByteCount {
        try ByteCount(parsing: text)
    }

    /// A positive integer (batch sizes, counts).
    static func positiveInt(_ text: String) throws -> Int {
        guard let value = Int(text), value > 0 else { throw CLIError("'\(text)' is not a positive integer") }
        return value
    }
}
