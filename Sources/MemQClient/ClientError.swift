import MemQTransport
import MemQWire

/// Why a ``MemQClient`` request got no usable reply.
package enum ClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nobody answered in time on any try.
    case noAnswer(endpoint: String, tries: Int, timeoutSeconds: Double)
    /// A libzmq call failed (bad endpoint, bad key, context gone).
    case transport(ZMQError)
    /// A reply arrived but is not protocol MEMQ/1.
    case badReply(WireError)

    /// One line a user can act on.
    package var description: String {
        switch self {
        case .noAnswer(let endpoint, let tries, let timeout):
            let seconds = timeout.formatted(fractionDigits: 1)
            return "no memqd answered at \(endpoint) after \(tries) \(tries == 1 ? "try" : "tries") of \(seconds) s; "
                + "is memqd running there (and, with CURVE, is this client's public key authorized)?"
        case .transport(let error):
            return "cannot talk to memqd: \(error)"
        case .badReply(let error):
            return "memqd sent a reply that is not MEMQ/1: \(error.message)"
        }
    }
}

extension Double {
    /// The number with exactly `fractionDigits` digits after the point, e.g. "2.0".
    fileprivate func formatted(fractionDigits: Int) -> String {
        var scale = 1.0
        for _ in 0..<fractionDigits { scale *= 10 }
        let scaled = (self * scale).rounded()
        let whole = Int(scaled) / Int(scale)
        let fraction = abs(Int(scaled) % Int(scale))
        guard fractionDigits > 0 else { return String(whole) }
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: fractionDigits - digits.count) + digits
    }
}
