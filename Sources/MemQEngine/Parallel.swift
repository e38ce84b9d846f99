// Splitting non-GEMM loops over the cores with Dispatch.
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs loop bodies over both (all) cores with `DispatchQueue.concurrentPerform`: the elementwise kernels, and the
/// blocks of each large GEMM (`EngineBLAS`, with OpenBLAS itself single-threaded), so one set of threads does all
/// the parallel work of a step.
enum Parallel {
    /// Online processors at start-up.
    static let coreCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Below this many scalar operations a loop runs serially (thread wake-up costs more than it saves).
    static let minimumWork = 32_768

    /// Calls `body` for every index in `0..<count`, in contiguous chunks on several threads when
    /// `count * costPerItem` is large; each index is visited exactly once, chunk order is unspecified.
    static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forRanges(count, costPerItem: costPerItem) { range in
            for i in range { body(i) }
        }
    }

    /// Calls `body` with disjoint ranges covering `0..<count`; parallel when `count * costPerItem` is large.
    static func forRanges(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let total = count.multipliedReportingOverflow(by: max(costPerItem, 1))
        if coreCount == 1 || count == 1 || (!total.overflow && total.partialValue < minimumWork) {
            body(0..<count)
            return
        }
        // A few chunks per core balance uneven chunks without much scheduling overhead.
        let chunks = min(count, coreCount * 4)
        perform(chunks) { chunk in
            let start = chunk * count / chunks
            let end = (chunk + 1) * count / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body(i)` for every `i` in `0..<iterations`, concurrently on Dispatch's threads (the caller's included).
    ///
    /// The iterations must write disjoint memory; the kernels guarantee that, which is what makes passing the
    /// non-`Sendable` body across threads sound.
    static func perform(_ iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedSendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: iterations) { work.value($0) }
        }
    }

    /// Carries a non-Sendable value (a loop body over disjoint ranges) into Dispatch's `@Sendable` closure.
    private struct UncheckedSendableBox<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
