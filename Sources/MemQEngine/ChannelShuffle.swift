// Channel shuffle (ShuffleNet; torch.nn.ChannelShuffle), forward and backward.

/// Channel shuffle: view channels as (groups, C / groups), transpose to (C / groups, groups), flatten.
///
/// input (N, C, *) with C % groups == 0 -> output (N, C, *), `out[:, j * groups + i] = in[:, i * (C/groups) + j]`
/// (aten/src/ATen/native/ChannelShuffle.cpp). A copy, parallel over (n, c) planes. Backward needs: nothing.
@_specialize(where Element == Float)
package func channelShuffleForward<Element: BitwiseCopyable>(
    _ input: Tensor<Element>, groups: Int, category: MemoryCategory = .activations
) -> Tensor<Element> {
    precondition(input.rank >= 2, "channel shuffle input must be (N, C, *), got \(input.shape)")
    let n = input.shape[0], c = input.shape[1]
    precondition(groups > 0 && c % groups == 0, "channels \(c) not divisible by groups \(groups)")
    let perGroup = c / groups
    let inner = input.count / max(n * c, 1)
    let output = input.sibling(shape: input.shape, category: category)
    let source = input.pointer, destination = output.pointer
    Parallel.forEach(n * c, costPerItem: inner) { nc in
        let sample = nc / c, outChannel = nc % c
        let j = outChannel / groups, i = outChannel % groups
        let inChannel = i * perGroup + j
        (destination + nc * inner).update(from: source + (sample * c + inChannel) * inner, count: inner)
    }
    return output
}

/// Channel shuffle backward: the inverse permutation, which is a shuffle with C / groups groups.
///
/// gradOutput (N, C, *) -> gradInput (N, C, *).
@_specialize(where Element == Float)
package func channelShuffleBackward<Element: BitwiseCopyable>(
    gradOutput: Tensor<Element>, groups: Int, category: MemoryCategory = .gradients
) -> Tensor<Element> {
    channelShuffleForward(gradOutput, groups: gradOutput.shape[1] / groups, category: category)
}
