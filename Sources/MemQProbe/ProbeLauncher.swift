// Which program runs the probe's child.

/// The executable and arguments that start a probe child (a program whose entry point calls `ProbeChild.run()`).
package struct ProbeLauncher: Sendable, Hashable {
    /// Path of the executable.
    package var executable: String
    /// Its arguments, argv[0] included.
    package var arguments: [String]

    package init(executable: String, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// The running executable again (`/proc/self/exe`) as `memq validate --probe-child`: right for the `memq` CLI.
    package static var currentMemq: ProbeLauncher {
        let path = ProbeSyscalls.currentExecutable()
        return ProbeLauncher(executable: path, arguments: [path, "validate", ProbeChild.argument])
    }

    /// A `memq` binary at `path` (for the daemon and tests, whose own executable is not `memq`).
    package static func memq(at path: String) -> ProbeLauncher {
        ProbeLauncher(executable: path, arguments: [path, "validate", ProbeChild.argument])
    }
}
