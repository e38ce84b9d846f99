/// An HTTP-like status code of a reply, sent as ASCII digits in the reply's second frame.
package struct WireStatus: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The numeric code, such as 200.
    package let rawValue: Int

    /// Wraps a numeric code.
    package init(rawValue: Int) { self.rawValue = rawValue }

    /// Parses the ASCII digits of a status frame; `nil` if it is not three digits.
    package init?(frame: [UInt8]) {
        guard frame.count == 3, frame.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let value = Int(String(decoding: frame, as: UTF8.self)) else { return nil }
        self.rawValue = value
    }

    /// The status frame: the code as ASCII digits.
    package var frame: [UInt8] { Array(String(rawValue).utf8) }

    /// The request succeeded; the body is the result.
    package static let ok = WireStatus(rawValue: 200)
    /// A validation job was accepted; the body names the job.
    package static let accepted = WireStatus(rawValue: 202)
    /// The request is malformed; the error names the field.
    package static let badRequest = WireStatus(rawValue: 400)
    /// Unknown command, model or job.
    package static let notFound = WireStatus(rawValue: 404)
    /// A job exceeded its time limit.
    package static let timeout = WireStatus(rawValue: 408)
    /// The body is larger than the daemon's configured maximum.
    package static let tooLarge = WireStatus(rawValue: 413)
    /// The queue for this kind of work is full; retry later.
    package static let tooManyRequests = WireStatus(rawValue: 429)
    /// The daemon failed; a bug or an infrastructure fault.
    package static let internalError = WireStatus(rawValue: 500)
    /// The command exists in the protocol but this build cannot run it.
    package static let notImplemented = WireStatus(rawValue: 501)
    /// The daemon is shutting down and takes no new work.
    package static let unavailable = WireStatus(rawValue: 503)

    /// Whether the code is 2xx.
    package var isSuccess: Bool { (200..<300).contains(rawValue) }

    /// The standard reason phrase, e.g. "Too Many Requests".
    package var reason: String {
        switch rawValue {
        case 200: "OK"
        case 202: "Accepted"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        default: "Status \(rawValue)"
        }
    }

    /// "429 Too Many Requests".
    package var description: String { "\(rawValue) \(reason)" }

    /// Orders by numeric code.
    package static func < (lhs: WireStatus, rhs: WireStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}
