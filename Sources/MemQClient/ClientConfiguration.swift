/// How a ``MemQClient`` reaches memqd: where, how long it waits, how often it tries, and CURVE.
package struct ClientConfiguration: Sendable, Hashable {
    /// The daemon's endpoint, e.g. "tcp://127.0.0.1:5555" or "ipc:///tmp/memqd.sock".
    package var endpoint: String
    /// How long one try waits for the reply, in seconds.
    package var timeoutSeconds: Double
    /// How many times a request is sent (each time on a fresh socket) before giving up; at least 1.
    package var tries: Int
    /// CURVE settings; `nil` for a plaintext daemon.
    package var curve: ClientCurve?

    /// A configuration; the defaults wait 2 s per try, 3 tries.
    package init(endpoint: String, timeoutSeconds: Double = 2.0, tries: Int = 3, curve: ClientCurve? = nil) {
        self.endpoint = endpoint
        self.timeoutSeconds = timeoutSeconds
        self.tries = max(1, tries)
        self.curve = curve
    }
}
