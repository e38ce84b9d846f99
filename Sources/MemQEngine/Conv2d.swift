// 2-D convolution (PyTorch `nn.Conv2d`): im2col + GEMM per sample and group, forward and backward.

/// Convolution forward: `out[n, k] = bias[k] + sum_c weight[k, c] (*) input[n, g*C/g + c]` (cross-correlation).
///
/// input (N, C, H, W), weight (K, C/g, Kh, Kw), bias (K)? -> output (N, K, P, Q)
/// with P = (H + 2*ph - dh*(Kh-1) - 1) / sh + 1 and Q likewise (aten/src/ATen/native/ConvUtils.h).
///
/// Method: for each sample n and group g, im2col the group's C/g channels into a workspace
/// (C/g*Kh*Kw, P*Q) and GEMM `W_g (K/g, C/g*Kh*Kw) x cols -> out[n, g] (K/g, P*Q)` (`cblas_sgemm`/`dgemm`, split
/// over the cores by `EngineBLAS`). Workspace: one temporary tensor of C/g*Kh*Kw*P*Q elements, allocated once per
/// call, reused for every (n, g), freed before returning. Pointwise convs (1x1, stride 1, padding 0) GEMM straight on the
/// input (no workspace); depthwise convs (groups == C > 1) use a direct loop parallel over (n, k) (no workspace).
/// Backward needs: `input` and `weight` (not the output).
@_specialize(where T == Float)
package func conv2dForward<T: EngineScalar>(
    input: Tensor<T>, weight: Tensor<T>, bias: Tensor<T>?, options: Conv2dOptions = Conv2dOptions(),
    category: MemoryCategory = .activations
) -> Tensor<T> {
    let g = Conv2dGeometry(inputShape: input.shape, weightShape: weight.shape, options: options)
    if let bias { precondition(bias.count == g.k, "conv2d bias has \(bias.count) elements for \(g.k) channels") }
    let output = input.sibling(shape: g.outputShape, category: category)
    if g.isDepthwise {
        depthwiseConv2dForward(input: input.pointer, weight: weight.pointer, bias: bias?.pointer,
                               output: output.pointer, geometry: g)
        return output
    }
    let plane = g.p * g.q
    let rows = g.columnRows
    let workspace: Tensor<T>? = g.isPointwise ? nil : input.sibling(shape: [g.workspaceElements], category: .temporary)
    withExtendedLifetime(workspace) {
        for n in 0..<g.n {
            for group in 0..<g.groups {
                let image = input.pointer + (n * g.c + group * g.cg) * g.h * g.w
                let columns: UnsafePointer<T>
                if let workspace {
                    im2col(image, into: workspace.pointer, geometry: g)
                    columns = UnsafePointer(workspace.pointer)
                } else {
                    columns = UnsafePointer(image)
                }
                // out[n, g] (K/g, P*Q) = W_g (K/g, C/g*Kh*Kw) x columns (C/g*Kh*Kw, P*Q)
                gemm(m: g.kg, n: plane, k: rows,
                     a: weight.pointer + group * g.kg * rows, lda: rows,
                     b: columns, ldb: plane,
                     c: output.pointer + (n * g.k + group * g.kg) * plane, ldc: plane)
            }
        }
    }
    if let bias {
        let out = output.pointer, b = bias.pointer, k = g.k
        Parallel.forEach(g.n * g.k, costPerItem: plane) { nk in
            let value = b[nk % k]
            let row = out + nk * plane
            for i in 0..<plane { row[i] += value }
        }
    }
    return output
}

/// Convolution backward: gradients of the input, the weight and the bias.
///
/// gradOutput (N, K, P, Q), input (N, C, H, W), weight (K, C/g, Kh, Kw)
/// -> gradInput (N, C, H, W)? (only when `computeGradInput`), gradWeight (K, C/g, Kh, Kw), gradBias (K)? (when `hasBias`)
///
/// Per sample n and group g, with `cols = im2col(input[n, g])`:
///   gradWeight_g += gradOut[n, g] (K/g, P*Q) x cols^T (P*Q, C/g*Kh*Kw)
///   gradCols      = W_g^T (C/g*Kh*Kw, K/g) x gradOut[n, g] (K/g, P*Q);  gradInput[n, g] = col2im(gradCols)
///   gradBias[k]   = sum over n, p, q of gradOut[n, k, p, q]
/// Workspace: the same single temporary of C/g*Kh*Kw*P*Q elements as forward (holds `cols`, then `gradCols`);
/// none for pointwise and depthwise convolutions. Gradients are charged to `gradInputCategory` and
/// `parameterGradientCategory`.
@_specialize(where T == Float)
package func conv2dBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, input: Tensor<T>, weight: Tensor<T>, hasBias: Bool,
    options: Conv2dOptions = Conv2dOptions(), computeGradInput: Bool = true,
    gradInputCategory: MemoryCategory = .gradients, parameterGradientCategory: MemoryCategory = .gradients
) -> (gradInput: Tensor<T>?, gradWeight: Tensor<T>, gradBias: Tensor<T>?) {
    let g = Conv2dGeometry(inputShape: input.shape, weightShape: weight.shape, options: options)
    precondition(gradOutput.shape == g.outputShape, "conv2d gradOutput \(gradOutput.shape) != \(g.outputShape)")
    let gradWeight = input.sibling(shape: weight.shape, category: parameterGradientCategory)
    let gradBias: Tensor<T>? = hasBias ? input.sibling(shape: [g.k], category: parameterGradientCategory) : nil
    let gradInput: Tensor<T>? = computeGradInput ? input.sibling(shape: input.shape, category: gradInputCategory) : nil
    let plane = g.p * g.q
    if let gradBias {
        let dy = gradOutput.pointer, db = gradBias.pointer
        Parallel.forEach(g.k, costPerItem: g.n * plane) { k in
            var sum: T = 0
            for n in 0..<g.n {
                let row = dy + (n * g.k + k) * plane
                for i in 0..<plane { sum += row[i] }
            }
            db[k] = sum
        }
    }
    if g.isDepthwise {
        depthwiseConv2dBackward(gradOutput: gradOutput.pointer, input: input.pointer, weight: weight.pointer,
                                gradInput: gradInput?.pointer, gradWeight: gradWeight.pointer, geometry: g)
        return (gradInput, gradWeight, gradBias)
    }
    let rows = g.columnRows
    let workspace: Tensor<T>? = g.isPointwise ? nil : input.sibling(shape: [g.workspaceElements], category: .temporary)
    withExtendedLifetime(workspace) {
        for n in 0..<g.n {
            for group in 0..<g.groups {
                let imageOffset = (n * g.c + group * g.cg) * g.h * g.w
                let dy = gradOutput.pointer + (n * g.k + group * g.kg) * plane
                let weightGroup = weight.pointer + group * g.kg * rows
                let columns: UnsafePointer<T>
                if let workspace {
                    im2col(input.pointer + imageOffset, into: workspace.pointer, geometry: g)
                    columns = UnsafePointer(workspace.pointer)
                } else {
                    columns = UnsafePointer(input.pointer + imageOffset)
                }
                // gradWeight_g (K/g, C/g*Kh*Kw) += dy (K/g, P*Q) x columns^T
                gemm(transposeB: true, m: g.kg, n: rows, k: plane,
                     a: dy, lda: plane, b: columns, ldb: plane,
                     beta: 1, c: gradWeight.pointer + group * g.kg * rows, ldc: rows)
                guard let gradInput else { continue }
                // gradCols (C/g*Kh*Kw, P*Q) = W_g^T x dy; pointwise writes straight into gradInput.
                let target = workspace?.pointer ?? (gradInput.pointer + imageOffset)
                gemm(transposeA: true, m: rows, n: plane, k: g.kg,
                     a: weightGroup, lda: rows, b: dy, ldb: plane,
                     beta: 0, c: target, ldc: plane)
                if let workspace {
                    col2im(workspace.pointer, into: gradInput.pointer + imageOffset, geometry: g)
                }
            }
        }
    }
    return (gradInput, gradWeight, gradBias)
}
