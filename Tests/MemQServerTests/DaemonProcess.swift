import Foundation
import Glibc

/// A `memqd` child process for end-to-end tests: found next to the test bundle, its standard
/// output collected so the test can read the endpoints it bound. Always ``stop()``ped by the test.
///
/// It is started the way a shell starts a command: no signal blocked, every signal at its default
/// action. Foundation's `Process` would pass on the mask of the calling thread instead, and Swift
/// Testing runs tests on threads that block SIGTERM and SIGINT; a memqd started so never sees
/// what a daemon started by a shell or a service manager sees.
final class DaemonProcess {
    /// The child's process id.
    let pid: pid_t
    /// Everything printed to standard output so far.
    private let output = Locked("")
    /// Everything printed to standard error so far (for failure messages).
    private let errors = Locked("")
    /// The `waitpid` status once the child has been reaped.
    private var reaped: Int32?

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
    convenience init(_ arguments: [String]) throws {
        guard let executable = Self.executable else {
            throw DaemonError("memqd was not found next to the test bundle (\(CommandLine.arguments[0])); build it with swift build --product memqd")
        }
        try self.init(program: executable.path, arguments)
    }

    /// Starts `python3 script arguments...` (found on PATH, via /usr/bin/env) the same way.
    convenience init(python script: String, _ arguments: [String]) throws {
        try self.init(program: "/usr/bin/env", ["python3", "-u", script] + arguments)
    }

    /// Starts the executable at `program` with `arguments`.
    init(program: String, _ arguments: [String]) throws {
        let out = try Self.pipe(), err = try Self.pipe()
        do {
            pid = try Self.spawn(program, arguments, stdout: out.write, stderr: err.write)
        } catch {
            for end in [out.read, out.write, err.read, err.write] { close(end) }
            throw error
        }
        close(out.write)
        close(err.write)
        Self.collect(out.read, into: output)
        Self.collect(err.read, into: errors)
    }

    /// The value after `prefix` on the first output line starting with it, waiting up to `seconds`.
    func line(after prefix: String, seconds: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            for line in output.value.split(separator: "\n") where line.hasPrefix(prefix + " ") {
                return String(line.dropFirst(prefix.count + 1))
            }
            guard isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw DaemonError("the process printed no \"\(prefix) …\" line; stderr: \(errors.value.suffix(2000))")
    }

    /// Whether the process has not exited yet.
    var isRunning: Bool { reap() == nil }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(pid, signal) }
    }

    /// Waits up to `seconds` for the process to exit.
    ///
    /// - Returns: Its exit status as a shell's `$?` has it (128 + the signal's number if a signal
    ///   ended it, e.g. 143 for SIGTERM), or `nil` if it still runs.
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard let status = reap() else { return nil }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Kills the process if it still runs and waits for it.
    func stop() {
        send(SIGKILL)
        _ = waitForExit(seconds: 5)
    }

    /// What the process wrote to standard output so far.
    var standardOutput: String { output.value }

    /// What the process wrote to standard error.
    var standardError: String { errors.value }

    /// The `waitpid` status if the process has exited (reaping it once), else `nil`.
    private func reap() -> Int32? {
        if let reaped { return reaped }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result == -1 && errno == EINTR
        guard result == pid else { return nil }
        reaped = status
        return status
    }

    /// A pipe whose two ends are closed on exec (`pipe`, then `fcntl` `FD_CLOEXEC`), so children
    /// started by other tests later do not hold its write end open.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw DaemonError("pipe failed: errno \(errno)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// `posix_spawn` of `path` with an empty signal mask and every signal at its default action
    /// (`POSIX_SPAWN_SETSIGMASK`, `POSIX_SPAWN_SETSIGDEF`), standard input from /dev/null.
    ///
    /// - Returns: The child's process id.
    private static func spawn(_ path: String, _ arguments: [String], stdout: Int32, stderr: Int32) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var caught = sigset_t()
        sigfillset(&caught)
        sigdelset(&caught, SIGKILL)
        sigdelset(&caught, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &caught)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else { throw DaemonError("posix_spawn \(path) failed: errno \(status)") }
        return pid
    }

    /// Appends everything readable from `descriptor` to `sink` on a thread of its own, until end
    /// of file; then closes it.
    private static func collect(_ descriptor: Int32, into sink: Locked<String>) {
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count == -1 && errno == EINTR { continue }
                guard count > 0 else { break }
                let text = String(decoding: buffer[..<count], as: UTF8.self)
                sink.update { $0 += text }
            }
            close(descriptor)
        }
        reader.start()
    }
}

/// A failure to run memqd in a test.
struct DaemonError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String

    /// An error saying `description`.
    init(_ description: String) { self.description = description }
}
