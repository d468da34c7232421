import Foundation
import GraphData
import Pooling
import TensorCore

/// The outcome of one (config, seed) run of node clustering, as written to
/// `runs/<run-id>.json` and to one row of `runs.csv`.
public struct NodeClusteringResult: RecordedRun, Equatable {
  /// The config's name (its file name without `.json`): identifies the run's
  /// table cell, so two configs of one method (an ablation) stay apart.
  public var config: String
  public var dataset: String
  public var method: String
  public var seed: Int
  public var nmi: Double
  public var completeness: Double
  public var homogeneity: Double
  public var accuracy: Double
  /// Final value of each loss term (neural methods), unweighted.
  public var finalLosses: [String: Float]
  public var iterations: Int
  public var seconds: Double
  public var threads: Int
  public var configSHA256: String
  public var gitCommit: String
  public var dataSHA256: String
  /// Nodes scored (those with a label) and nodes left out of the metrics.
  public var scoredNodes: Int
  public var unscoredNodes: Int
  /// The file the features came from (`ind.cora.allx`, or Pubmed's
  /// stand-in `pubmed-allx-6sig.npz`); `nil` for a method that reads no
  /// features (spectral clustering) and in older results.
  public var featureFile: String?
  /// Where the numbers were computed (see `ComputeEnvironment`): the CPU,
  /// the OpenBLAS kernel set and the OpenBLAS build. Absent in older results.
  public var cpuModel: String?
  public var blasCore: String?
  public var blasConfig: String?
  /// SHA-256 of the checkpoint the run wrote (neural methods), so that a
  /// reader can check the file before opening it (`CheckpointEvaluation`).
  public var checkpointSHA256: String?
}

/// Trains one node-clustering model (full batch, Adam) or runs one baseline,
/// then scores argmax(S) against the labels. Labels are used only to score
/// the final assignment and, every `log_every` iterations, to log an NMI for
/// monitoring; nothing is selected or stopped on them.
public struct NodeClusteringRun {
  public let config: RunConfig
  /// The config's name (file name without `.json`), recorded in the result.
  public let configName: String
  public let dataset: PlanetoidDataset
  public let seed: Int
  /// SHA-256 of the config file and of the data files, for provenance.
  public let configSHA256: String
  public let dataSHA256: String
  public let gitCommit: String

  /// Reports (iteration, total iterations, total loss) every `log_every` iterations.
  public var progress: (Int, Int, Float) -> Void = { _, _, _ in }

  public init(
    config: RunConfig, configName: String, dataset: PlanetoidDataset, seed: Int,
    configSHA256: String, dataSHA256: String, gitCommit: String
  ) {
    self.config = config
    self.configName = configName
    self.dataset = dataset
    self.seed = seed
    self.configSHA256 = configSHA256
    self.dataSHA256 = dataSHA256
    self.gitCommit = gitCommit
  }

  /// Runs to completion; writes the training log CSV to `logPath` and the
  /// final checkpoint to `checkpointPath` (neural methods), both atomically.
  public func run(logPath: String, checkpointPath: String) throws -> NodeClusteringResult {
    let clock = ContinuousClock()
    let start = clock.now
    var random = RandomSource(seed: UInt64(seed))
    let scored = dataset.labeledNodes
    let truth = scored.map { dataset.labels[$0]! }

    let predicted: [Int]  // one cluster per node of the graph
    var finalLosses: [String: Float] = [:]
    var iterations = 0
    var checkpointDigest: String?  // baselines have no checkpoint
    if let baseline = config.baseline {
      precondition(baseline.type == "spectral_clustering")
      predicted = try SpectralClustering.cluster(
        adjacency: dataset.adjacency, clusters: dataset.classCount,
        kmeansRestarts: baseline.kmeansRestarts, random: &random)
      try AtomicFile.write(
        "iteration,note\n0,spectral clustering has no training log\n", to: logPath)
    } else {
      let model = try ClusteringModel(
        layers: config.model!, inputFeatures: dataset.features.columns,
        classCount: dataset.classCount, random: &random)
      let inputs = ClusteringModel.Inputs(features: dataset.features, adjacency: dataset.adjacency)
      var adam = config.optimizer.makeAdam()
      var log = ""
      var lossNames: [String] = []
      for iteration in 1...config.iterations {
        let tape = Tape()
        let (s, losses) = try model.forward(inputs, tape: tape)
        let total = try weightedTotal(losses, iteration: iteration)
        if lossNames.isEmpty {
          lossNames = losses.keys.sorted()
          let unknown = config.lossWeights.keys.filter { losses[$0] == nil }.sorted()
          guard unknown.isEmpty else {
            throw TrainingError(
              "loss_weights names \(unknown.joined(separator: ", ")), which this model does not "
                + "compute (its loss terms: \(lossNames.joined(separator: ", ")))")
          }
          log = "iteration,total_loss," + lossNames.joined(separator: ",") + ",nmi_monitor_only\n"
        }
        // Row t describes the model after t updates (t = 0, log_every, 2·log_every, …).
        if (iteration - 1) % config.logEvery == 0 {
          let clusters = s.value.argmaxPerRow()
          let monitor = ClusteringScores(predicted: scored.map { clusters[$0] }, truth: truth)
          log +=
            "\(iteration - 1),\(total.value.scalar),"
            + lossNames.map { "\(losses[$0]!.value.scalar)" }.joined(separator: ",")
            + ",\(monitor.nmi)\n"
          progress(iteration - 1, config.iterations, total.value.scalar)
        }
        let gradients = tape.gradients(of: total)
        for parameter in model.parameters where !(gradients[parameter]?.isFinite ?? true) {
          throw TrainingError(
            "\(dataset.name) \(config.method) seed \(seed): the gradient of \(parameter.name) is not "
              + "finite at iteration \(iteration)")
        }
        adam.update(model.parameters, with: gradients)
        iterations = iteration
      }
      // Evaluate S after the last update.
      let tape = Tape()
      let (s, losses) = try model.forward(inputs, tape: tape)
      let total = try weightedTotal(losses, iteration: iterations)
      finalLosses = losses.mapValues { $0.value.scalar }
      log +=
        "\(iterations),\(total.value.scalar),"
        + lossNames.map { "\(finalLosses[$0]!)" }.joined(separator: ",") + ","
      let clusters = s.value.argmaxPerRow()
      predicted = clusters
      log += "\(ClusteringScores(predicted: scored.map { clusters[$0] }, truth: truth).nmi)\n"
      try AtomicFile.write(log, to: logPath)
      let configJSON = String(decoding: try JSONEncoder.sortedPretty.encode(config), as: UTF8.self)
      checkpointDigest = try Checkpoint(
        parameters: model.parameters, optimizer: adam, iteration: iterations, random: random,
        config: configJSON
      ).write(to: checkpointPath)
    }
    // Nodes without a label (Citeseer's 15) belong to the graph but not to the score.
    let scores = ClusteringScores(predicted: scored.map { predicted[$0] }, truth: truth)
    let elapsed = clock.now - start
    return NodeClusteringResult(
      config: configName, dataset: dataset.name, method: config.method, seed: seed, nmi: scores.nmi,
      completeness: scores.completeness, homogeneity: scores.homogeneity,
      accuracy: scores.accuracy, finalLosses: finalLosses, iterations: iterations,
      seconds: elapsed.seconds,
      threads: Threading.threadCount, configSHA256: configSHA256, gitCommit: gitCommit,
      dataSHA256: dataSHA256, scoredNodes: scored.count,
      unscoredNodes: dataset.nodeCount - scored.count,
      // Baselines (spectral clustering) read only the graph, not the features.
      featureFile: config.baseline == nil ? dataset.featureFile : nil,
      cpuModel: ComputeEnvironment.cpuModel, blasCore: ComputeEnvironment.blasCoreName,
      blasConfig: ComputeEnvironment.blasConfig, checkpointSHA256: checkpointDigest)
  }

  /// Σ_name w_name · L_name, with a clear error if any term is not finite.
  private func weightedTotal(_ losses: [String: Variable], iteration: Int) throws -> Variable {
    var total: Variable?
    for name in losses.keys.sorted() {
      let loss = losses[name]!
      guard loss.value.scalar.isFinite else {
        throw TrainingError(
          "\(dataset.name) \(config.method) seed \(seed): loss term '\(name)' is "
            + "\(loss.value.scalar) at iteration \(iteration)")
      }
      let weight = config.lossWeights[name] ?? 1
      let term = weight == 1 ? loss : loss * weight
      total = total.map { $0 + term } ?? term
    }
    return total!
  }
}

/// Training stopped because something became non-finite or inconsistent.
public struct TrainingError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

extension JSONEncoder {
  /// Sorted keys and indentation: stable, diff-friendly output.
  static var sortedPretty: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return encoder
  }
}
