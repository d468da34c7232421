import ArgumentParser
import Foundation
import GraphData
import Harness
import Pooling
import TensorCore

/// `gpool bench-classification`: seconds per training epoch of the Table 2
/// models on a graph-classification dataset, and the peak memory.
struct ClassificationBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench-classification",
    abstract: "Time training epochs of a Table 2 model on a dataset (use a release build).",
    discussion: """
      Loads the dataset from the data directory, builds its node features
      as the protocol does (TU and GIN datasets: the paper's surrogate
      features; Bench: the one-hot colours alone), and trains the paper's architecture
      (METHODS §6: GCS 32 relu – pool k = ⌈avg N/2⌉ – GCS 32 – pool
      ⌈avg N/4⌉ – GCS 32 – mean readout – dense softmax; L2 1e-4; Adam
      5e-4) with the chosen pooler on 90% of the graphs (seeded order),
      validating on the rest after each epoch, for --epochs epochs. Prints
      each epoch's seconds (training and validation), the median, the
      peak RSS and the projected time of one Table 2 cell (10 folds of at
      most 500 epochs). Precomputed poolers (Graclus, NDP) first coarsen
      every graph, timed apart from the epochs, as a run does before
      training.
      """)

  @OptionGroup var threadOptions: ThreadOptions
  @OptionGroup var data: DataDirectoryOption
  @Option(help: "Dataset name (gpool datasets lists them).") var dataset = "PROTEINS"
  @Option(help: "Pooler: mincut, diffpool, none (No-pool) or dense (Dense).") var pooler = "mincut"
  @Option(
    help:
      "A graph-classification config (e.g. Configs/table2/proteins-topk.json) whose model, dataset, features and batch size are timed instead of --dataset/--pooler/--batch-size."
  )
  var config: String?
  @Option(help: "Graphs per batch (1…1024).") var batchSize = 8
  @Option(help: "Epochs to time (1…1000).") var epochs = 3
  @Option(help: "Seed of the graph order and the weights.") var seed: UInt64 = 0

  func validate() throws {
    guard config == nil else {
      guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be in 1…1000") }
      return
    }
    guard GraphDatasetCatalog.entry(named: dataset) != nil else {
      throw ValidationError(
        "unknown dataset '\(dataset)'; known: "
          + GraphDatasetCatalog.entries.map(\.name).joined(separator: ", "))
    }
    guard ["mincut", "diffpool", "none", "dense"].contains(pooler) else {
      throw ValidationError("--pooler must be mincut, diffpool, none or dense, got '\(pooler)'")
    }
    guard (1...1024).contains(batchSize), (1...1000).contains(epochs) else {
      throw ValidationError("--batch-size must be in 1…1024 and --epochs in 1…1000")
    }
  }

  /// The layer list of METHODS §6 for each method.
  static func layers(pooler: String) -> String {
    let gcs = #"{"type": "gcs", "units": 32, "activation": "relu", "l2": 1e-4}"#
    func pool(_ ratio: String) -> String {
      switch pooler {
      case "mincut":
        #"{"type": "mincut", "k_ratio": \#(ratio), "mlp_hidden": [16], "l2": 1e-4}"#
      default:
        #"{"type": "diffpool", "k_ratio": \#(ratio), "channels": 32, "activation": "relu", "l2": 1e-4}"#
      }
    }
    let head = #"{"type": "readout", "mode": "mean"}, {"type": "dense"}"#
    switch pooler {
    case "none": return "[\(gcs), \(gcs), \(gcs), \(head)]"
    case "dense":
      let dense = #"{"type": "dense", "units": 32, "activation": "relu", "l2": 1e-4}"#
      return "[\(dense), \(dense), \(dense), \(head)]"
    default: return "[\(gcs), \(pool("0.5")), \(gcs), \(pool("0.25")), \(gcs), \(head)]"
    }
  }

  func run() throws {
    MemoryPolicy.reuseFreedMemory()
    Threading.setThreadCount(
      threadOptions.threads ?? Threading.fromEnvironment(ProcessInfo.processInfo.environment) ?? 1)
    let clock = ContinuousClock()
    let loadStart = clock.now
    let runConfig = try config.map { try RunConfig.load(from: $0) }
    if let runConfig, runConfig.task != .graphClassification {
      throw ValidationError("\(config!): expected a graph_classification config")
    }
    let dataset = runConfig?.dataset.name ?? self.dataset
    let batchSize = runConfig?.training.batchSize ?? self.batchSize
    let entry = GraphDatasetCatalog.entry(named: dataset)!
    let raw = try GraphDatasetCatalog.load(entry, dataDirectory: data.resolved)
    let featured = try SurrogateFeatures.build(
      dataset: raw, options: runConfig?.dataset.resolvedFeatures ?? entry.defaultFeatures)
    print(
      "\(dataset): \(featured.graphs.count) graphs, \(featured.featureCount) features, "
        + String(
          format: "avg %.1f nodes; loaded and featured in %.2f s", raw.averageNodeCount,
          (clock.now - loadStart).seconds))
    var random = RandomSource(seed: seed)
    var order = Array(featured.graphs.indices)
    for i in stride(from: order.count - 1, to: 0, by: -1) {
      order.swapAt(i, Int(random.next() % UInt64(i + 1)))
    }
    let trainCount = order.count * 9 / 10
    let train = Array(order[..<trainCount])
    let validation = Array(order[trainCount...])
    let averageNodes =
      Double(train.map { featured.graphs[$0].nodeCount }.reduce(0, +)) / Double(train.count)
    let specs =
      try runConfig?.model
      ?? JSONDecoder().decode([LayerSpec].self, from: Data(Self.layers(pooler: pooler).utf8))
    let model = try GraphClassifier(
      layers: specs, inputFeatures: featured.featureCount, classCount: featured.classCount,
      averageNodes: averageNodes,
      maximumNodes: featured.graphs.map(\.nodeCount).max(), random: &random)
    print(
      "model: \(config ?? pooler), K per level \(model.clusterCounts), batch \(batchSize), "
        + "\(Threading.threadCount) thread(s)")
    // As a run does: precomputed coarsenings before training, not timed
    // as part of an epoch (and not cached, so the time is the full one).
    if let coarsening = try model.precomputeCoarsenings(
      of: featured.graphs.map(\.adjacency), dataChecksum: "", cache: nil)
    {
      print(
        String(
          format: "coarsened every graph before training in %.2f s (nodes per level %@)",
          coarsening.seconds,
          coarsening.nodesPerLevel.map(String.init).joined(separator: " → ")))
    }
    var options = GraphClassificationTraining.Options()
    options.batchSize = batchSize
    options.maximumEpochs = epochs
    options.patience = epochs + 1
    var seconds: [Double] = []
    var last = clock.now
    _ = try GraphClassificationTraining.train(
      model, on: featured,
      split: GraphSplit(train: train, validation: validation, test: validation), options: options,
      random: &random
    ) { epoch, loss in
      let now = clock.now
      seconds.append((now - last).seconds)
      last = now
      print(
        String(
          format: "epoch %d: %.3f s (validation loss %.4f)", epoch, seconds.last!, loss))
    }
    let sorted = seconds.sorted()
    let median = sorted[sorted.count / 2]
    print(
      String(
        format:
          "median epoch %.3f s (%d training graphs); peak RSS %d MiB; a Table 2 cell "
          + "(10 folds × ≤ 500 epochs) would take at most %.1f h",
        median, train.count, ComputeEnvironment.peakResidentBytes >> 20,
        median * 5000 / 3600))
  }
}
