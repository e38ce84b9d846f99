/// An element type of a tensor, with its size in bytes.
public enum DType: String, Sendable, Hashable, CaseIterable, Codable {
    case float64, float32, float16, bfloat16, int64, int32, uint8, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16: 2
        case .uint8, .bool: 1
        }
    }

    /// Whether the type is a floating-point type (its tensors can carry gradients).
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16: true
        default: false
        }
    }

    /// Parses PyTorch's and MemQ's names: `float32`, `fp32`, `float`, `bf16`, `half`, `long`, ...
    public init?(name: String) {
        switch name.lowercased() {
        case "float64", "fp64", "double", "f64": self = .float64
        case "float32", "fp32", "float", "f32": self = .float32
        case "float16", "fp16", "half", "f16": self = .float16
        case "bfloat16", "bf16": self = .bfloat16
        case "int64", "long", "i64": self = .int64
        case "int32", "int", "i32": self = .int32
        case "uint8", "byte", "u8": self = .uint8
        case "bool": self = .bool
        default: return nil
        }
    }

    /// The names `init(name:)` accepts, for error messages.
    public static let validNames = "float32 (fp32), float16 (fp16), bfloat16 (bf16), float64 (fp64), int64, int32, uint8, bool"
}
