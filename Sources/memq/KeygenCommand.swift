import ArgumentParser
import Foundation
import MemQClient

/// `memq keygen`: writes a CURVE key pair for memqd or a client.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CURVE key pair (NAME.secret.json, mode 0600, and NAME.public.json) for memqd or a client.",
        discussion: """
            memqd encrypts and authenticates every endpoint when its config names a secret key and an \
            authorized-keys file (docs/protocol.md). Give the daemon's public key to clients; add each client's \
            public key (one per line) to the daemon's authorized-keys file.

            Examples:
              memq keygen --dir keys --name memqd
              memq keygen --dir keys --name scheduler
            """
    )

    @Option(name: .long, help: ArgumentHelp("Directory to write into (created if missing).", valueName: "dir"))
    var dir: String = "."

    @Option(name: .long, help: ArgumentHelp("Base name of the two files.", valueName: "name"))
    var name: String = "memq"

    func run() throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let paths = try CurveKeyFile.writeKeyPair(to: dir, name: name)
            print("secret key: \(paths.secretFile)")
            print("public key: \(paths.publicFile) (\(paths.publicKey))")
        } catch {
            throw CLIError("\(error)")
        }
    }
}
