// Optimizers: two steps each against hand-computed values (arithmetic in the comments), state accounting.
import Testing
import MemQEngine

/// Runs two updates of a one-element parameter starting at 1.0 with gradients g1, g2; returns p after each.
private func twoSteps(_ optimizer: some Optimizer<Double>, _ g1: Double, _ g2: Double) -> (Double, Double) {
    let allocator = EngineAllocator()
    let p = Tensor<Double>(shape: [1], values: [1], category: .weights, allocator: allocator)
    let g = Tensor<Double>(shape: [1], values: [g1], category: .gradients, allocator: allocator)
    optimizer.update(parameter: p, gradient: g)
    let first = p[0]
    g[0] = g2
    optimizer.update(parameter: p, gradient: g)
    return (first, p[0])
}

private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-14 * max(1, abs(b)) }

@Suite("Optimizers")
struct OptimizerTests {
    @Test("SGD")
    func sgd() {
        // p = 1 - 0.1 * 0.5 = 0.95; p = 0.95 - 0.1 * 0.25 = 0.925
        let plain = twoSteps(SGD<Double>(learningRate: 0.1), 0.5, 0.25)
        #expect(close(plain.0, 0.95) && close(plain.1, 0.925))
        // weight decay 0.1: g = 0.5 + 0.1 * 1 = 0.6, p = 0.94; g = 0.25 + 0.1 * 0.94 = 0.344, p = 0.94 - 0.0344 = 0.9056
        let decayed = twoSteps(SGD<Double>(learningRate: 0.1, weightDecay: 0.1), 0.5, 0.25)
        #expect(close(decayed.0, 0.94) && close(decayed.1, 0.9056))
    }

    @Test("SGD with momentum and dampening")
    func momentum() {
        // step 1: buf = g = 0.5 (no dampening on the first step), p = 1 - 0.1 * 0.5 = 0.95
        // step 2: buf = 0.9 * 0.5 + (1 - 0.1) * 0.25 = 0.675, p = 0.95 - 0.1 * 0.675 = 0.8825
        let result = twoSteps(SGD<Double>(learningRate: 0.1, momentum: 0.9, dampening: 0.1), 0.5, 0.25)
        #expect(close(result.0, 0.95) && close(result.1, 0.8825))
    }

    @Test("SGD with Nesterov momentum")
    func nesterov() {
        // step 1: buf = 0.5, d = 0.5 + 0.9 * 0.5 = 0.95, p = 1 - 0.095 = 0.905
        // step 2: buf = 0.9 * 0.5 + 0.25 = 0.7, d = 0.25 + 0.9 * 0.7 = 0.88, p = 0.905 - 0.088 = 0.817
        let result = twoSteps(SGD<Double>(learningRate: 0.1, momentum: 0.9, nesterov: true), 0.5, 0.25)
        #expect(close(result.0, 0.905) && close(result.1, 0.817))
    }

    @Test("Adam")
    func adam() {
        // lr 0.1, betas (0.9, 0.999), eps 1e-8.
        // step 1: m = 0.1 * 0.5 = 0.05, v = 0.001 * 0.25 = 0.00025; bc1 = 0.1, bc2 = 0.001
        //   denom = sqrt(0.00025) / sqrt(0.001) + 1e-8 = 0.5 + 1e-8; p = 1 - (0.1 / 0.1) * 0.05 / 0.50000001 = 0.900000002
        // step 2: m = 0.05 + 0.1 * (0.25 - 0.05) = 0.07, v = 0.999 * 0.00025 + 0.001 * 0.0625 = 0.00031225
        //   bc1 = 1 - 0.81 = 0.19, bc2 = 1 - 0.998001 = 0.001999
        //   p = 0.900000002 - (0.1 / 0.19) * 0.07 / (sqrt(0.00031225) / sqrt(0.001999) + 1e-8) = 0.8067820404774624
        let result = twoSteps(Adam<Double>(learningRate: 0.1), 0.5, 0.25)
        #expect(close(result.0, 0.900000002) && close(result.1, 0.8067820404774624))
    }

    @Test("Adam with L2 weight decay")
    func adamL2() {
        // g = 0.5 + 0.1 * 1 = 0.6: m = 0.06, v = 0.00036, p = 1 - 0.06 / (0.6 + 1e-8) = 0.9000000016666666
        // g = 0.25 + 0.1 * 0.9000000016666666 = 0.34000000001666666: m = 0.06 + 0.1 * (g - 0.06) = 0.08800000001666664,
        //   v = 0.999 * 0.00036 + 0.001 * g^2 = 0.00047524000011333375
        //   p -= (0.1 / 0.19) * m / (sqrt(v) / sqrt(0.001999) + 1e-8) -> 0.8050097658613199
        let result = twoSteps(Adam<Double>(learningRate: 0.1, weightDecay: 0.1), 0.5, 0.25)
        #expect(close(result.0, 0.9000000016666666) && close(result.1, 0.8050097658613199))
    }

    @Test("AdamW (decoupled weight decay)")
    func adamW() {
        // step 1: p = 1 * (1 - 0.1 * 0.1) = 0.99, then the Adam step of -0.099999998: 0.890000002
        // step 2: p = 0.890000002 * 0.99 = 0.88110000198, then the Adam step 2 (same m, v as plain Adam,
        //   -0.0932179615225376): 0.7878820404574624
        let result = twoSteps(Adam<Double>.adamW(learningRate: 0.1, weightDecay: 0.1), 0.5, 0.25)
        #expect(close(result.0, 0.890000002) && close(result.1, 0.7878820404574624))
        #expect(Adam<Double>.adamW().weightDecay == 0.01)
    }

    @Test("Adam with AMSGrad uses the running maximum of v")
    func amsgrad() {
        // g = 1, 0. step 1: m = 0.1, v = vmax = 0.001; p = 1 - (0.1 / 0.1) * 0.1 / (sqrt(0.001) / sqrt(0.001) + 1e-8)
        //   = 0.900000001
        // step 2: m = 0.1 + 0.1 * (0 - 0.1) = 0.09, v = 0.999 * 0.001 = 0.000999 < vmax = 0.001
        //   p = 0.900000001 - (0.1 / 0.19) * 0.09 / (sqrt(0.001) / sqrt(0.001999) + 1e-8) = 0.8330276878258663
        //   (plain Adam would use v: 0.8329941765341887)
        let result = twoSteps(Adam<Double>(learningRate: 0.1, amsgrad: true), 1, 0)
        #expect(close(result.0, 0.900000001) && close(result.1, 0.8330276878258663))
        let plain = twoSteps(Adam<Double>(learningRate: 0.1), 1, 0)
        #expect(close(plain.1, 0.8329941765341887))
    }

    @Test("RMSprop, plain and with momentum")
    func rmsprop() {
        // lr 0.01, alpha 0.99, eps 1e-8.
        // step 1: sq = 0.01 * 0.25 = 0.0025, avg = 0.05 + 1e-8, p = 1 - 0.01 * 0.5 / 0.05000001 = 0.900000019999996
        // step 2: sq = 0.99 * 0.0025 + 0.01 * 0.0625 = 0.003100, avg = sqrt(0.0031) + 1e-8 = 0.0556776536...
        //   p = 0.900000019999996 - 0.01 * 0.25 / avg = 0.855098702557817
        let plain = twoSteps(RMSprop<Double>(learningRate: 0.01), 0.5, 0.25)
        #expect(close(plain.0, 0.900000019999996) && close(plain.1, 0.855098702557817))
        // momentum 0.9: buf1 = 0.5 / 0.05000001 = 9.999998, p = 0.900000019999996 (as above)
        //   buf2 = 0.9 * 9.999998 + 0.25 / 0.0556776536 = 13.489999..., p = 0.900000019999996 - 0.01 * buf2 = 0.7650987205578135
        let momentum = twoSteps(RMSprop<Double>(learningRate: 0.01, momentum: 0.9), 0.5, 0.25)
        #expect(close(momentum.0, 0.900000019999996) && close(momentum.1, 0.7650987205578135))
    }

    @Test("RMSprop centered, with momentum and weight decay")
    func rmspropCentered() {
        // step 1: sq = 0.0025, ga = 0.01 * 0.5 = 0.005, avg = sqrt(0.0025 - 0.000025) + 1e-8 = 0.04974937...
        //   p = 1 - 0.01 * 0.5 / avg = 0.899496238676095
        // step 2: sq = 0.0031, ga = 0.005 + 0.01 * (0.25 - 0.005) = 0.00745, avg = sqrt(0.0031 - 0.00745^2) + 1e-8
        //   p = 0.899496238676095 - 0.01 * 0.25 / avg = 0.8541874846842108
        let centered = twoSteps(RMSprop<Double>(learningRate: 0.01, centered: true), 0.5, 0.25)
        #expect(close(centered.0, 0.899496238676095) && close(centered.1, 0.8541874846842108))
        // + momentum 0.9, weight decay 0.1 (g = grad + 0.1 * p): 0.8994962353090928, then 0.7590957780598732
        let full = twoSteps(RMSprop<Double>(learningRate: 0.01, weightDecay: 0.1, momentum: 0.9, centered: true), 0.5, 0.25)
        #expect(close(full.0, 0.8994962353090928) && close(full.1, 0.7590957780598732))
    }

    @Test("Adagrad")
    func adagrad() {
        // lr 0.1, eps 1e-10. step 1: sum = 0.25, p = 1 - 0.1 * 0.5 / (0.5 + 1e-10) = 0.90000000002
        // step 2: sum = 0.25 + 0.0625 = 0.3125, p = 0.90000000002 - 0.1 * 0.25 / (sqrt(0.3125) + 1e-10) = 0.8552786404780043
        let plain = twoSteps(Adagrad<Double>(learningRate: 0.1), 0.5, 0.25)
        #expect(close(plain.0, 0.90000000002) && close(plain.1, 0.8552786404780043))
        // lr_decay 0.5, weight decay 0.1, initial accumulator 0.1:
        // step 1: g = 0.6, clr = 0.1, sum = 0.1 + 0.36 = 0.46, p = 1 - 0.1 * 0.6 / sqrt(0.46) = 0.9115348263201052
        // step 2: g = 0.25 + 0.09115348263201052, clr = 0.1 / (1 + 1 * 0.5), sum = 0.46 + g^2 = 0.5763856987119494
        //   p = 0.9115348263201052 - clr * g / sqrt(sum) = 0.8815775757695616
        let decayed = twoSteps(Adagrad<Double>(learningRate: 0.1, learningRateDecay: 0.5, weightDecay: 0.1,
                                               initialAccumulatorValue: 0.1), 0.5, 0.25)
        #expect(close(decayed.0, 0.9115348263201052) && close(decayed.1, 0.8815775757695616))
    }

    @Test("Lion")
    func lion() {
        // lr 0.1, betas (0.9, 0.99), weight decay 0.1; g = 0.5, then -0.25.
        // step 1: p = 1 * (1 - 0.01) = 0.99; c = 0.9 * 0 + 0.1 * 0.5 = 0.05 > 0, p = 0.99 - 0.1 = 0.89;
        //   m = 0.99 * 0 + 0.01 * 0.5 = 0.005
        // step 2: p = 0.89 * 0.99 = 0.8811; c = 0.9 * 0.005 + 0.1 * (-0.25) = -0.0205 < 0, p = 0.8811 + 0.1 = 0.9811
        let result = twoSteps(Lion<Double>(learningRate: 0.1, weightDecay: 0.1), 0.5, -0.25)
        #expect(close(result.0, 0.89) && close(result.1, 0.9811))
        let defaults = Lion<Double>()
        #expect(defaults.learningRate == 1e-4 && defaults.beta1 == 0.9 && defaults.beta2 == 0.99)
    }

    @Test("state is allocated lazily in optimizerState, no scratch", arguments: [
        ("sgd", 0), ("momentum", 1), ("adam", 2), ("amsgrad", 3), ("adamw", 2), ("rmsprop", 1),
        ("rmsprop momentum centered", 3), ("adagrad", 1), ("lion", 1),
    ])
    func stateAccounting(name: String, expectedTensors: Int) {
        let optimizer: any Optimizer<Float> = switch name {
        case "sgd": SGD<Float>()
        case "momentum": SGD<Float>(momentum: 0.9)
        case "adam": Adam<Float>()
        case "amsgrad": Adam<Float>(amsgrad: true)
        case "adamw": Adam<Float>.adamW()
        case "rmsprop": RMSprop<Float>()
        case "rmsprop momentum centered": RMSprop<Float>(momentum: 0.9, centered: true)
        case "adagrad": Adagrad<Float>()
        default: Lion<Float>()
        }
        #expect(optimizer.stateTensorsPerParameter == expectedTensors)
        #expect(optimizer.scratchTensorsPerUpdate == 0)
        let allocator = EngineAllocator()
        let parameters = [Tensor<Float>(shape: [3, 5], category: .weights, allocator: allocator),
                          Tensor<Float>(shape: [7], category: .weights, allocator: allocator)]
        let gradients = parameters.map { Tensor<Float>(shape: $0.shape, category: .gradients, allocator: allocator) }
        #expect(allocator.snapshot().live(.optimizerState) == 0)
        optimizer.step(parameters: parameters, gradients: gradients)
        optimizer.step(parameters: parameters, gradients: gradients)
        let snapshot = allocator.snapshot()
        #expect(snapshot.live(.optimizerState) == expectedTensors * (15 + 7) * 4)
        #expect(snapshot.peak(.optimizerState) == expectedTensors * (15 + 7) * 4)
        #expect(snapshot.peak(.temporary) == 0)
        optimizer.resetState()
        #expect(allocator.snapshot().live(.optimizerState) == 0)
    }

    @Test("large Float Adam update (parallel chunks) equals a per-element reference")
    func parallelAdam() {
        let allocator = EngineAllocator()
        let count = 50_000
        let p = Tensor<Float>(shape: [count], values: (0..<count).map { Float($0 % 97) / 97 }, category: .weights,
                              allocator: allocator)
        let g = Tensor<Float>(shape: [count], values: (0..<count).map { Float($0 % 13) / 13 - 0.5 }, category: .gradients,
                              allocator: allocator)
        let reference = p.toArray()
        Adam<Float>(learningRate: 0.01).update(parameter: p, gradient: g)
        var worst: Float = 0
        for i in 0..<count {
            let m = 0.1 * g[i], v = 0.001 * g[i] * g[i]
            let expected = reference[i] - (0.01 / 0.1) * m / (v.squareRoot() / Float(0.001).squareRoot() + 1e-8)
            worst = max(worst, abs(p[i] - expected))
        }
        #expect(worst < 1e-6)
    }
}
