import Foundation
import Glibc

/// A `memqd` child process for end-to-end tests: found next to the test bundle, its standard
/// output collected so the test can read the endpoints it bound. Always ``stop()``ped by the test.
final class DaemonProcess {
    /// The process.
    let process = Process()
    /// Everything printed to standard output so far.
    private let output = Locked("")
    /// Everything printed to standard error so far (for failure messages).
    private let errors = Locked("")

    /// The memqd executable in the build directory, or `nil` if it was not built.
    static var executable: URL? {
        var candidates: [URL] = []
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for start in [argument0, Bundle.main.bundleURL, Bundle.main.executableURL ?? argument0] {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("memqd"))
                directory = directory.deletingLastPathComponent()
            }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Starts memqd with `arguments`.
    init(_ arguments: [String]) throws {
        guard let executable = Self.executable else {
            throw DaemonError("memqd was not found next to the test bundle (\(CommandLine.arguments[0])); build it with swift build --product memqd")
        }
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = self.output, errors = self.errors
        out.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.update { $0 += text }
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            errors.update { $0 += text }
        }
        try process.run()
    }

    /// The value after `prefix` on the first output line starting with it, waiting up to `seconds`.
    func line(after prefix: String, seconds: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            for line in output.value.split(separator: "\n") where line.hasPrefix(prefix + " ") {
                return String(line.dropFirst(prefix.count + 1))
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw DaemonError("memqd printed no \"\(prefix) …\" line; stderr: \(errors.value.suffix(2000))")
    }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// Waits up to `seconds` for the process to exit. - Returns: its exit status, or `nil` if still running.
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Kills the process if it still runs and waits for it.
    func stop() {
        send(SIGKILL)
        _ = waitForExit(seconds: 5)
    }

    /// What the process wrote to standard error.
    var standardError: String { errors.value }
}

/// A failure to run memqd in a test.
struct DaemonError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String

    /// An error saying `description`.
    init(_ description: String) { self.description = description }
}
