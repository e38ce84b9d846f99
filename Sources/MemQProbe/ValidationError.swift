// Why a validation could not be run at all (as opposed to a run that failed, which is a result).
import MemQCore
import MemQEngine

/// A validation refused or abandoned before it produced a result. Messages name the field and what is valid.
package enum ValidationError: Error, Sendable, CustomStringConvertible {
    /// The model spec, batch or optimizer is not valid.
    case invalidRequest(field: String, message: String)
    /// The native engine has no kernel for part of the graph.
    case unsupported(GraphExecutorError)
    /// The estimate exceeds the memory available less the margin.
    case insufficientMemory(estimate: Int, available: Int, margin: Int)
    /// The caller cancelled; the child was killed.
    case cancelled
    /// The child could not be started or watched.
    case system(ProbeSystemError)

    package var description: String {
        switch self {
        case .invalidRequest(let field, let message): "\(field): \(message)"
        case .unsupported(let e): "the native engine cannot train this model: \(e)"
        case .insufficientMemory(let estimate, let available, let margin):
            "refusing to run: the step is estimated at \(ByteFormat.binary(estimate)) but only \(ByteFormat.binary(available)) "
                + "is available and \(ByteFormat.binary(margin)) is kept free; use a smaller --batch or --input"
        case .cancelled: "validation cancelled"
        case .system(let e): "\(e)"
        }
    }
}
