/// The autograd engine's ready queue: a binary max-heap on the sequence number, first pushed first among equals
/// (torch/csrc/autograd/engine.cpp, `ReadyQueue` with `CompareNodeTaskTime` on `sequence_nr`). The simulator and
/// the native engine's executor both run their backward passes from it, so they visit nodes in the same order;
/// the graph's topological sort uses it too (with negated indices: smallest index first).
package struct ReadyQueue: Sendable {
    private var items: [(seq: Int, order: Int, fn: Int)] = []
    private var counter = 0

    package init() {}

    package var isEmpty: Bool { items.isEmpty }

    private func before(_ a: (seq: Int, order: Int, fn: Int), _ b: (seq: Int, order: Int, fn: Int)) -> Bool {
        a.seq != b.seq ? a.seq > b.seq : a.order < b.order
    }

    /// Adds `fn`, created `seq`-th.
    package mutating func push(seq: Int, fn: Int) {
        counter += 1
        items.append((seq, counter, fn))
        var i = items.count - 1
        while i > 0, before(items[i], items[(i - 1) / 2]) { items.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
    }

    /// Removes and returns the entry to run next, or nil when none is ready.
    package mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, before(items[l], items[m]) { m = l }
                if r < items.count, before(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top.fn
    }
}
