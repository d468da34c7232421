import GraphData
import Pooling
import TensorCore

/// The training protocol of Table 2 (METHODS §6) for one split: Adam on the
/// total loss L = CE + Σ w_kind · L_aux + L2 over shuffled mini-batches of
/// the training graphs; after every epoch the same loss on the validation
/// graphs; early stopping when it has not improved for `patience` epochs;
/// the weights of the best validation epoch restored; test accuracy
/// computed once, at those weights. Test graphs are never seen before that
/// last step, and nothing is selected on them.
public enum GraphClassificationTraining {
  public struct Options: Sendable, Equatable {
    public var batchSize = 8
    public var maximumEpochs = 500
    public var patience = 50
    public var learningRate: Float = 5e-4
    /// The optimiser with all its settings (overrides `learningRate`).
    public var optimizer: Adam?
    /// Weight of each auxiliary loss kind (1 when absent).
    public var lossWeights: [AuxiliaryLossKind: Float] = [:]

    public init() {}
  }

  public struct Outcome: Sendable {
    public var testAccuracy: Double
    public var bestValidationLoss: Double
    public var bestEpoch: Int
    public var epochs: Int
    /// Validation loss after each epoch.
    public var validationLosses: [Double]
  }

  /// Trains `model` on `dataset` with `split`; `random` draws the batch
  /// order. Cost per epoch: one forward and backward pass per training
  /// batch and one forward pass per validation batch.
  public static func train(
    _ model: GraphClassifier, on dataset: FeaturedDataset, split: GraphSplit, options: Options,
    random: inout RandomSource, epochEnded: (Int, Double) -> Void = { _, _ in }
  ) throws -> Outcome {
    precondition(!split.train.isEmpty && !split.validation.isEmpty && !split.test.isEmpty)
    var adam = options.optimizer ?? Adam(learningRate: options.learningRate)
    let parameters = model.parameters
    let validationBatches = GraphBatch.batches(
      of: split.validation, size: options.batchSize, shuffle: false, random: &random
    ).map { indices in
      let batch = GraphBatch(dataset, indices: indices)
      return (batch: batch, graph: SparseGraph(adjacency: batch.adjacency))
    }
    var best = (loss: Double.infinity, epoch: 0, values: parameters.map(\.value))
    var history: [Double] = []
    var epoch = 0
    while epoch < options.maximumEpochs && epoch - best.epoch < options.patience {
      epoch += 1
      for indices in GraphBatch.batches(
        of: split.train, size: options.batchSize, shuffle: true, random: &random)
      {
        let tape = Tape()
        let loss = try totalLoss(model, GraphBatch(dataset, indices: indices), nil, options, tape)
        adam.update(parameters, with: tape.gradients(of: loss))
      }
      var sum = 0.0
      for (batch, graph) in validationBatches {
        let loss = try totalLoss(model, batch, graph, options, Tape()).value.scalar
        sum += Double(loss) * Double(batch.count)
      }
      let validationLoss = sum / Double(split.validation.count)
      guard validationLoss.isFinite else {
        throw PoolingError("epoch \(epoch): the validation loss is \(validationLoss)")
      }
      history.append(validationLoss)
      epochEnded(epoch, validationLoss)
      if validationLoss < best.loss {
        best = (validationLoss, epoch, parameters.map(\.value))
      }
    }
    for (parameter, value) in zip(parameters, best.values) { parameter.value = value }
    var correct = 0
    for indices in GraphBatch.batches(
      of: split.test, size: options.batchSize, shuffle: false, random: &random)
    {
      let batch = GraphBatch(dataset, indices: indices)
      let predicted = try model.forward(batch, tape: Tape()).logits.value.argmaxPerRow()
      correct += zip(predicted, batch.labels).filter { $0 == $1 }.count
    }
    return Outcome(
      testAccuracy: Double(correct) / Double(split.test.count), bestValidationLoss: best.loss,
      bestEpoch: best.epoch, epochs: epoch, validationLosses: history)
  }

  /// CE (mean over the batch's graphs) + Σ w · auxiliary + L2.
  static func totalLoss(
    _ model: GraphClassifier, _ batch: GraphBatch, _ graph: SparseGraph?, _ options: Options,
    _ tape: Tape
  ) throws -> Variable {
    let output = try model.forward(batch, graph: graph, tape: tape)
    var total = crossEntropy(logits: output.logits, labels: batch.labels)
    for loss in output.auxiliaryLosses {
      let weight = options.lossWeights[loss.kind] ?? 1
      if weight != 0 { total = total + loss.value * weight }
    }
    if let l2 = output.l2 { total = total + l2 }
    return total
  }
}
