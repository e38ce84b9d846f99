// Concatenation along the channel dimension (torch.cat(dim=1)), forward and backward.

/// Concatenates tensors along dimension 1 (channels).
///
/// inputs (N, C_i, *) with equal N and trailing dims -> output (N, sum C_i, *). A copy, parallel over (n, input).
/// Backward needs: only the channel counts C_i.
@_specialize(where Element == Float)
package func concatChannels<Element: BitwiseCopyable>(
    _ inputs: [Tensor<Element>], category: MemoryCategory = .activations
) -> Tensor<Element> {
    precondition(!inputs.isEmpty, "concat of no tensors")
    let first = inputs[0]
    precondition(first.rank >= 2, "concat input must be (N, C, *), got \(first.shape)")
    let n = first.shape[0]
    let trailing = Array(first.shape.dropFirst(2))
    for input in inputs {
        precondition(input.rank == first.rank && input.shape[0] == n && Array(input.shape.dropFirst(2)) == trailing,
                     "concat shapes \(input.shape) and \(first.shape) differ outside dimension 1")
    }
    let channels = inputs.map { $0.shape[1] }
    let total = channels.reduce(0, +)
    let inner = trailing.reduce(1, *)
    let output = first.sibling(shape: [n, total] + trailing, category: category)
    var offsets: [Int] = []
    var running = 0
    for c in channels { offsets.append(running); running += c }
    let sources = inputs.map { $0.pointer }
    let destination = output.pointer
    Parallel.forEach(n * inputs.count, costPerItem: total * inner / inputs.count) { job in
        let sample = job / inputs.count, index = job % inputs.count
        let length = channels[index] * inner
        (destination + (sample * total + offsets[index]) * inner)
            .update(from: sources[index] + sample * length, count: length)
    }
    return output
}

/// Concatenation backward: splits gradOutput back into the inputs' channel counts.
///
/// gradOutput (N, sum C_i, *) -> gradInputs [(N, C_i, *)] (copies). Same as `splitChannels`.
@_specialize(where Element == Float)
package func concatChannelsBackward<Element: BitwiseCopyable>(
    gradOutput: Tensor<Element>, channels: [Int], category: MemoryCategory = .gradients
) -> [Tensor<Element>] {
    splitChannels(gradOutput, sizes: channels, category: category)
}
