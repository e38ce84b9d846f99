import Foundation
import MemQCore

/// How the MODEL argument travels in a request body.
enum ModelArgument {
    /// In process the reference goes as typed. To a daemon, which reads no files, a spec file is sent inline.
    static func value(_ model: String, forServer: Bool) throws -> JSONValue {
        let trimmed = model.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("{") {
            return try JSONValue.parse(Data(trimmed.utf8))
        }
        if forServer, trimmed.contains("/") || trimmed.hasSuffix(".json") || FileManager.default.fileExists(atPath: trimmed),
           FileManager.default.fileExists(atPath: trimmed) {
            guard let data = FileManager.default.contents(atPath: trimmed) else {
                throw CLIError("model file '\(trimmed)' could not be read")
            }
            do {
                return try JSONValue.parse(data)
            } catch {
                throw CLIError("model file '\(trimmed)': \(error)")
            }
        }
        return .string(model)
    }
}
