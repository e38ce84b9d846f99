import ArgumentParser
import MemQClient

/// Where a command runs: embedded in this process (the default) or on a memqd daemon with `--server ENDPOINT`.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Run on the memqd daemon at <endpoint> (e.g. tcp://127.0.0.1:5555 or ipc:///tmp/memqd.sock) instead of in this process; the output is the same.",
        valueName: "endpoint"))
    var server: String?

    @Option(name: .customLong("server-timeout"), help: ArgumentHelp("With --server: seconds to wait for each try.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(name: .customLong("server-tries"), help: ArgumentHelp("With --server: tries before giving up (Lazy Pirate: reconnect between tries).",
                                                                 valueName: "n"))
    var tries: Int = 3

    @Option(name: .customLong("server-key"), help: ArgumentHelp("With --server: memqd's public key file, for CURVE encryption.", valueName: "file"))
    var serverKey: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp("With --server: this client's secret key file (memq keygen), for CURVE.", valueName: "file"))
    var clientKey: String?

    func validate() throws {
        if server == nil && (serverKey != nil || clientKey != nil) {
            throw ValidationError("--server-key and --client-key only apply with --server")
        }
        if (serverKey == nil) != (clientKey == nil) {
            throw ValidationError("CURVE needs both --server-key (memqd's public key) and --client-key (this client's secret key)")
        }
        if timeout <= 0 { throw ValidationError("--server-timeout must be positive, got \(timeout)") }
        if tries < 1 { throw ValidationError("--server-tries must be at least 1, got \(tries)") }
    }

    /// A client for `--server`, or nil to run in this process.
    func client() throws -> MemQClient? {
        guard let server else { return nil }
        var curve: ClientCurve? = nil
        if let serverKey, let clientKey {
            do { curve = try ClientCurve(serverKeyFile: serverKey, clientSecretFile: clientKey) } catch { throw CLIError("\(error)") }
        }
        do {
            return try MemQClient(ClientConfiguration(endpoint: server, timeoutSeconds: timeout, tries: tries, curve: curve))
        } catch {
            throw CLIError("\(error)")
        }
    }
}
