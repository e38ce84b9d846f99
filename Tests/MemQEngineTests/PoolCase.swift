// The pooling configurations the tests run over.
import Testing
import MemQEngine

/// One pooling configuration under test.
struct PoolCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [Int]
    let options: Pool2dOptions
    var testDescription: String { name }

    static let all: [PoolCase] = [
        PoolCase(name: "k2 s2", input: [2, 2, 4, 6], options: Pool2dOptions(kernel: 2)),
        PoolCase(name: "k3 s2 p1", input: [2, 2, 7, 7], options: Pool2dOptions(kernel: 3, stride: 2, padding: 1)),
        PoolCase(name: "k3 s2 ceil", input: [1, 2, 6, 6], options: Pool2dOptions(kernel: 3, stride: 2, ceilMode: true)),
        PoolCase(name: "k2 s2 p1 ceil (last window dropped)", input: [1, 2, 5, 5],
                 options: Pool2dOptions(kernel: 2, stride: 2, padding: 1, ceilMode: true)),
        PoolCase(name: "k3 s2 p1 ceil", input: [1, 3, 4, 4],
                 options: Pool2dOptions(kernel: 3, stride: 2, padding: 1, ceilMode: true)),
        PoolCase(name: "k(3,2) s(1,2) p(1,0)", input: [2, 1, 5, 6],
                 options: Pool2dOptions(kernel: (3, 2), stride: (1, 2), padding: (1, 0))),
        PoolCase(name: "k3 s2 p1 no pad count", input: [1, 2, 5, 5],
                 options: Pool2dOptions(kernel: 3, stride: 2, padding: 1, countIncludePad: false)),
    ]
}
