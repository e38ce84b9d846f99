/// The loss after the forward pass: `cross_entropy(logits.float(), y)` for classifiers (with any auxiliary heads),
/// the native engine's fused softmax cross-entropy, and transformers' language-model losses (StepSimulator+Transformer).
extension StepSimulator {
    /// The tensor the loss reads: the input of a final cross-entropy node, else the graph's output.
    var lossLogits: Int {
        let out = analysis.outputIndex
        if case .crossEntropy = analysis.layers[out].op { return analysis.layers[out].inputs[0] }
        if case .lmLoss = analysis.layers[out].op { return analysis.layers[out].inputs[0] }
        return out
    }

    func isGraphInput(_ v: Int) -> Bool {
        if case .input = analysis.layers[v].op { true } else { false }
    }

    /// `cross_entropy(logits.float(), y)`: the fp32 copy for half precision, log_softmax (saved), nll_loss.
    mutating func loss(oldLoss: Int) -> (root: Int, grad: Int, held: [Int]) {
        if case .lmLoss(let l) = analysis.layers[analysis.outputIndex].op, config.runtime != .native {
            return languageModelLoss(l, oldLoss: oldLoss)
        }
        if config.runtime == .native {
            // The native engine's fused softmax cross-entropy keeps the probabilities (N, K) for its backward and a
            // per-row loss (N) while it runs; the loss is a Swift scalar, the backward's root needs no gradient
            // tensor, and the backward allocates only the logits' gradient.
            let logits = lossLogits
            ledger.node = analysis.outputIndex
            let elements = analysis.layers[logits].outputElements
            let rows = elements / max(1, analysis.layers[logits].outputShape.dims.last ?? 1)
            let probabilities = ledger.alloc(batchBytes(elements, act), .activations)
            let rowLoss = ledger.alloc(batchBytes(rows, act), .temporary)
            ledger.sample("softmax_cross_entropy")
            ledger.release(rowLoss)
            var plan = BackwardPlan()
            plan.op("softmax_cross_entropy_backward", batchBytes(elements, act))
            plan.outputs = [.alloc(0)]
            let fn = newFn(saved: [probabilities], edges: [edge(logits)], plan: plan)
            nodeOfFn[fn] = analysis.outputIndex
            ledger.release(probabilities)
            ledger.release(storage[logits])
            return (fn, -1, [])
        }
        let logits = lossLogits
        ledger.node = analysis.outputIndex
        let classesTimesRows = analysis.layers[logits].outputElements
        let lb = lossType.byteSize
        let (fEdge, copy) = floatCopy(of: logits)
        var (nllFn, lossValue) = logSoftmaxNLL(edge: fEdge, bytes: batchBytes(classesTimesRows, lossType), scalarBytes: lb)
        ledger.release(copy)
        ledger.release(storage[logits])
        for head in auxiliaryLossHeads { (nllFn, lossValue) = addAuxiliaryLoss(head, to: (nllFn, lossValue)) }
        ledger.release(oldLoss)
        let ones = ledger.alloc(lb, .activations)
        ledger.sample("ones_like")
        return (nllFn, ones, [lossValue])
    }

    /// `logits.float()` for half precision (a copy, its backward casting the gradient back), else the logits
    /// themselves: the grad_fn edge the loss starts from and the copy's storage (-1 without one).
    mutating func floatCopy(of logits: Int) -> (edge: Int, copy: Int) {
        guard act != lossType else { return (edge(logits), -1) }
        let elements = analysis.layers[logits].outputElements
        var plan = BackwardPlan()
        plan.op("_to_copy (backward)", batchBytes(elements, act))
        plan.outputs = [.alloc(0)]
        let copy = ledger.alloc(batchBytes(elements, lossType), .activations)
        ledger.sample("_to_copy (.float())")
        let copyFn = newFn(saved: [], edges: [edge(logits)], plan: plan)
        nodeOfFn[copyFn] = logits
        return (copyFn, copy)
    }

    /// The graph's auxiliary heads (index of the logits node, weight).
    var auxiliaryLossHeads: [(index: Int, weight: Double)] {
        analysis.graph.auxiliaryLosses.compactMap { a in analysis.layers.firstIndex { $0.name == a.node }.map { ($0, a.weight) } }
    }

    /// `loss + weight * cross_entropy(aux.float(), y)` (torchvision's reference script for Inception v3:
    /// `loss1 + 0.4 * loss2`): the head's own cast, log_softmax and nll_loss; `mul` by the weight (its backward
    /// scales a scalar gradient) and `add` (its backward hands the incoming gradient to both).
    mutating func addAuxiliaryLoss(_ head: (index: Int, weight: Double), to main: (fn: Int, loss: Int)) -> (fn: Int, loss: Int) {
        let lb = lossType.byteSize
        let elements = analysis.layers[head.index].outputElements
        let (fEdge, copy) = floatCopy(of: head.index)
        let (auxFn, auxLoss) = logSoftmaxNLL(edge: fEdge, bytes: batchBytes(elements, lossType), scalarBytes: lb)
        nodeOfFn[auxFn] = head.index
        ledger.release(copy)
        ledger.release(storage[head.index])
        var mulPlan = BackwardPlan()
        mulPlan.op("mul (aux loss weight backward)", lb)
        mulPlan.outputs = [.alloc(0)]
        let weighted = ledger.alloc(lb, .activations)
        ledger.sample("mul (aux loss weight)")
        let mulFn = newFn(saved: [], edges: [auxFn], plan: mulPlan)
        ledger.release(auxLoss)
        var addPlan = BackwardPlan()
        addPlan.outputs = [.incoming, .incoming]
        let sum = ledger.alloc(lb, .activations)
        ledger.sample("add (loss + aux loss)")
        let addFn = newFn(saved: [], edges: [main.fn, mulFn], plan: addPlan)
        nodeOfFn[mulFn] = analysis.outputIndex
        nodeOfFn[addFn] = analysis.outputIndex
        ledger.release(weighted)
        ledger.release(main.loss)
        return (addFn, sum)
    }

    /// `log_softmax` (its result saved) and `nll_loss` (the loss and `total_weight`, saved) over `bytes` of
    /// logits reached through `edge`; returns the loss's grad_fn and the loss storage.
    mutating func logSoftmaxNLL(edge: Int, bytes: Int, scalarBytes lb: Int) -> (fn: Int, loss: Int) {
        var lsPlan = BackwardPlan()
        lsPlan.op("_log_softmax_backward_data", bytes)
        lsPlan.outputs = [.alloc(0)]
        let ls = ledger.alloc(bytes, .activations)
        ledger.sample("_log_softmax")
        let lsFn = newFn(saved: [ls], edges: [edge], plan: lsPlan)
        var nllPlan = BackwardPlan()
        nllPlan.op("nll_loss_backward", bytes)
        nllPlan.outputs = [.alloc(0)]
        let lossValue = ledger.alloc(lb, .activations)
        let totalWeight = ledger.alloc(lb, .activations)
        ledger.sample("nll_loss_forward")
        let nllFn = newFn(saved: [ls, totalWeight], edges: [lsFn], plan: nllPlan)
        nodeOfFn[lsFn] = analysis.outputIndex
        nodeOfFn[nllFn] = analysis.outputIndex
        ledger.release(ls)
        ledger.release(totalWeight)
        return (nllFn, lossValue)
    }
}
