/// Overflow-checked arithmetic that names the node and field when a figure exceeds 64 bits.
struct Checked {
    let node: String
    let field: String

    func mul(_ values: Int...) throws(ModelError) -> Int { try product(values) }

    func product(_ values: [Int]) throws(ModelError) -> Int {
        var total = 1
        for v in values {
            let (p, o) = total.multipliedReportingOverflow(by: v)
            if o { throw .sizeOverflow(node: node, field: field) }
            total = p
        }
        return total
    }

    func add(_ values: Int...) throws(ModelError) -> Int {
        var total = 0
        for v in values {
            let (s, o) = total.addingReportingOverflow(v)
            if o { throw .sizeOverflow(node: node, field: field) }
            total = s
        }
        return total
    }
}
