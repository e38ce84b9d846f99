// The fuzz harness: libFuzzer's entry point when built for fuzzing, a replayer of saved inputs otherwise.
//
// Fuzzing (scripts/fuzz.sh; docs/reliability.md):
//   swift build --scratch-path .build-fuzz --product memq-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DMEMQ_LIBFUZZER
//   MEMQ_FUZZ_TARGET=json .build-fuzz/debug/memq-fuzz -max_total_time=60 fuzz/corpus/json
// Replaying (any build): memq-fuzz TARGET FILE-OR-DIRECTORY... runs every input once and says how many.
import Foundation
import MemQFuzz

#if MEMQ_LIBFUZZER
/// The target named by `MEMQ_FUZZ_TARGET` (json, spec, body, frame).
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MEMQ_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set MEMQ_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget.run(bytes)
    return 0
}

/// libFuzzer's driver (FuzzerDriver.cpp), for an entry point SwiftPM names itself.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main` (and defines `main` as it), so libFuzzer's own
/// `main` is not used: this one hands the arguments to libFuzzer's driver.
@_cdecl("memq_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}
#else
/// The replayer: `memq-fuzz TARGET FILE-OR-DIRECTORY...`.
@main
struct FuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            FileHandle.standardError.write(Data("""
                usage: memq-fuzz TARGET FILE-OR-DIRECTORY...
                Runs every input once through TARGET (\(FuzzTarget.allCases.map { $0.rawValue }.joined(separator: ", "))).
                Built with -DMEMQ_LIBFUZZER (scripts/fuzz.sh) it is a libFuzzer binary instead.

                """.utf8))
            exit(2)
        }
        var files: [URL] = []
        for path in arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("memq-fuzz: no such file or directory: \(path)\n".utf8))
                exit(2)
            }
            if isDirectory.boolValue {
                let entries = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? []
                files += entries.sorted { $0.path < $1.path }
            } else {
                files.append(url)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            target.run([UInt8](data))
        }
        print("memq-fuzz: \(files.count) inputs through \(target.rawValue), none crashed")
    }
}
#endif
