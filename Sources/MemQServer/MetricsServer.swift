import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `GET /metrics` on a loopback TCP port: the Prometheus text exposition of ``ServerStats``. One thread, one
/// request per connection (scrapers connect, read, disconnect); anything but `GET /metrics` gets 404.
package final class MetricsServer: Sendable {
    private let fd: Int32
    package let port: Int

    /// Binds 127.0.0.1:`port` (0: a free port) and serves `stats` until ``stop()``.
    /// - Throws: ``ServerError`` with the errno when the port cannot be bound.
    package init(port: Int, stats: ServerStats) throws(ServerError) {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw ServerError("cannot create the metrics socket", cause: String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(s, 16) == 0 else {
            let cause = String(cString: strerror(errno))
            close(s)
            throw ServerError("cannot serve metrics on 127.0.0.1:\(port) (metrics-port)", cause: cause)
        }
        var actual = sockaddr_in(), length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &length) } }
        fd = s
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [s] in Self.serve(s, stats) }
        thread.name = "memqd.metrics"
        thread.start()
    }

    /// Stops accepting (the thread ends at its next accept).
    package func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private static func serve(_ listener: Int32, _ stats: ServerStats) {
        while true {
            let c = accept(listener, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while request.count < 16_384 {
                let n = read(c, &buffer, buffer.count)
                if n <= 0 { break }
                request += buffer[0..<n]
                if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
            }
            let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
            let ok = line.hasPrefix("GET /metrics ") || line == "GET /metrics"
            let body: [UInt8] = ok ? stats.prometheusText() : Array("not found: GET /metrics\n".utf8)
            let head = "HTTP/1.1 \(ok ? "200 OK" : "404 Not Found")\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let reply = Array(head.utf8) + body
            var sent = 0
            while sent < reply.count {
                let n = reply[sent...].withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                sent += n
            }
            close(c)
        }
    }
}
