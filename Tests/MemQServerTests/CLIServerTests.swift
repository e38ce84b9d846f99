import Foundation
import Testing

/// `memq --server` against a real memqd (the real service, not a test handler): the output is byte for byte the
/// embedded output, errors come back as `memq: error:` with a non-zero exit.
@Suite(.serialized) struct CLIServerTests {
    static var memq: URL? {
        DaemonProcess.executable.map { $0.deletingLastPathComponent().appendingPathComponent("memq") }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0.path) ? $0 : nil }
    }

    /// Runs memq with `arguments`; returns (exit status, stdout, stderr), killing it after 30 s.
    static func run(_ arguments: [String]) throws -> (Int32, String, String) {
        guard let memq else { throw DaemonError("memq was not found next to memqd; build it with swift build") }
        let p = Process()
        p.executableURL = memq
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Drain both pipes while the child runs, so a long output cannot block it.
        let stdout = Locked(Data()), stderr = Locked(Data())
        let group = DispatchGroup()
        for (pipe, sink) in [(out, stdout), (err, stderr)] {
            DispatchQueue.global().async(group: group) {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                sink.update { $0 = data }
            }
        }
        if group.wait(timeout: .now() + 30) == .timedOut { p.terminate() }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: stdout.value, as: UTF8.self), String(decoding: stderr.value, as: UTF8.self))
    }

    @Test func sameOutputAsEmbedded() throws {
        let daemon = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*", "--grace-seconds", "0.5"])
        defer { daemon.stop() }
        let endpoint = try daemon.line(after: "listening")
        let specPath = ConfigTests.root.appendingPathComponent("config/models/tiny_resnet.json").path
        let commands: [[String]] = [
            ["estimate", "resnet18", "-b", "8", "--optimizer", "adam"],
            ["estimate", "resnet18", "-b", "8", "--optimizer", "adam", "--json"],
            ["estimate", "mobilenet_v2", "-b", "16", "--dtype", "amp-bf16", "--gpu", "l4", "--runtime", "pytorch-cuda", "--csv"],
            ["estimate", specPath, "-b", "4", "--checkpoint", "every:1"],
            ["sweep", "lenet5", "--batch", "1,2,4..64", "--dtypes", "fp32,bf16", "--optimizers", "sgd,adam"],
            ["fit", "resnet50", "--gpu", "a100-40gb", "--margin", "5%", "--json"],
            ["summary", "alexnet", "--memory"],
            ["models", "--family", "resnet", "--json"],
        ]
        for args in commands {
            let embedded = try Self.run(args)
            let remote = try Self.run(args + ["--server", endpoint])
            #expect(embedded.0 == 0, "\(args): \(embedded.2)")
            #expect(remote.0 == 0, "\(args) --server: \(remote.2)")
            #expect(remote.1 == embedded.1, "\(args): output differs through the daemon")
        }
        // Errors: the same message, a non-zero exit.
        let bad = try Self.run(["estimate", "resnt50", "--server", endpoint])
        #expect(bad.0 != 0)
        #expect(bad.2.contains("memq: error: unknown model 'resnt50'"))
        let zero = try Self.run(["estimate", "resnet50", "-b", "0", "--server", endpoint])
        #expect(zero.0 != 0)
    }

    /// `memq validate --server`: the job is submitted (202), followed with `job`, and its result printed; the
    /// measurement passes (lenet5 at batch 256 is 16 MiB, measured within 3% in docs/validation.md).
    @Test func validateThroughTheDaemon() throws {
        let daemon = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*", "--grace-seconds", "0.5"])
        defer { daemon.stop() }
        let endpoint = try daemon.line(after: "listening")
        let r = try Self.run(["validate", "lenet5", "--batch", "256", "--steps", "2", "--json", "--server", endpoint])
        #expect(r.0 == 0, "\(r.2)")
        let json = try JSONSerialization.jsonObject(with: Data(r.1.utf8)) as? [String: Any]
        #expect(json?["pass"] as? Bool == true, "\(r.1)")
        #expect((json?["measured"] as? [String: Any])?["peak_rss_delta_bytes"] as? Int ?? 0 > 10 << 20)
        let bad = try Self.run(["validate", "gpt2", "--server", endpoint])
        #expect(bad.0 != 0)
        #expect(bad.2.contains("memq: error:"), "\(bad.2)")
    }

    @Test func noDaemonIsAClearError() throws {
        let r = try Self.run(["estimate", "resnet18", "--server", "tcp://127.0.0.1:1", "--server-timeout", "0.2", "--server-tries", "2"])
        #expect(r.0 != 0)
        #expect(r.2.contains("no memqd answered at tcp://127.0.0.1:1"), "\(r.2)")
    }
}

