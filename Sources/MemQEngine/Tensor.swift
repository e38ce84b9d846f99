// A dense, row-major tensor that owns an allocator-tracked buffer.

/// A dense row-major tensor (NCHW for images) whose buffer comes from an `EngineAllocator` and is freed in `deinit`.
///
/// Because the buffer is released when the last reference goes away, ARC's release after the last use is the free;
/// a kernel's temporaries are therefore gone the moment the kernel returns. A view (`reshaped`) shares its base's
/// buffer, allocates nothing and keeps the base alive. `Element` is `Float`/`Double` for data, `Int32` for labels
/// and max-pool indices, `UInt8` for dropout masks. Not synchronised: kernels write disjoint ranges from
/// several threads, callers must not race on the same elements.
package final class Tensor<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Dimensions, outermost first.
    package let shape: [Int]
    /// Number of elements (product of `shape`; 1 for a scalar `[]`).
    package let count: Int
    /// First element; valid for `count` elements while this tensor is alive.
    package let pointer: UnsafeMutablePointer<Element>
    /// The category the buffer is charged to (a view reports its base's).
    package let category: MemoryCategory
    /// The allocator that owns the buffer.
    package let allocator: EngineAllocator
    /// The tensor owning the buffer, when this is a view; `nil` when this tensor owns it.
    private let base: Tensor<Element>?

    /// Allocates a zero-filled tensor of `shape`, charged to `category`.
    package init(shape: [Int], category: MemoryCategory, allocator: EngineAllocator = .shared) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.category = category
        self.allocator = allocator
        self.base = nil
        let raw = allocator.allocate(byteCount: count * MemoryLayout<Element>.stride, category: category)
        self.pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    /// Allocates a tensor of `shape` holding `values` (row-major), charged to `category`.
    package convenience init(shape: [Int], values: [Element], category: MemoryCategory,
                             allocator: EngineAllocator = .shared) {
        self.init(shape: shape, category: category, allocator: allocator)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    /// A view of `base`'s buffer with another shape of the same element count.
    private init(viewOf owner: Tensor<Element>, shape: [Int]) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        precondition(count == owner.count, "cannot view \(owner.shape) as \(shape)")
        self.category = owner.category
        self.allocator = owner.allocator
        self.pointer = owner.pointer
        self.base = owner.base ?? owner
    }

    deinit {
        if base == nil {
            allocator.deallocate(UnsafeMutableRawPointer(pointer),
                                 byteCount: count * MemoryLayout<Element>.stride, category: category)
        }
    }

    /// Bytes of this tensor's elements (what the allocator charged, unless this is a view).
    package var byteCount: Int { count * MemoryLayout<Element>.stride }

    /// Whether this tensor shares another tensor's buffer instead of owning one.
    package var isView: Bool { base != nil }

    /// Number of dimensions.
    package var rank: Int { shape.count }

    /// The same buffer with another shape of equal element count; no allocation, no copy.
    package func reshaped(_ newShape: [Int]) -> Tensor<Element> {
        Tensor(viewOf: self, shape: newShape)
    }

    /// Element at a flat (row-major) index.
    package subscript(index: Int) -> Element {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// The elements as a Swift array (a copy, for tests and inspection).
    package func toArray() -> [Element] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// A new tensor with the same shape and elements, charged to `category` (default: this tensor's).
    package func copy(category newCategory: MemoryCategory? = nil) -> Tensor<Element> {
        let result = Tensor(shape: shape, category: newCategory ?? category, allocator: allocator)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    /// Sets every element to `value`.
    package func fill(_ value: Element) {
        pointer.update(repeating: value, count: count)
    }

    /// A new zero-filled tensor from the same allocator.
    package func sibling(shape: [Int], category: MemoryCategory) -> Tensor<Element> {
        Tensor(shape: shape, category: category, allocator: allocator)
    }
}
