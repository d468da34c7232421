import Foundation
import GraphData
import Pooling
import TensorCore

/// The record of one graph-classification run (one split, one seed): the
/// test accuracy at the weights of the best validation epoch, how training
/// went, the split itself and the provenance.
public struct GraphClassificationResult: RecordedRun, Equatable {
  public var config: String
  public var dataset: String
  public var method: String
  /// Index of the split (the fold of cross-validation; 0 for a fixed split).
  public var splitIndex: Int
  public var seed: Int
  public var testAccuracy: Double
  public var bestValidationLoss: Double
  public var bestEpoch: Int
  public var epochs: Int
  /// K of each pooler (resolved from `k_ratio` on this split's training graphs).
  public var clusterCounts: [Int]
  public var seconds: Double
  public var threads: Int
  public var configSHA256: String
  public var gitCommit: String
  public var dataSHA256: String
  public var cpuModel: String
  public var blasCore: String
  /// The graphs of each role, so the split can be checked and reused.
  public var split: GraphSplit
}

/// One graph-classification run: builds the model from the config (K from
/// the average size of the split's training graphs), trains it with the
/// Table 2 protocol and tests it once.
public struct GraphClassificationRun {
  public let config: RunConfig
  public let configName: String
  public let dataset: FeaturedDataset
  public let split: GraphSplit
  public let splitIndex: Int
  public let seed: Int
  public let configSHA256: String
  public let dataSHA256: String
  public let gitCommit: String
  /// Called after each epoch with (epoch, maximum epochs).
  public var progress: (Int, Int) -> Void = { _, _ in }
  /// Called once, before training, with (epoch, maximum epochs) when the
  /// run resumes after `epoch` from a saved state.
  public var resumedProgress: (Int, Int) -> Void = { _, _ in }
  /// The normalised WL kernel over all graphs of the dataset (n×n), for a
  /// `wl_svm` baseline; computed once per dataset by the caller.
  public var kernel: [Double]?
  /// Where precomputed coarsenings (Graclus, NDP) are stored and read; nil:
  /// computed for this run only.
  public var coarseningCache: CoarseningCache?
  /// Called with one line of what the run did besides training (e.g. the
  /// coarsening of the dataset).
  public var log: (String) -> Void = { _ in }
  /// Where the training log CSV is written (atomically, when the run
  /// ends): one row per epoch (`GraphClassificationTraining.logCSV`), or
  /// for the WL baseline one row per C with its validation accuracy; nil:
  /// not written.
  public var logPath: String?
  /// Where the training state (`TrainingState`) is saved while the run
  /// trains, at most every `stateInterval`, and resumed from when the run
  /// is started again (if it is this run's, of the same `codeVersion`, on
  /// the same kind of machine). The run leaves it; the experiment removes
  /// it once the run's record is written. nil: not saved; the run starts
  /// from scratch.
  public var statePath: String?
  /// The least time between two saves of the state (a save costs
  /// O(parameters); a minute keeps it negligible against an epoch).
  public var stateInterval: Duration = .seconds(60)
  /// The version of the code (committed sources); nil (uncommitted changes,
  /// or no git): a state is neither saved nor resumed, as the code that
  /// would continue it cannot be told from the code that saved it.
  public var codeVersion: String?

  public init(
    config: RunConfig, configName: String, dataset: FeaturedDataset, split: GraphSplit,
    splitIndex: Int, seed: Int, configSHA256: String, dataSHA256: String, gitCommit: String
  ) {
    self.config = config
    self.configName = configName
    self.dataset = dataset
    self.split = split
    self.splitIndex = splitIndex
    self.seed = seed
    self.configSHA256 = configSHA256
    self.dataSHA256 = dataSHA256
    self.gitCommit = gitCommit
  }

  public func run() throws -> GraphClassificationResult {
    if config.baseline != nil { return try runKernelBaseline() }
    let clock = ContinuousClock()
    let start = clock.now
    var random = RandomSource(seed: UInt64(seed))
    let averageNodes =
      Double(split.train.map { dataset.graphs[$0].nodeCount }.reduce(0, +))
      / Double(max(1, split.train.count))
    let model = try GraphClassifier(
      layers: config.model!, inputFeatures: dataset.featureCount, classCount: dataset.classCount,
      averageNodes: averageNodes,
      maximumNodes: dataset.graphs.map(\.nodeCount).max(), random: &random)
    if let outcome = try model.precomputeCoarsenings(
      of: dataset.graphs.map(\.adjacency), dataChecksum: dataSHA256, cache: coarseningCache)
    {
      for problem in coarseningCache?.problems.messages ?? [] { log(problem) }
      log(
        (outcome.cacheHit
          ? "read coarsenings of \(dataset.name) from the cache" : "coarsened \(dataset.name)")
          + String(
            format: " (%@ nodes per level) in %.2f s",
            outcome.nodesPerLevel.map(String.init).joined(separator: " → "), outcome.seconds))
    }
    var options = GraphClassificationTraining.Options()
    options.batchSize = config.training.batchSize
    options.maximumEpochs = config.training.maxEpochs
    options.patience = config.training.patience
    options.optimizer = config.optimizer.makeAdam()
    for kind in AuxiliaryLossKind.allCases {
      if let weight = config.lossWeights[kind.name] { options.lossWeights[kind] = weight }
    }
    let maximum = options.maximumEpochs
    let owner = codeVersion.map {
      TrainingState.Owner(
        runID: runID, configSHA256: configSHA256, dataSHA256: dataSHA256, codeVersion: $0)
    }
    let resumed = statePath.flatMap {
      resumableState(
        at: $0, of: owner, model: model, maximumEpochs: maximum,
        auxiliaryLossCount: model.auxiliaryLossKinds.count)
    }
    var lastSave = clock.now
    // Saving costs O(parameters), so at most every stateInterval. A state
    // that cannot be written (e.g. a full disk) does not stop the run: the
    // previous one stays valid.
    func save(after epoch: Int, _ makeState: () -> TrainingState) {
      guard let statePath, let owner, clock.now - lastSave >= stateInterval, epoch < maximum
      else { return }
      var state = makeState()
      state.owner = owner
      state.elapsedSeconds = (resumed?.elapsedSeconds ?? 0) + (clock.now - start).seconds
      do {
        try state.write(to: statePath)
      } catch {
        log("could not save the training state after epoch \(epoch) to \(statePath): \(error)")
      }
      lastSave = clock.now
    }
    let outcome = try GraphClassificationTraining.train(
      model, on: dataset, split: split, options: options, random: &random,
      epochEnded: { epoch, _ in progress(epoch, maximum) }, resumingFrom: resumed, epochDone: save)
    if let logPath {
      try AtomicFile.write(GraphClassificationTraining.logCSV(of: outcome), to: logPath)
    }
    let elapsed = clock.now - start + .seconds(resumed?.elapsedSeconds ?? 0)
    return GraphClassificationResult(
      config: configName, dataset: dataset.name, method: config.method, splitIndex: splitIndex,
      seed: seed, testAccuracy: outcome.testAccuracy,
      bestValidationLoss: outcome.bestValidationLoss, bestEpoch: outcome.bestEpoch,
      epochs: outcome.epochs, clusterCounts: model.clusterCounts,
      seconds: elapsed.seconds,
      threads: Threading.threadCount, configSHA256: configSHA256, gitCommit: gitCommit,
      dataSHA256: dataSHA256, cpuModel: ComputeEnvironment.cpuModel,
      blasCore: ComputeEnvironment.blasCoreName, split: split)
  }

  /// The run's id in its experiment: `<config>-split<i>-seed<s>`.
  var runID: String { Self.runID(configName: configName, splitIndex: splitIndex, seed: seed) }

  /// The id of the run of config `configName` on split `splitIndex` with
  /// model seed `seed`: its record's and state's file name.
  static func runID(configName: String, splitIndex: Int, seed: Int) -> String {
    "\(configName)-split\(splitIndex)-seed\(seed)"
  }

  /// The state saved at `path` when it is this run's (`owner`: the same
  /// run, code and kind of machine) and fits `model`
  /// (`TrainingState.check`), else nil, saying why it is not resumed (the
  /// state is left, to be overwritten by the next save).
  func resumableState(
    at path: String, of owner: TrainingState.Owner?, model: GraphClassifier, maximumEpochs: Int,
    auxiliaryLossCount: Int
  ) -> TrainingState? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    func refuse(_ reason: String) -> TrainingState? {
      log("not resuming \(path): \(reason); starting from scratch")
      return nil
    }
    guard let owner else {
      return refuse(
        "the sources have uncommitted changes (or no git), so the code that saved it cannot be "
          + "told from this one")
    }
    let state: TrainingState
    do {
      state = try TrainingState.read(from: path)
    } catch {
      return refuse("\(error)")
    }
    guard let saver = state.owner else { return refuse("it names no run") }
    if let difference = owner.difference(from: saver) {
      return refuse("it was saved by another run, code or machine (\(difference))")
    }
    do {
      try state.check(
        parameters: model.parameters, maximumEpochs: maximumEpochs,
        auxiliaryLossCount: auxiliaryLossCount)
    } catch {
      return refuse("\(error)")
    }
    log("resuming after epoch \(state.epoch) from \(path)")
    resumedProgress(state.epoch, maximumEpochs)
    return state
  }

  /// The WL kernel with a C-SVC: for each C of the config, train on the
  /// training graphs and score the validation graphs; the C with the best
  /// validation accuracy (the smallest on ties) is tested once. The record
  /// keeps 1 − that validation accuracy as `bestValidationLoss` and the
  /// index of C as `bestEpoch` (no epochs are trained).
  func runKernelBaseline() throws -> GraphClassificationResult {
    guard let baseline = config.baseline, let kernel else {
      preconditionFailure("runKernelBaseline needs a wl_svm baseline and its kernel")
    }
    let clock = ContinuousClock()
    let start = clock.now
    let n = dataset.graphs.count
    let labels = dataset.graphs.map(\.label)
    func accuracy(_ predicted: [Int], _ graphs: [Int]) -> Double {
      Double(zip(predicted, graphs).filter { $0 == labels[$1] }.count)
        / Double(max(1, graphs.count))
    }
    var best = (index: 0, accuracy: -1.0)
    var logText = "c,validation_accuracy\n"
    for (index, c) in baseline.cValues.enumerated() {
      let predicted = try PrecomputedKernelSVM.trainAndPredict(
        kernel: kernel, sampleCount: n, labels: labels, train: split.train, c: c,
        predict: split.validation)
      let score = accuracy(predicted, split.validation)
      logText += "\(c),\(score)\n"
      if score > best.accuracy { best = (index, score) }
      progress(index + 1, baseline.cValues.count)
    }
    if let logPath { try AtomicFile.write(logText, to: logPath) }
    let test = try PrecomputedKernelSVM.trainAndPredict(
      kernel: kernel, sampleCount: n, labels: labels, train: split.train,
      c: baseline.cValues[best.index], predict: split.test)
    let elapsed = clock.now - start
    return GraphClassificationResult(
      config: configName, dataset: dataset.name, method: config.method, splitIndex: splitIndex,
      seed: seed, testAccuracy: accuracy(test, split.test), bestValidationLoss: 1 - best.accuracy,
      bestEpoch: best.index, epochs: 0, clusterCounts: [],
      seconds: elapsed.seconds,
      threads: Threading.threadCount, configSHA256: configSHA256, gitCommit: gitCommit,
      dataSHA256: dataSHA256, cpuModel: ComputeEnvironment.cpuModel,
      blasCore: ComputeEnvironment.blasCoreName, split: split)
  }
}
