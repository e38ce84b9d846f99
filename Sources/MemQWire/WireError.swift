import MemQCore

/// A request that failed: the reply status and the `{"error": {...}}` body that explains it.
///
/// Handlers throw it for bad requests; the daemon sends it as the reply. `code` is a stable
/// snake_case identifier for programs, `message` a sentence for people that names where the
/// problem is and what would be valid, `field` the request field (or frame) at fault.
package struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reply status, such as 400.
    package var status: WireStatus
    /// A stable identifier, such as "malformed_json" or "unknown_model".
    package var code: String
    /// What is wrong and what would be valid.
    package var message: String
    /// The body field or frame at fault, such as "batch" or "frame 1 (version)"; `nil` if none.
    package var field: String?

    /// An error reply with `status`, a stable `code`, a `message`, and optionally the `field` at fault.
    package init(status: WireStatus, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    /// The reply body: `{"error": {"code": ..., "message": ..., "field": ...}}` (`field` omitted when `nil`).
    package var body: JSONValue {
        .object(["error": errorObject])
    }

    /// The inner `{"code": ..., "message": ..., "field": ...}` object.
    package var errorObject: JSONValue {
        var object: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let field { object["field"] = .string(field) }
        return .object(object)
    }

    /// The error described by a reply body's `error` object, if it has one.
    package init?(status: WireStatus, body: JSONValue) {
        guard let error = body["error"], case .string(let code)? = error["code"],
              case .string(let message)? = error["message"] else { return nil }
        var field: String?
        if case .string(let text)? = error["field"] { field = text }
        self.init(status: status, code: code, message: message, field: field)
    }

    /// "400 malformed_json (body): ...".
    package var description: String {
        var text = "\(status.rawValue) \(code)"
        if let field { text += " (\(field))" }
        return text + ": " + message
    }
}

extension WireError {
    /// 400: a field of the body is missing or invalid.
    package static func invalidField(_ field: String, _ message: String) -> WireError {
        WireError(status: .badRequest, code: "invalid_field", message: message, field: field)
    }

    /// 404: the command is not one of the protocol's.
    package static func unknownCommand(_ command: String) -> WireError {
        let known = WireCommand.allCases.map(\.rawValue).joined(separator: ", ")
        return WireError(status: .notFound, code: "unknown_command",
                         message: "unknown command \"\(command)\" in frame 2 (command); valid commands: \(known)",
                         field: "command")
    }

    /// 404: no job has this id (never existed, or forgotten after the retention limit).
    package static func unknownJob(_ id: String) -> WireError {
        WireError(status: .notFound, code: "unknown_job",
                  message: "no job \"\(id)\"; job ids come from a validate reply and are kept for a limited time",
                  field: "job")
    }

    /// 429: the queue for this kind of work is full.
    package static func queueFull(_ queue: String, limit: Int) -> WireError {
        WireError(status: .tooManyRequests, code: "queue_full",
                  message: "the \(queue) queue is full (\(limit) waiting); retry later")
    }

    /// 503: the daemon is shutting down.
    package static let shuttingDown = WireError(
        status: .unavailable, code: "shutting_down",
        message: "memqd is shutting down and takes no new work; retry against another instance")

    /// 500: an unexpected failure, described by `message`.
    package static func internalError(_ message: String) -> WireError {
        WireError(status: .internalError, code: "internal", message: message)
    }

    /// 501: the command exists in the protocol but this build has no implementation for it.
    package static func notImplemented(_ command: String) -> WireError {
        WireError(status: .notImplemented, code: "not_implemented",
                  message: "command \"\(command)\" is not available in this build of memqd", field: "command")
    }
}
