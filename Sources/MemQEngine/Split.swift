// Splitting along the channel dimension (torch.split / torch.chunk with dim=1), forward and backward.

/// Splits a tensor along dimension 1 (channels) into pieces of the given sizes (copies, not views).
///
/// input (N, C, *) -> outputs [(N, sizes[i], *)] with sum(sizes) == C. Parallel over (n, piece).
/// Backward needs: nothing but the sizes.
@_specialize(where Element == Float)
package func splitChannels<Element: BitwiseCopyable>(
    _ input: Tensor<Element>, sizes: [Int], category: MemoryCategory = .activations
) -> [Tensor<Element>] {
    precondition(input.rank >= 2, "split input must be (N, C, *), got \(input.shape)")
    let n = input.shape[0], c = input.shape[1]
    precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == c, "split sizes \(sizes) do not sum to \(c)")
    let trailing = Array(input.shape.dropFirst(2))
    let inner = trailing.reduce(1, *)
    let outputs = sizes.map { input.sibling(shape: [n, $0] + trailing, category: category) }
    var offsets: [Int] = []
    var running = 0
    for size in sizes { offsets.append(running); running += size }
    let destinations = outputs.map { $0.pointer }
    let source = input.pointer
    Parallel.forEach(n * sizes.count, costPerItem: c * inner / max(sizes.count, 1)) { job in
        let sample = job / sizes.count, index = job % sizes.count
        let length = sizes[index] * inner
        (destinations[index] + sample * length).update(from: source + (sample * c + offsets[index]) * inner, count: length)
    }
    return outputs
}

/// `torch.chunk(input, chunks, dim=1)`: pieces of ceil(C / chunks) channels, the last one possibly smaller.
///
/// input (N, C, *) -> outputs [(N, ceil(C / chunks) or the remainder, *)] (copies).
@_specialize(where Element == Float)
package func chunkChannels<Element: BitwiseCopyable>(
    _ input: Tensor<Element>, chunks: Int, category: MemoryCategory = .activations
) -> [Tensor<Element>] {
    precondition(chunks > 0, "chunk count must be positive")
    let c = input.shape[1]
    let size = (c + chunks - 1) / chunks
    var sizes: [Int] = []
    var remaining = c
    while remaining > 0 { sizes.append(min(size, remaining)); remaining -= size }
    if sizes.isEmpty { sizes = [0] }
    return splitChannels(input, sizes: sizes, category: category)
}

/// Split backward: concatenates the pieces' gradients; a missing (`nil`) gradient counts as zeros.
///
/// gradOutputs [(N, sizes[i], *)?] -> gradInput (N, C, *). Needs one non-nil gradient for N and the trailing dims;
/// each nil piece is materialised as a zero `temporary` of that piece's size for the duration of the call.
@_specialize(where Element == Float)
package func splitChannelsBackward<Element: BitwiseCopyable>(
    gradOutputs: [Tensor<Element>?], sizes: [Int], category: MemoryCategory = .gradients
) -> Tensor<Element> {
    precondition(gradOutputs.count == sizes.count, "split backward: \(gradOutputs.count) gradients for \(sizes.count) pieces")
    guard let template = gradOutputs.compactMap({ $0 }).first else {
        preconditionFailure("split backward needs at least one gradient")
    }
    let trailing = Array(template.shape.dropFirst(2))
    let pieces = zip(gradOutputs, sizes).map { gradient, size in
        gradient ?? template.sibling(shape: [template.shape[0], size] + trailing, category: .temporary)
    }
    return concatChannels(pieces, category: category)
}
