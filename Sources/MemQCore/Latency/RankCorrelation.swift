/// Spearman's rank correlation, for comparing estimated and measured per-layer times.
public enum RankCorrelation {
    /// Spearman's rho: Pearson's correlation of the ranks (ties share their mean rank).
    public static func spearman(_ pairs: [(Double, Double)]) -> Double? {
        guard pairs.count >= 3 else { return nil }
        func ranks(_ v: [Double]) -> [Double] {
            let order = v.indices.sorted { v[$0] < v[$1] }
            var r = [Double](repeating: 0, count: v.count)
            var i = 0
            while i < order.count {
                var j = i
                while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
                for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
                i = j + 1
            }
            return r
        }
        let a = ranks(pairs.map(\.0)), b = ranks(pairs.map(\.1))
        let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var cov = 0.0, va = 0.0, vb = 0.0
        for k in a.indices { cov += (a[k] - ma) * (b[k] - mb); va += (a[k] - ma) * (a[k] - ma); vb += (b[k] - mb) * (b[k] - mb) }
        return va > 0 && vb > 0 ? cov / (va * vb).squareRoot() : nil
    }
}
