/// Facts about the linked libzmq.
package enum ZMQLibrary {
    /// The linked libzmq's version as "major.minor.patch", from `zmq_version()`.
    package static var version: String {
        let (major, minor, patch) = Syscalls.version()
        return "\(major).\(minor).\(patch)"
    }

    /// Whether the linked libzmq has a capability such as "curve", "ipc" or "draft", via `zmq_has()`.
    package static func has(_ capability: String) -> Bool {
        Syscalls.has(capability)
    }

    /// Whether CURVE encryption and authentication are available (`zmq_has("curve")`).
    package static var hasCurve: Bool { has("curve") }
}
