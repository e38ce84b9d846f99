import Foundation
import MemQClient
import MemQCore
import MemQReport
import MemQService
import MemQWire

/// Runs a command in this process or on memqd, and returns the same result type either way, so the output is
/// identical: the daemon's reply is the result's JSON, decoded here.
enum CommandRunner {
    static func run<Result: ReportRenderable>(_ command: WireCommand, body: JSONValue, server: ServerOptions,
                                              as type: Result.Type,
                                              embedded: (MemQService, JSONValue) throws(WireError) -> Result) throws -> Result {
        if let client = try server.client() {
            defer { client.close() }
            let reply: WireReply
            do {
                reply = try client.request(command, body: body)
            } catch {
                throw CLIError("\(error)")
            }
            if let error = reply.error { throw CLIError(error.message) }
            guard reply.status == .ok else { throw CLIError("memqd answered \(reply.status.rawValue) to \(command.rawValue)") }
            do {
                return try ResultJSON.decode(type, from: reply.body.serialized())
            } catch {
                throw CLIError("memqd's reply to \(command.rawValue) is not a \(type) result: \(error)")
            }
        }
        do {
            return try embedded(MemQService(allowFiles: true), body)
        } catch {
            throw CLIError(error.message)
        }
    }
}
