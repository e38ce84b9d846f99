// Every libc call of the probe, wrapped once: EINTR retried, errno kept, EAGAIN an expected outcome.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the C calls the probe makes (process, pipes, poll, /proc files, malloc tuning).
enum ProbeSyscalls {
    /// `pipe` with both ends marked close-on-exec (`fcntl(FD_CLOEXEC)`): (read end, write end).
    static func pipe() throws(ProbeSystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw ProbeSystemError(code: errno, message: "creating a pipe", cause: "pipe") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// `fcntl(F_SETFL, O_NONBLOCK)`.
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// `close`, ignoring errors (the descriptor is gone either way on Linux).
    static func close(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// `read`: the bytes read (empty at end of file), or nil when none are available now (EAGAIN).
    static func read(_ fd: Int32, max: Int = 65_536) throws(ProbeSystemError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, max) }
            if n >= 0 { return Array(buffer.prefix(n)) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw ProbeSystemError(code: errno, message: "reading from the child", cause: "read")
        }
    }

    /// `write`: bytes written (0 when the pipe is full: EAGAIN).
    static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws(ProbeSystemError) -> Int {
        while true {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            throw ProbeSystemError(code: errno, message: "writing the request to the child", cause: "write")
        }
    }

    /// Writes all of `bytes` to a blocking descriptor (the child's own stdout/stderr).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }

    /// `poll` on `fds` for at most `milliseconds`; returns the revents per descriptor (EINTR: all zero).
    static func poll(_ fds: [(fd: Int32, events: Int16)], milliseconds: Int32) throws(ProbeSystemError) -> [Int16] {
        var items = fds.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
        let n = Glibc.poll(&items, nfds_t(items.count), milliseconds)
        if n < 0 {
            if errno == EINTR { return [Int16](repeating: 0, count: fds.count) }
            throw ProbeSystemError(code: errno, message: "waiting for the child", cause: "poll")
        }
        return items.map(\.revents)
    }

    /// `posix_spawn` of `path` with `arguments` (argv[0] included) and `environment`, its stdin, stdout and stderr
    /// connected to the given descriptors. Returns the child's pid.
    static func spawn(path: String, arguments: [String], environment: [String],
                      stdin: Int32, stdout: Int32, stderr: Int32) throws(ProbeSystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard status == 0 else { throw ProbeSystemError(code: status, message: "starting the probe \(path)", cause: "posix_spawn") }
        return pid
    }

    /// `waitpid(pid, WNOHANG)`: the raw status once the child has exited, nil while it runs.
    static func tryWait(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return status }
            if r < 0 && errno == EINTR { continue }
            if r < 0 { return 0 }  // ECHILD: already reaped
            return nil
        }
    }

    /// `waitpid(pid, 0)`: blocks until the child exits; returns the raw status.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// `kill(pid, SIGKILL)`.
    static func killHard(_ pid: pid_t) { _ = kill(pid, SIGKILL) }

    /// Whole contents of a small file such as /proc/self/status (nil when unreadable).
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += buffer.prefix(n)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `text` to a file such as /proc/self/clear_refs; false on failure.
    @discardableResult
    static func writeFile(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { _ = Glibc.close(fd) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    /// glibc's `mallopt(parameter, value)`, looked up with dlsym (<malloc.h> is not in the Glibc module).
    @discardableResult
    static func mallopt(_ parameter: Int32, _ value: Int32) -> Bool {
        typealias Function = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        return unsafeBitCast(symbol, to: Function.self)(parameter, value) == 1
    }

    /// glibc's `malloc_trim(0)`: returns every whole free page of the heap to the OS (looked up with dlsym).
    static func mallocTrim() {
        typealias Function = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Function.self)(0)
    }

    /// The path of the running executable (`/proc/self/exe` resolved).
    static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, 4095)
        guard n > 0 else { return "/proc/self/exe" }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The process's environment as `KEY=value` strings.
    static func environment() -> [String] {
        var result: [String] = []
        var p = environ
        while let entry = p.pointee { result.append(String(cString: entry)); p += 1 }
        return result
    }

    /// Ends the process at once with `code` (no atexit handlers; for the child after its report is written).
    static func exitNow(_ code: Int32) -> Never { _exit(code) }
}
