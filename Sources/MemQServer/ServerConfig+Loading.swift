import Foundation
import Logging
import MemQCore
import MemQWire

extension ServerConfig {
    /// The keys a configuration file may have, in the order `memqd --help` shows them.
    package static let keys = [
        "endpoints", "fast-workers", "inline-fast", "slow-workers", "fast-queue", "slow-queue", "max-message-bytes",
        "validation-max-estimated-bytes", "validation-max-seconds", "grace-seconds", "request-timeout-seconds",
        "job-retention",
        "curve-secret-key-file", "curve-authorized-keys-file", "log-level", "backend", "mdp-service", "mdp-framing", "heartbeat-ms",
        "heartbeat-liveness", "observations-db", "metrics-port",
    ]

    /// Reads a configuration file; keys it leaves out keep their defaults.
    ///
    /// - Throws: ``ConfigError`` naming the file and the key that is unknown or out of range.
    package init(contentsOfFile path: String) throws(ConfigError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(source: path, key: nil, reason: "cannot read the file; pass --config with an existing file (see config/memqd.json)")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw ConfigError(source: path, key: nil, reason: "\(error)")
        }
        try self.init(json: document, source: path)
    }

    /// Reads a configuration from a JSON object; `source` names it in errors.
    ///
    /// - Throws: ``ConfigError`` naming the key that is unknown or out of range.
    package init(json document: JSONValue, source: String) throws(ConfigError) {
        self.init()
        guard case .object(let object) = document else {
            throw ConfigError(source: source, key: nil, reason: "is \(document.typeName); expected a JSON object like config/memqd.json")
        }
        for key in object.keys.sorted() where !Self.keys.contains(key) && !key.hasPrefix("//") {
            throw ConfigError(source: source, key: key, reason: "unknown key; valid keys: \(Self.keys.joined(separator: ", "))")
        }
        let reader = Reader(object: object, source: source)
        if let value = try reader.endpoints() { endpoints = value }
        if let value = try reader.int("fast-workers", 1...256) { fastWorkers = value }
        if let value = try reader.bool("inline-fast") { inlineFast = value }
        if let value = try reader.int("slow-workers", 1...64) { slowWorkers = value }
        if let value = try reader.int("fast-queue", 1...1_000_000) { fastQueue = value }
        if let value = try reader.int("slow-queue", 1...100_000) { slowQueue = value }
        if let value = try reader.int("max-message-bytes", 256...(1 << 30)) { maxMessageBytes = value }
        if let value = try reader.int("validation-max-estimated-bytes", 1...Int.max) { validationMaxEstimatedBytes = value }
        if let value = try reader.double("validation-max-seconds", 0.01...86_400) { validationMaxSeconds = value }
        if let value = try reader.double("grace-seconds", 0...3600) { graceSeconds = value }
        if let value = try reader.double("request-timeout-seconds", 0...86_400) { requestTimeoutSeconds = value }
        if let value = try reader.int("job-retention", 1...1_000_000) { jobRetention = value }
        if let value = try reader.path("curve-secret-key-file") { curveSecretKeyFile = value }
        if let value = try reader.path("curve-authorized-keys-file") { curveAuthorizedKeysFile = value }
        if let value = try reader.logLevel() { logLevel = value }
        if let value = try reader.path("backend") { backend = value }
        if let value = try reader.mdpService() { mdpService = value }
        if let value = try reader.mdpFraming() { mdpFraming = value }
        if let value = try reader.int("heartbeat-ms", 10...600_000) { heartbeatMs = value }
        if let value = try reader.int("heartbeat-liveness", 1...100) { heartbeatLiveness = value }
        if let value = try reader.path("observations-db") { observationsDB = value }
        if let value = try reader.int("metrics-port", 0...65535) { metricsPort = value }
    }

    /// Why `name` cannot be an MDP service name, or nil if it can.
    package static func invalidServiceName(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard (1...255).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            return "must be 1 to 255 printable ASCII characters without spaces (an MDP service name such as \"memq\"), got \"\(name.prefix(40))\""
        }
        return nil
    }

    /// Checks what can only be checked as a whole: CURVE needs both files.
    ///
    /// - Throws: ``ConfigError`` naming the missing key.
    package func validated(source: String) throws(ConfigError) -> ServerConfig {
        if curveSecretKeyFile != nil, curveAuthorizedKeysFile == nil {
            throw ConfigError(source: source, key: "curve-authorized-keys-file",
                              reason: "CURVE needs the authorized-keys file too, else no client could connect")
        }
        if curveAuthorizedKeysFile != nil, curveSecretKeyFile == nil {
            throw ConfigError(source: source, key: "curve-secret-key-file",
                              reason: "CURVE needs the daemon's secret key file (write one with `memq keygen`)")
        }
        if endpoints.isEmpty {
            throw ConfigError(source: source, key: "endpoints", reason: "at least one endpoint is needed, e.g. tcp://127.0.0.1:5555")
        }
        return self
    }
}

/// Typed reads of configuration keys with errors naming the key and the valid range.
private struct Reader {
    /// The configuration object.
    let object: [String: JSONValue]
    /// The file name, for errors.
    let source: String

    /// An error about `key`.
    func error(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(source: source, key: key, reason: reason)
    }

    /// An integer in `range`, or `nil` if absent or null.
    func int(_ key: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case .int(let value)? where range.contains(value): return value
        case .double(let value)? where value.rounded() == value && value >= Double(range.lowerBound) && value <= Double(range.upperBound):
            return Int(value)
        case let value?:
            throw error(key, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \(value.serializedText)")
        }
    }

    /// A boolean, or `nil` if absent or null.
    func bool(_ key: String) throws(ConfigError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let value?: throw error(key, "must be true or false, got \(value.serializedText)")
        }
    }

    /// A number in `range`, or `nil` if absent or null.
    func double(_ key: String, _ range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        switch object[key] {
        case nil, .null?: return nil
        case .int(let value)? where range.contains(Double(value)): return Double(value)
        case .double(let value)? where range.contains(value): return value
        case let value?:
            throw error(key, "must be a number from \(range.lowerBound) to \(range.upperBound), got \(value.serializedText)")
        }
    }

    /// A non-empty string, or `nil` if absent or null.
    func path(_ key: String) throws(ConfigError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let value)? where !value.isEmpty: return value
        case let value?: throw error(key, "must be a non-empty string or null, got \(value.serializedText)")
        }
    }

    /// The endpoint list.
    func endpoints() throws(ConfigError) -> [String]? {
        let key = "endpoints"
        switch object[key] {
        case nil, .null?: return nil
        case .array(let items)?:
            var result: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let endpoint) = item, endpoint.contains("://") else {
                    throw error("\(key)[\(index)]", "must be an endpoint string such as tcp://127.0.0.1:5555 or ipc:///tmp/memqd.sock, got \(item.serializedText)")
                }
                result.append(endpoint)
            }
            guard !result.isEmpty else { throw error(key, "must list at least one endpoint, e.g. [\"tcp://127.0.0.1:5555\"]") }
            return result
        case let value?:
            throw error(key, "must be an array of endpoint strings, e.g. [\"tcp://127.0.0.1:5555\"], got \(value.serializedText)")
        }
    }

    /// The MDP service name: printable ASCII, 1 to 255 bytes (RFC 18: "printable string").
    func mdpService() throws(ConfigError) -> String? {
        guard let text = try path("mdp-service") else { return nil }
        guard let reason = ServerConfig.invalidServiceName(text) else { return text }
        throw error("mdp-service", reason)
    }

    /// The framing memqd's worker sends.
    func mdpFraming() throws(ConfigError) -> MDP.Framing? {
        guard let text = try path("mdp-framing") else { return nil }
        guard let framing = MDP.Framing(rawValue: text) else {
            throw error("mdp-framing", "must be \"rfc18\" (RFC 18, no empty frame) or \"delimited\" (an empty frame first, as majortomo sends), got \"\(text.prefix(40))\"")
        }
        return framing
    }

    /// The log level.
    func logLevel() throws(ConfigError) -> Logger.Level? {
        let key = "log-level"
        guard let text = try path(key) else { return nil }
        guard let level = Logger.Level(rawValue: text) else {
            let valid = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(key, "must be one of \(valid), got \"\(text)\"")
        }
        return level
    }
}

extension JSONValue {
    /// The value as compact JSON text, for messages.
    fileprivate var serializedText: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
