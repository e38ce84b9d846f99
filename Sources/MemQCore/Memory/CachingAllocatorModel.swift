/// A model of PyTorch's CUDA caching allocator (c10/cuda/CUDACachingAllocator.cpp), for reserved memory.
///
/// Requests of at most 1 MiB come from a small pool of 2 MiB segments; larger ones from a large pool whose
/// segments are 20 MiB for requests up to 10 MiB and the request rounded up to 2 MiB otherwise. Freed blocks
/// stay cached in their segment (merged with free neighbours) and are reused best-fit; segments are never
/// returned (no `empty_cache`). Blocks larger than 1 MiB are split only when the remainder exceeds 1 MiB in the
/// large pool (`kMinLargeAlloc`-style rule simplified to: always split in the small pool, split in the large pool
/// when the remainder is over 1 MiB).
struct CachingAllocatorModel {
    private struct Block { var segment: Int; var pool: Int; var offset: Int; var size: Int }
    private var blocks: [Block] = []
    /// Free block indices per pool (0 small, 1 large).
    private var freeBlocks: [[Int]] = [[], []]
    /// Block index per storage id (-1: none), grown as ids arrive.
    private var blockOf: [Int] = []
    private(set) var reserved = 0
    private var segments = 0
    /// Base address of each segment (index = segment number - 1), as if the device handed them out in order at
    /// 2 MiB-aligned addresses from `baseAddress`.
    private(set) var segmentBase: [Int] = []
    private(set) var segmentSize: [Int] = []
    static let baseAddress = 0x7f00_0000_0000

    static let smallSize = 1 << 20
    static let smallSegment = 2 << 20
    static let largeSegment = 20 << 20
    static let roundLarge = 2 << 20

    mutating func allocate(id: Int, bytes: Int) {
        let pool = bytes <= Self.smallSize ? 0 : 1
        var best = -1
        for (k, b) in freeBlocks[pool].enumerated() where blocks[b].size >= bytes {
            if best < 0 || blocks[b].size < blocks[freeBlocks[pool][best]].size { best = k }
        }
        let index: Int
        if best >= 0 {
            index = freeBlocks[pool].remove(at: best)
        } else {
            let segmentSize = pool == 0 ? Self.smallSegment
                : bytes <= 10 << 20 ? Self.largeSegment
                : (bytes + Self.roundLarge - 1) / Self.roundLarge * Self.roundLarge
            segments += 1
            segmentBase.append(reserved + Self.baseAddress)
            self.segmentSize.append(segmentSize)
            reserved += segmentSize
            blocks.append(Block(segment: segments, pool: pool, offset: 0, size: segmentSize))
            index = blocks.count - 1
        }
        let remainder = blocks[index].size - bytes
        if remainder > 0 && (pool == 0 || remainder > Self.smallSize) {
            blocks.append(Block(segment: blocks[index].segment, pool: pool, offset: blocks[index].offset + bytes, size: remainder))
            freeBlocks[pool].append(blocks.count - 1)
            blocks[index].size = bytes
        }
        if id >= blockOf.count { blockOf.append(contentsOf: repeatElement(-1, count: id - blockOf.count + 1)) }
        blockOf[id] = index
    }

    /// The device address of storage `id`'s block.
    func address(of id: Int) -> Int {
        guard id < blockOf.count, blockOf[id] >= 0 else { return 0 }
        let b = blocks[blockOf[id]]
        return segmentBase[b.segment - 1] + b.offset
    }

    /// Every segment's blocks at this moment: (address, size, the storage allocated there or nil when free).
    func segmentBlocks() -> [[(address: Int, size: Int, storage: Int?)]] {
        var owner: [Int: Int] = [:]
        for (id, b) in blockOf.enumerated() where b >= 0 { owner[b] = id }
        var free = Set<Int>()
        for pool in freeBlocks { free.formUnion(pool) }
        var out = [[(address: Int, size: Int, storage: Int?)]](repeating: [], count: segments)
        for (i, b) in blocks.enumerated() where owner[i] != nil || free.contains(i) {
            out[b.segment - 1].append((segmentBase[b.segment - 1] + b.offset, b.size, owner[i]))
        }
        return out.map { $0.sorted { $0.address < $1.address } }
    }

    mutating func free(id: Int) {
        guard id < blockOf.count, blockOf[id] >= 0 else { return }
        let index = blockOf[id]
        blockOf[id] = -1
        let pool = blocks[index].pool
        let segment = blocks[index].segment
        for k in freeBlocks[pool].indices.reversed() {
            let other = freeBlocks[pool][k]
            guard blocks[other].segment == segment else { continue }
            if blocks[other].offset + blocks[other].size == blocks[index].offset {
                blocks[index].offset = blocks[other].offset
                blocks[index].size += blocks[other].size
                freeBlocks[pool].remove(at: k)
            } else if blocks[index].offset + blocks[index].size == blocks[other].offset {
                blocks[index].size += blocks[other].size
                freeBlocks[pool].remove(at: k)
            }
        }
        freeBlocks[pool].append(index)
    }
}
