import Foundation
import GraphData
import Pooling
import TensorCore

/// Neural Normalized Cut (NeuNcut, 2025; METHODS §5) on vectors: an MLP
/// in → 512 → 512 → K (ReLU; He-uniform hidden kernels, Glorot-uniform
/// output, zero biases) gives P = softmax(logits); it is trained on a
/// subset with the NeuNcut loss on the dense Gaussian affinity of each
/// mini-batch, and then assigns every sample, seen or not, with one forward
/// pass. Cost per epoch O(n_train·(F·512 + 512² + 512·K) + n_train·B·F) (the
/// layers, and the affinity of each batch of B).
public struct NeuNcutModel {
  public let hidden: [DenseLayer]
  public let output: DenseLayer

  public init(
    inputFeatures: Int, clusters: Int, hiddenUnits: [Int] = [512, 512],
    random: inout RandomSource
  ) {
    var layers: [DenseLayer] = []
    var width = inputFeatures
    for (i, units) in hiddenUnits.enumerated() {
      layers.append(
        DenseLayer(
          name: "hidden\(i)", inputFeatures: width, units: units, activation: .relu,
          initializer: .heUniform, random: &random))
      width = units
    }
    hidden = layers
    output = DenseLayer(
      name: "output", inputFeatures: width, units: clusters, initializer: .glorotUniform,
      random: &random)
  }

  public var parameters: [Parameter] { hidden.flatMap(\.parameters) + output.parameters }

  /// P = softmax(MLP(X)) for the rows of X.
  public func assignments(_ x: Matrix, tape: Tape) -> Variable {
    var h = NodeFeatures.dense(tape.constant(x))
    for layer in hidden { h = .dense(layer(h, tape: tape)) }
    return softmax(output(h, tape: tape))
  }

  /// argmax_k P_ik for every row of X, computed in blocks of `blockSize`
  /// rows so memory stays O(blockSize·512). Cost O(N·(F·512 + 512²)).
  /// `progress` is called with the samples done after each 100 blocks and
  /// at the end.
  public func clusters(
    of x: Matrix, blockSize: Int = 10_000, progress: (Int) -> Void = { _ in }
  ) -> [Int] {
    var result: [Int] = []
    result.reserveCapacity(x.rows)
    var start = 0
    while start < x.rows {
      let end = min(x.rows, start + blockSize)
      let block = Matrix(
        rows: end - start, columns: x.columns,
        storage: Array(x.storage[(start * x.columns)..<(end * x.columns)]))
      result += assignments(block, tape: Tape()).value.argmaxPerRow()
      start = end
      if start == x.rows || (start / blockSize) % 100 == 0 { progress(start) }
    }
    return result
  }
}

/// Training NeuNcut with METHODS §5's reference setting.
public enum NeuNcutTraining {
  public struct Options: Sendable, Equatable {
    public var epochs = 300
    public var batchSize = 1000
    /// Leave out the last, smaller batch of each epoch, as the reference
    /// does (it trains N // batch size batches per epoch; after each
    /// reshuffle other samples are left out). A training set smaller than
    /// one batch is one batch either way.
    public var dropLastBatch = true
    public var learningRate: Float = 5e-3
    /// PyTorch-style coupled weight decay (see `Adam.weightDecay`).
    public var weightDecay: Float = 1e-4
    /// σ of the Gaussian affinity.
    public var sigma: Float = 3
    public var gamma: Float = NeuralNormalizedCut.defaultGamma
    public init() {}
  }

  /// Rows scaled to unit L2 norm (a zero row stays zero). Cost O(N·F).
  public static func normalizedRows(_ x: Matrix) -> Matrix {
    var out = x
    for i in 0..<x.rows {
      var norm: Float = 0
      for j in 0..<x.columns { norm += x.storage[i * x.columns + j] * x.storage[i * x.columns + j] }
      guard norm > 0 else { continue }
      let scale = 1 / norm.squareRoot()
      for j in 0..<x.columns { out.storage[i * x.columns + j] *= scale }
    }
    return out
  }

  /// The mini-batches of one epoch: `order` cut into runs of `size`; the
  /// last, smaller one is left out when `dropLast` unless it is the only
  /// one. A batch of one sample (nothing to cut) is always left out.
  public static func batches(of order: [Int], size: Int, dropLast: Bool) -> [ArraySlice<Int>] {
    let fullBatches = order.count / size
    let end = dropLast && fullBatches > 0 ? fullBatches * size : order.count
    return stride(from: 0, to: end, by: size).map { start in
      order[start..<min(end, start + size)]
    }.filter { $0.count > 1 }
  }

  /// Trains `model` on the rows `trainRows` of `x` (already normalised):
  /// each epoch shuffles them (seeded by `random`) into mini-batches
  /// (`batches(of:size:dropLast:)`), whose Gaussian affinity W and loss
  /// are computed afresh; Adam with the learning rate on a cosine
  /// schedule, lr_e = lr·(1 + cos(π e / E))/2.
  /// Returns the mean loss of each epoch; `progress` is called after each.
  public static func train(
    _ model: NeuNcutModel, on x: Matrix, rows trainRows: [Int], options: Options,
    random: inout RandomSource, progress: (Int, Float) -> Void = { _, _ in }
  ) -> [Float] {
    var adam = Adam(learningRate: options.learningRate)
    adam.weightDecay = options.weightDecay
    var losses: [Float] = []
    for epoch in 0..<options.epochs {
      adam.learningRate =
        options.learningRate
        * Float((1 + cos(Double.pi * Double(epoch) / Double(options.epochs))) / 2)
      var order = trainRows
      order.shuffle(using: &random)
      var total: Float = 0
      var batchCount = 0
      for batch in batches(of: order, size: options.batchSize, dropLast: options.dropLastBatch) {
        var rows = [Float]()
        rows.reserveCapacity(batch.count * x.columns)
        for i in batch { rows += x.storage[(i * x.columns)..<((i + 1) * x.columns)] }
        let xb = Matrix(rows: batch.count, columns: x.columns, storage: rows)
        let w = NeuralNormalizedCut.gaussianAffinity(xb, sigma: options.sigma)
        let tape = Tape()
        let loss = NeuralNormalizedCut.loss(
          assignments: model.assignments(xb, tape: tape), affinity: w, gamma: options.gamma)
        adam.update(model.parameters, with: tape.gradients(of: loss))
        total += loss.value.scalar
        batchCount += 1
      }
      losses.append(total / Float(max(1, batchCount)))
      progress(epoch + 1, losses.last!)
    }
    return losses
  }
}
