// The backward pass: PyTorch's engine order, each op's gradient kernel, gradients summed out of place.
import MemQCore

extension GraphExecutor {
    /// Runs the recorded backward functions from the loss, largest sequence number first once all of a function's
    /// consumers have sent their gradient; leaves the parameters' gradients in `gradients`.
    ///
    /// Each function allocates its input gradients, then drops its incoming gradient and its saved tensors; a
    /// gradient reaching a function that already holds one is summed into a new tensor and both are dropped
    /// (torch/csrc/autograd/input_buffer.cpp).
    package func backward() {
        guard lossFunction >= 0 else { return }
        var stack = [lossFunction]
        var seen: Set<Int> = [lossFunction]
        while let n = stack.popLast() {
            for e in functions[n].edges where e >= 0 {
                functions[e].dependencies += 1
                if seen.insert(e).inserted { stack.append(e) }
            }
        }
        var queue = ReadyQueue()
        queue.push(seq: functions[lossFunction].sequence, fn: lossFunction)
        while let n = queue.pop() {
            let function = functions[n]
            var outputs = runBackward(function)
            function.release()
            opFinished?(function.isLoss ? lossNode : function.node, .backward)
            for (k, target) in function.edges.enumerated() where k < outputs.count {
                guard let gradient = outputs[k] else { continue }
                outputs[k] = nil
                guard target >= 0 else { continue }
                let receiver = functions[target]
                if let existing = receiver.buffer {
                    receiver.buffer = nil
                    receiver.buffer = addForward(existing, gradient, category: .temporary)
                } else {
                    receiver.buffer = gradient
                }
                receiver.dependencies -= 1
                if receiver.dependencies == 0 { queue.push(seq: receiver.sequence, fn: target) }
            }
        }
        discardGraph()
    }

    /// Adds a parameter's gradient (kept, or summed when the parameter already has one).
    func accumulate(node: Int, tensor k: Int, _ gradient: Tensor<T>?) {
        guard let gradient, analysis.layers[node].trainable else { return }
        if let existing = gradients[node][k] {
            gradients[node][k] = nil
            gradients[node][k] = addForward(existing, gradient, category: .gradients)
        } else {
            gradients[node][k] = gradient
        }
    }

    /// One backward function: consumes its incoming gradient and returns one gradient per input of its node.
    ///
    /// `afterEachOp` runs when the kernel has returned but before the incoming gradient is dropped: the moment the
    /// native profile samples (the node's gradients, its incoming gradient and its saved tensors all live).
    func runBackward(_ function: GraphGradFn<T>) -> [Tensor<T>?] {
        if function.isLoss {
            let gradient = softmaxCrossEntropyBackward(probabilities: function.saved[0], labels: labels, category: .temporary)
            let shape = [batch] + analysis.layers[function.node].outputShape.dims
            afterEachOp?()
            return [gradient.shape == shape ? gradient : gradient.reshaped(shape)]
        }
        guard let g = function.buffer else { return [] }
        function.buffer = nil
        let outputs = runKernel(function, g)
        afterEachOp?()
        withExtendedLifetime(g) {}
        return outputs
    }

    /// The gradient kernel of a node: `g` is the gradient of its output.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    func runKernel(_ function: GraphGradFn<T>, _ g: Tensor<T>) -> [Tensor<T>?] {
        let i = function.node
        let layer = analysis.layers[i]
        let ins = layer.inputs
        let needs = function.edges.map { $0 >= 0 }
        let needIn = needs.first ?? false
        func inputShape(_ k: Int) -> [Int] { [batch] + analysis.layers[ins[k]].outputShape.dims }
        let p = parameters[i]
        let saved = function.saved

        switch layer.op {
        case .conv2d(let c):
            let r = conv2dBackward(gradOutput: g, input: saved[0], weight: p[0], hasBias: c.bias, options: convOptions[i]!,
                                   computeGradInput: needIn, gradInputCategory: .temporary)
            accumulate(node: i, tensor: 0, r.gradWeight)
            if c.bias { accumulate(node: i, tensor: 1, r.gradBias) }
            return [r.gradInput]

        case .linear(let l):
            let r = linearBackward(gradOutput: g, input: saved[0], weight: p[0], hasBias: l.bias, computeGradInput: needIn,
                                   gradInputCategory: .temporary)
            accumulate(node: i, tensor: 0, r.gradWeight)
            if l.bias { accumulate(node: i, tensor: 1, r.gradBias) }
            return [r.gradInput]

        case .batchNorm(let b):
            let r = batchNormBackward(gradOutput: g, input: saved[0], weight: b.affine ? p[0] : nil, saveMean: saved[1],
                                      saveInvstd: saved[2], hasAffine: b.affine, computeGradInput: needIn,
                                      gradInputCategory: .temporary)
            if b.affine {
                accumulate(node: i, tensor: 0, r.gradWeight)
                accumulate(node: i, tensor: 1, r.gradBias)
            }
            return [r.gradInput]

        case .activation(let a):
            return [activationBackward(gradOutput: g, saved: saved[0], Self.engineActivation(a), category: .temporary)]

        case .softmax:
            return [softmaxBackward(gradOutput: g, output: saved[0], category: .temporary)]

        case .maxPool2d:
            return [maxPool2dBackward(gradOutput: g, indices: function.indices!, inputShape: inputShape(0), category: .temporary)]

        case .avgPool2d:
            return [avgPool2dBackward(gradOutput: g, inputShape: inputShape(0), options: poolOptions[i]!, category: .temporary)]

        case .adaptiveAvgPool2d(let size):
            let (h, w) = size.count == 1 ? (size[0], size[0]) : (size[0], size[1])
            let shape = inputShape(0)
            return [adaptiveAvgPool2dBackward(gradOutput: g.reshaped([shape[0], shape[1], h, w]), inputShape: shape,
                                              category: .temporary)]

        case .mean:
            let shape = inputShape(0)
            return [adaptiveAvgPool2dBackward(gradOutput: g.reshaped([shape[0], shape[1], 1, 1]), inputShape: shape,
                                              category: .temporary)]

        case .flatten, .reshape:
            return [g.reshaped(inputShape(0))]

        case .add:
            let r = addBackward(gradOutput: g, aShape: inputShape(0), bShape: inputShape(1), category: .temporary)
            return [needs[0] ? r.gradA : nil, needs[1] ? r.gradB : nil]

        case .mul:
            let a = saved[0], b = saved.count > 1 ? saved[1] : saved[0]
            let r = mulBackward(gradOutput: g, a: a, b: b, computeGradA: needs[0], computeGradB: needs[1], category: .temporary)
            return [r.gradA, r.gradB]

        case .concat:
            // Each input's gradient is a copy of its channels of the incoming gradient.
            var offset = 0
            var result: [Tensor<T>?] = []
            for (k, v) in ins.enumerated() {
                let channels = analysis.layers[v].outputShape.dims[0]
                result.append(needs[k] ? narrowChannels(g, offset: offset, size: channels, category: .temporary) : nil)
                offset += channels
            }
            return result

        case .split(let s):
            let shape = inputShape(0)
            let piece = Self.splitPiece(s, channels: shape[1])
            return [narrowChannelsBackward(gradOutput: g, inputShape: shape, offset: piece.offset)]

        case .channelShuffle(let groups):
            return [channelShuffleBackward(gradOutput: g, groups: groups, category: .temporary)]

        case .dropout(let rate, _):
            return [dropoutBackward(gradOutput: g, mask: function.mask!, p: rate, category: .temporary)]

        case .stochasticDepth:
            return [scaleRows(g, by: saved[0], category: .temporary)]

        default:
            return []
        }
    }
}
