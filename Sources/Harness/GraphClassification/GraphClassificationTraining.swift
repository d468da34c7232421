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
    /// What each epoch did (the run's training log).
    public var epochSummaries: [EpochSummary]
    /// Names of the model's auxiliary losses in its order, the level of
    /// the pooler appended ("link_prediction_1", "entropy_1", …): the
    /// columns of `EpochSummary.validationAuxiliaryLosses`.
    public var auxiliaryLossNames: [String]
    /// Validation loss after each epoch.
    public var validationLosses: [Double] { epochSummaries.map(\.validationLoss) }
  }

  /// One epoch of training, for the run's log: the mean total loss of the
  /// training batches (weighted by their graphs; the parameters move during
  /// the epoch), and on the validation graphs after the epoch the total
  /// loss (the early-stopping criterion), its parts and the accuracy. The
  /// parts are means over the validation graphs as the total is, so
  /// total = cross-entropy + Σ w·auxiliary + L2 up to rounding; the
  /// auxiliary losses are listed unweighted.
  public struct EpochSummary: Sendable, Equatable {
    public var epoch: Int
    public var trainingLoss: Double
    public var validationLoss: Double
    public var validationCrossEntropy: Double
    public var validationAuxiliaryLosses: [Double]
    public var validationL2: Double
    public var validationAccuracy: Double
  }

  /// Trains `model` on `dataset` with `split`; `random` draws the batch
  /// order. Cost per epoch: one forward and backward pass per training
  /// batch and one forward pass per validation batch.
  ///
  /// `resumingFrom`: a state `epochDone` offered after some epoch of this
  /// same training (same model, data, split, options and seed, on the same
  /// machine): training continues after that epoch and ends exactly as if
  /// it had never stopped; a state that does not fit the model throws
  /// before anything changes (`TrainingState.check`). `epochDone` is called
  /// after every epoch with its number and a function that builds the state
  /// (O(parameters); call it only to save).
  public static func train(
    _ model: GraphClassifier, on dataset: FeaturedDataset, split: GraphSplit, options: Options,
    random: inout RandomSource, epochEnded: (Int, Double) -> Void = { _, _ in },
    resumingFrom state: TrainingState? = nil,
    epochDone: (_ epoch: Int, _ state: () -> TrainingState) throws -> Void = { _, _ in }
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
    var summaries: [EpochSummary] = []
    let auxiliaryCount = model.auxiliaryLossKinds.count
    var epoch = 0
    if let state {
      try state.check(
        parameters: parameters, maximumEpochs: options.maximumEpochs,
        auxiliaryLossCount: auxiliaryCount)
      state.restore(into: parameters, optimizer: &adam)
      random = RandomSource(state: state.randomState)
      best = (state.bestLoss, state.bestEpoch, state.bestParameters.map(\.matrix))
      summaries = state.epochSummaries
      epoch = state.epoch
    }
    while epoch < options.maximumEpochs && epoch - best.epoch < options.patience {
      epoch += 1
      var trainingSum = 0.0
      for indices in GraphBatch.batches(
        of: split.train, size: options.batchSize, shuffle: true, random: &random)
      {
        let tape = Tape()
        let loss = try totalLoss(model, GraphBatch(dataset, indices: indices), nil, options, tape)
        trainingSum += Double(loss.total.value.scalar) * Double(indices.count)
        adam.update(parameters, with: tape.gradients(of: loss.total))
      }
      var sum = 0.0
      var crossEntropySum = 0.0
      var auxiliarySums = [Double](repeating: 0, count: auxiliaryCount)
      var l2Sum = 0.0
      var correct = 0
      for (batch, graph) in validationBatches {
        let loss = try totalLoss(model, batch, graph, options, Tape())
        let weight = Double(batch.count)
        sum += Double(loss.total.value.scalar) * weight
        crossEntropySum += Double(loss.crossEntropy.value.scalar) * weight
        for (index, term) in loss.output.auxiliaryLosses.enumerated() {
          auxiliarySums[index] += Double(term.value.value.scalar) * weight
        }
        l2Sum += Double(loss.output.l2?.value.scalar ?? 0) * weight
        correct += correctCount(loss.output.logits, batch.labels)
      }
      let count = Double(split.validation.count)
      let validationLoss = sum / count
      guard validationLoss.isFinite else {
        throw PoolingError("epoch \(epoch): the validation loss is \(validationLoss)")
      }
      summaries.append(
        EpochSummary(
          epoch: epoch, trainingLoss: trainingSum / Double(split.train.count),
          validationLoss: validationLoss, validationCrossEntropy: crossEntropySum / count,
          validationAuxiliaryLosses: auxiliarySums.map { $0 / count },
          validationL2: l2Sum / count, validationAccuracy: Double(correct) / count))
      epochEnded(epoch, validationLoss)
      if validationLoss < best.loss {
        best = (validationLoss, epoch, parameters.map(\.value))
      }
      try epochDone(epoch) { [epoch, best, summaries, random, adam] in
        TrainingState(
          epoch: epoch, parameters: parameters.map { .init(name: $0.name, $0.value) },
          optimizerStep: adam.step,
          firstMoments: adam.firstMoments.sorted { $0.key < $1.key }.map { .init(name: $0, $1) },
          secondMoments: adam.secondMoments.sorted { $0.key < $1.key }.map { .init(name: $0, $1) },
          randomState: random.state, bestLossBits: best.loss.bitPattern, bestEpoch: best.epoch,
          bestParameters: zip(parameters, best.values).map { .init(name: $0.name, $1) },
          epochSummaries: summaries, elapsedSeconds: 0)
      }
    }
    for (parameter, value) in zip(parameters, best.values) { parameter.value = value }
    var correct = 0
    for indices in GraphBatch.batches(
      of: split.test, size: options.batchSize, shuffle: false, random: &random)
    {
      let batch = GraphBatch(dataset, indices: indices)
      correct += correctCount(try model.forward(batch, tape: Tape()).logits, batch.labels)
    }
    return Outcome(
      testAccuracy: Double(correct) / Double(split.test.count), bestValidationLoss: best.loss,
      bestEpoch: best.epoch, epochs: epoch, epochSummaries: summaries,
      auxiliaryLossNames: levelNames(model.auxiliaryLossKinds))
  }

  /// How many graphs the logits (B×C) put in their labelled class.
  static func correctCount(_ logits: Variable, _ labels: [Int]) -> Int {
    zip(logits.value.argmaxPerRow(), labels).filter { $0 == $1 }.count
  }

  /// CE (mean over the batch's graphs) + Σ w · auxiliary + L2, with the
  /// cross-entropy and the model's output (its auxiliary losses and L2).
  static func totalLoss(
    _ model: GraphClassifier, _ batch: GraphBatch, _ graph: SparseGraph?, _ options: Options,
    _ tape: Tape
  ) throws -> (total: Variable, crossEntropy: Variable, output: GraphClassifier.Output) {
    let output = try model.forward(batch, graph: graph, tape: tape)
    let crossEntropy = crossEntropy(logits: output.logits, labels: batch.labels)
    var total = crossEntropy
    for loss in output.auxiliaryLosses {
      let weight = options.lossWeights[loss.kind] ?? 1
      if weight != 0 { total = total + loss.value * weight }
    }
    if let l2 = output.l2 { total = total + l2 }
    return (total, crossEntropy, output)
  }

  /// Each kind's name with its occurrence counted from 1 (the pooling
  /// level): [linkPrediction, entropy, linkPrediction, entropy] →
  /// link_prediction_1, entropy_1, link_prediction_2, entropy_2.
  public static func levelNames(_ kinds: [AuxiliaryLossKind]) -> [String] {
    var seen: [AuxiliaryLossKind: Int] = [:]
    return kinds.map { kind in
      seen[kind, default: 0] += 1
      return "\(kind.name)_\(seen[kind]!)"
    }
  }

  /// The training log as CSV: one row per epoch (`EpochSummary`), the
  /// auxiliary losses in `outcome.auxiliaryLossNames`' columns.
  public static func logCSV(of outcome: Outcome) -> String {
    var text =
      (["epoch", "training_loss", "validation_loss", "validation_cross_entropy"]
      + outcome.auxiliaryLossNames + ["validation_l2", "validation_accuracy"])
      .joined(separator: ",") + "\n"
    for row in outcome.epochSummaries {
      let values =
        [row.trainingLoss, row.validationLoss, row.validationCrossEntropy]
        + row.validationAuxiliaryLosses + [row.validationL2, row.validationAccuracy]
      text += "\(row.epoch)," + values.map { "\($0)" }.joined(separator: ",") + "\n"
    }
    return text
  }
}
