// Softmax cross-entropy with integer labels and mean reduction (torch.nn.CrossEntropyLoss), forward and backward.

/// Cross-entropy of softmax(logits) against integer class labels, averaged over the batch.
///
/// logits (N, K), labels (N) Int32 in 0..<K -> loss (a scalar, returned as a value), probabilities (N, K).
///   loss = (1/N) * sum_n (logsumexp(logits[n]) - logits[n, labels[n]])
/// (torch/nn/functional.py cross_entropy with reduction="mean", no weights, no ignore_index, no smoothing.)
/// Parallel over rows. Workspace: one temporary of N elements (per-row losses, summed serially for a fixed order).
/// Backward needs: `probabilities` and `labels` (the logits are not kept).
@_specialize(where T == Float)
package func softmaxCrossEntropyForward<T: EngineScalar>(
    logits: Tensor<T>, labels: Tensor<Int32>, category: MemoryCategory = .activations
) -> (loss: T, probabilities: Tensor<T>) {
    precondition(logits.rank == 2, "cross-entropy logits must be (N, classes), got \(logits.shape)")
    let n = logits.shape[0], k = logits.shape[1]
    precondition(labels.count == n, "cross-entropy: \(labels.count) labels for \(n) rows")
    let probabilities = logits.sibling(shape: logits.shape, category: category)
    let losses = logits.sibling(shape: [n], category: .temporary)
    let x = logits.pointer, y = probabilities.pointer, label = labels.pointer, rowLoss = losses.pointer
    // `losses` is only reached through its pointer below: keep it alive until the sum is done.
    var total: T = 0
    withExtendedLifetime(losses) {
        Parallel.forEach(n, costPerItem: 4 * k) { r in
            let row = x + r * k
            let target = Int(label[r])
            precondition(target >= 0 && target < k, "label \(target) outside 0..<\(k)")
            softmaxRow(row, into: y + r * k, count: k)
            var largest = -T.infinity
            for i in 0..<k { largest = max(largest, row[i]) }
            var sum: T = 0
            for i in 0..<k { sum += T.exp(row[i] - largest) }
            rowLoss[r] = largest + T.log(sum) - row[target]
        }
        for r in 0..<n { total += rowLoss[r] }
    }
    return (n == 0 ? 0 : total / T(n), probabilities)
}

/// Cross-entropy backward: `dLogits = gradLoss * (probabilities - onehot(labels)) / N`.
///
/// probabilities (N, K), labels (N) Int32 -> gradLogits (N, K). Parallel over rows.
@_specialize(where T == Float)
package func softmaxCrossEntropyBackward<T: EngineScalar>(
    probabilities: Tensor<T>, labels: Tensor<Int32>, gradLoss: T = 1, category: MemoryCategory = .gradients
) -> Tensor<T> {
    let n = probabilities.shape[0], k = probabilities.shape[1]
    let gradLogits = probabilities.sibling(shape: probabilities.shape, category: category)
    let scale = gradLoss / T(max(n, 1))
    let y = probabilities.pointer, label = labels.pointer, dx = gradLogits.pointer
    Parallel.forEach(n, costPerItem: k) { r in
        let offset = r * k
        for i in 0..<k { dx[offset + i] = y[offset + i] * scale }
        dx[offset + Int(label[r])] -= scale
    }
    return gradLogits
}
