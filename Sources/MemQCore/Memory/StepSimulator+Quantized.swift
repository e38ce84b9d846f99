/// A quantized base layer (QLoRA) in the step. Sources under bitsandbytes/ (0.50) and peft/ (0.21); each rule was
/// also measured on CPU with MemTracker (docs/memory-model.md, "QLoRA"):
///
/// - `nn/modules.py` `Linear4bit.forward`: `x.to(compute_dtype)` (a copy when the types differ), `bnb.matmul_4bit`,
///   `.to(inp_dtype)` back; the bias is converted to the compute dtype in place at the first forward.
/// - `autograd/_functions.py` `MatMul4Bit`: the op `gemm_4bit` dequantizes the weight into an `[out, in]` temporary
///   of the compute dtype and runs `linear` (`backends/default/ops.py`; on CUDA `_dequant_linear_fallback` unless
///   the fused kernel is chosen, never above 1536 tokens). MemTracker sees only the op's output, so on CPU the
///   temporary is left out, on CUDA counted. `ctx.tensors = (None, B)`: the input is not saved. Backward
///   (only when the input needs a gradient): `dequantize_4bit` into the load dtype (+ a compute-dtype copy when
///   they differ), then `grad_output @ W`.
/// - `MatMul8bitLt` (CUDA) / `MatMul8bitFp` (CPU training): int8 quantization of the input (CA, SCA), an int32
///   accumulator and an fp16 result on CUDA; on CPU `CB.to(A.dtype) * SCB / 127` then `linear`. The input is kept as
///   a ctx attribute (`ctx.A`), released only with the graph. Backward: `CB` dequantized to the input's type.
/// - peft `lora/bnb.py` `Linear4bit.forward`: `result = result.clone()` before the adapters are added.
extension StepSimulator {
    /// Bytes of each stored tensor of node `i`'s parameters (weight, bias) plus the quantization state.
    func storedParameterBytes(_ i: Int, type: DType) -> [Int] {
        let tensors = paramTensors[i]
        guard case .linear(let l) = analysis.layers[i].op, let q = l.quantization, let weight = tensors.first else {
            return tensors.map { $0 * type.byteSize }
        }
        var bytes = [q.weightBytes(elements: weight)]
        // The bias, converted to the compute type at the first forward (int8: to the input's type).
        if tensors.count > 1 { bytes.append(tensors[1] * (q.kind == .int8 ? act : q.computeDType).byteSize) }
        bytes.append(q.stateBytes(elements: weight, rows: l.outFeatures))
        return bytes
    }

    mutating func forwardQuantizedLinear(_ i: Int, _ l: Linear, _ q: Quantization) {
        let layer = analysis.layers[i], x = layer.inputs[0]
        let xType = analysis.layers[x].outputDType ?? act
        let compute = q.kind == .int8 ? xType : q.computeDType
        let inElements = analysis.layers[x].outputElements * batch, outElements = layer.outputElements * batch
        let k = analysis.layers[x].outputShape.dims.last ?? 1
        let weight = l.outFeatures * k
        let needIn = requiresGrad(x)
        var y: Int
        if q.kind == .int8 {
            var transient: [Int] = []
            if onCUDA {
                if xType != .float16 { transient.append(ledger.alloc(inElements * 2, .activations)) }
                transient.append(ledger.alloc(inElements, .activations))            // CA int8
                transient.append(ledger.alloc(inElements / max(1, k) * 4, .activations))  // SCA
                transient.append(ledger.alloc(outElements * 4, .activations))       // int32 accumulator
                transient.append(ledger.alloc(outElements * 2, .activations))       // fp16 result
            } else {
                transient.append(ledger.alloc(weight * xType.byteSize, .activations))
                transient.append(ledger.alloc(l.outFeatures * 4, .activations))
            }
            y = ledger.alloc(outElements * xType.byteSize, .activations)
            ledger.sample(onCUDA ? "int8_mixed_scaled_mm" : "linear (MatMul8bitFp)")
            for t in transient { ledger.release(t) }
            if needIn { ledger.retain(storage[x]); heldByOutput.append(storage[x]) }  // ctx.A
        } else {
            let copy = xType != compute ? ledger.alloc(inElements * compute.byteSize, .activations) : -1
            if copy >= 0 { ledger.sample("_to_copy (x.to(compute_dtype))") }
            var transient: [Int] = []
            if onCUDA {
                transient.append(ledger.alloc(weight * compute.byteSize, .activations))
                if q.doubleQuant { for _ in 0..<2 { transient.append(ledger.alloc(q.absmaxBlocks(elements: weight) * 4, .activations)) } }
            }
            y = ledger.alloc(outElements * compute.byteSize, .activations)
            ledger.sample("gemm_4bit")
            for t in transient { ledger.release(t) }
            ledger.release(copy)
            if xType != compute {
                let back = ledger.alloc(outElements * xType.byteSize, .activations)
                ledger.sample("_to_copy (to inp_dtype)")
                ledger.release(y); y = back
            }
            if q.clonedByPEFT {
                let clone = ledger.alloc(outElements * xType.byteSize, .activations)
                ledger.sample("clone (peft lora.bnb.Linear4bit)")
                ledger.release(y); y = clone
            }
        }
        storage[i] = y
        guard needIn else { return }
        var plan = BackwardPlan()
        var scratch: [Int] = []
        if q.kind == .int8 {
            scratch += plan.op("_to_copy (CB dequantized)", weight * xType.byteSize, l.outFeatures * 4)
        } else {
            if xType != compute { scratch += plan.op("_to_copy (grad to compute dtype)", outElements * compute.byteSize) }
            if q.doubleQuant { scratch += plan.op("dequantize_blockwise (absmax)", q.absmaxBlocks(elements: weight) * 4) }
            scratch += plan.op("dequantize_4bit", weight * paramType.byteSize)
            if paramType != compute { scratch += plan.op("_to_copy (dequantized weight)", weight * compute.byteSize) }
        }
        let grad = plan.op("matmul (grad input)", inElements * compute.byteSize)[0]
        if compute != xType {
            scratch.append(grad)
            plan.outputs = [.alloc(plan.op("_to_copy (grad input)", inElements * xType.byteSize)[0])]
        } else {
            plan.outputs = [.alloc(grad)]
        }
        plan.scratch = scratch
        let fn = newFn(saved: [], edges: [edge(x)], plan: plan)
        nodeOfFn[fn] = i
        gradFn[i] = fn
    }
}
