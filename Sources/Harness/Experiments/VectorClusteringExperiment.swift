import Foundation
import GraphData
import TensorCore

/// The scores of one clustering of some samples.
public struct VectorClusteringScores: Codable, Sendable, Equatable {
  public var samples: Int
  public var accuracy: Double
  public var nmi: Double
  public var geometricNMI: Double
  public var ari: Double

  init(predicted: [Int], truth: [Int]) {
    let table = ContingencyTable(predicted: predicted, truth: truth)
    let scores = ClusteringScores(table)
    samples = predicted.count
    accuracy = scores.accuracy
    nmi = scores.nmi
    geometricNMI = InformationMeasures(table).geometricNormalizedMutualInformation
    ari = table.adjustedRandIndex
  }
}

/// The record of one vector-clustering run: NeuNcut's scores on the samples
/// it trained on and on the unseen rest, or a baseline's on every sample.
public struct VectorClusteringResult: RecordedRun, Equatable {
  public var config: String
  public var dataset: String
  public var method: String
  public var seed: Int
  /// NeuNcut: the training subset; a baseline: every sample.
  public var seen: VectorClusteringScores
  /// NeuNcut: the samples not trained on; a baseline: none.
  public var unseen: VectorClusteringScores?
  public var finalLoss: Double?
  public var seconds: Double
  public var threads: Int
  public var configSHA256: String
  public var gitCommit: String
  public var dataSHA256: String
  public var cpuModel: String
}

/// Runs the `vector_clustering` configs of an experiment over its seeds
/// (resumable, as the other runners), and writes runs.csv and the
/// markdown table: mean ± population std of ACC, NMI (arithmetic and
/// geometric) and ARI, seen and unseen, per config.
public struct VectorClusteringExperiment: ExperimentRunner {
  public let settings: ExperimentSettings
  public init(settings: ExperimentSettings) {
    self.settings = settings
  }

  struct WorkItem: QueueItem {
    let configPath: String
    let config: VectorClusteringConfig
    let configSHA256: String
    let seed: Int
    var configName: String {
      URL(fileURLWithPath: configPath).deletingPathExtension().lastPathComponent
    }
    var runID: String { "\(configName)-seed\(seed)" }
  }

  /// The number of training rows of a dataset with a train/test split of
  /// its own (its first rows).
  static func predefinedTrainCount(of data: VectorDataset) throws -> Int {
    guard let count = data.predefinedTrainCount else {
      throw ConfigError(
        file: data.name, keyPath: "train_split",
        message: "\(data.name) has no train/test split of its own; use train_fraction")
    }
    return count
  }

  /// One run: NeuNcut on a seeded subset with every sample assigned, or a
  /// baseline on every sample. Deterministic for (config, seed, threads).
  static func run(_ config: VectorClusteringConfig, on data: VectorDataset, seed: Int) throws
    -> (seen: VectorClusteringScores, unseen: VectorClusteringScores?, loss: Double?)
  {
    let x = NeuNcutTraining.normalizedRows(data.features)
    var random = RandomSource(seed: UInt64(seed))
    if let baseline = config.baseline {
      // Checked before the clustering, which may take minutes.
      let trainCount = config.usesPredefinedSplit ? try predefinedTrainCount(of: data) : nil
      let labels: [Int]
      if baseline.type == "kmeans" {
        labels =
          KMeans(clusterCount: data.classCount, restarts: baseline.restarts)
          .fit(x, using: &random).labels
      } else {
        let graph = NearestNeighbourGraph.build(
          x, neighbours: baseline.neighbours, sigma: baseline.sigma)
        labels = try SpectralClustering.cluster(
          adjacency: graph, clusters: data.classCount, kmeansRestarts: baseline.restarts,
          random: &random)
      }
      guard let count = trainCount else {
        return (VectorClusteringScores(predicted: labels, truth: data.labels), nil, nil)
      }
      // The same clustering of every sample, scored on each split's rows:
      // how much harder the test split is for a method that saw it all.
      func scores(_ rows: Range<Int>) -> VectorClusteringScores {
        VectorClusteringScores(
          predicted: rows.map { labels[$0] }, truth: rows.map { data.labels[$0] })
      }
      return (scores(0..<count), scores(count..<x.rows), nil)
    }
    let neuncut = config.neuncut!
    let train: [Int]
    let unseen: [Int]
    if config.usesPredefinedSplit {
      let count = try predefinedTrainCount(of: data)
      (train, unseen) = (Array(0..<count), Array(count..<x.rows))
    } else {
      var order = Array(0..<x.rows)
      order.shuffle(using: &random)
      let count = min(x.rows, max(2, Int((Double(x.rows) * config.trainFraction).rounded())))
      (train, unseen) = (Array(order[..<count]).sorted(), Array(order[count...]).sorted())
    }
    let model = NeuNcutModel(
      inputFeatures: x.columns, clusters: data.classCount, hiddenUnits: neuncut.hidden,
      random: &random)
    let losses = NeuNcutTraining.train(
      model, on: x, rows: train, options: neuncut.options, random: &random)
    let predicted = model.clusters(of: x)
    func scores(_ rows: [Int]) -> VectorClusteringScores? {
      rows.isEmpty
        ? nil
        : VectorClusteringScores(
          predicted: rows.map { predicted[$0] }, truth: rows.map { data.labels[$0] })
    }
    return (scores(train)!, scores(unseen), losses.last.map(Double.init))
  }

  @discardableResult
  public func run() throws -> [(runID: String, error: String)] {
    let (spec, scope, log) = (settings.spec, settings.scope, settings.log)
    var items: [WorkItem] = []
    for path in spec.configs {
      let full = settings.resolve(path)
      let config = try VectorClusteringConfig.load(from: full)
      let hash = try SHA256.hexDigest(ofFileAt: full)
      items += spec.seeds.map {
        WorkItem(configPath: path, config: config, configSHA256: hash, seed: $0)
      }
    }
    var datasets: [String: VectorDataset] = [:]
    var skipped: [String: String] = [:]
    for name in Set(items.map(\.config.dataset)).sorted() {
      do {
        datasets[name] = try VectorDataset.load(name, dataDirectory: settings.dataDirectory)
        let d = datasets[name]!
        log("loaded \(name): \(d.features.rows) samples, \(d.features.columns) features")
      } catch DatasetError.fileNotFound(let path, _) {
        skipped[name] = "skipped: \(URL(fileURLWithPath: path).lastPathComponent) not found"
        log(
          "\(name): \(skipped[name]!) in \(settings.dataDirectory) — "
            + "its rows are reported as skipped")
      }
    }
    let loaded = datasets
    let commit = GitInfo.commit(in: settings.rootDirectory)
    let queue = settings.makeQueue(of: WorkItem.self)
    try scope.check(runIDs: items.map(\.runID), experiment: spec.name)
    let pending = items.filter { item in
      settings.selects(configName: item.configName)
        && datasets[item.config.dataset] != nil
        && queue.needsRun(
          item.runID, configSHA256: item.configSHA256, configPath: item.configPath,
          as: VectorClusteringResult.self)
    }
    settings.logPlan(runs: items.count, toRun: pending.count, notRun: "already done or skipped")
    func label(_ item: WorkItem) -> String { "\(item.configName) seed \(item.seed)" }
    // Samples estimate a run's length.
    func estimatedCost(_ item: WorkItem) -> Double {
      Double(loaded[item.config.dataset]?.features.rows ?? 0)
    }
    let failures = try queue.execute(pending, label: label, cost: estimatedCost) { item, _ in
      let data = loaded[item.config.dataset]!
      let clock = ContinuousClock()
      let start = clock.now
      let outcome = try Self.run(item.config, on: data, seed: item.seed)
      let result = VectorClusteringResult(
        config: item.configName, dataset: data.name, method: item.config.method, seed: item.seed,
        seen: outcome.seen, unseen: outcome.unseen, finalLoss: outcome.loss,
        seconds: (clock.now - start).seconds, threads: Threading.threadCount,
        configSHA256: item.configSHA256, gitCommit: commit,
        dataSHA256: SHA256.combinedHexDigest(of: data.fileChecksums),
        cpuModel: ComputeEnvironment.cpuModel)
      let unseenText = outcome.unseen.map { String(format: ", unseen ACC %.3f", $0.accuracy) } ?? ""
      return (
        result,
        String(format: "ACC %.3f", outcome.seen.accuracy) + unseenText + " in "
          + formatDuration(result.seconds)
      )
    }
    // Runs not done because their data is missing (selected, without a record).
    let stored = queue.storedIDs()
    let skippedRuns = items.filter { item in
      datasets[item.config.dataset] == nil && !stored.contains(item.runID)
        && settings.selects(configName: item.configName)
    }.map {
      (runID: $0.runID, error: skipped[$0.config.dataset] ?? "skipped")
    }
    guard scope.writesTables else {
      // A plan reports what it leaves out; a task only its own run.
      if case .single = scope {
        return failures + skippedRuns.filter { scope.executes($0.runID) }
      }
      return failures + skippedRuns
    }
    let results = items.compactMap { item in
      queue.storedRecord(item.runID, as: VectorClusteringResult.self).flatMap {
        $0.configSHA256 == item.configSHA256 ? $0 : nil
      }
    }
    let names = items.reduce(into: [String]()) {
      if !$0.contains($1.configName) { $0.append($1.configName) }
    }
    let configs = Dictionary(items.map { ($0.configName, $0.config) }) { a, _ in a }
    try settings.writeTables(
      runsCSV: Self.runsCSV(results), summaryCSV: nil,
      markdown: Self.markdown(
        spec: spec, names: names, configs: configs, results: results, skipped: skipped),
      runCount: results.count)
    return failures + skippedRuns
  }

  static func runsCSV(_ results: [VectorClusteringResult]) -> String {
    func f(_ s: VectorClusteringScores?) -> String {
      guard let s else { return ",,,," }
      return [
        "\(s.samples)", String(format: "%.6f", s.accuracy), String(format: "%.6f", s.nmi),
        String(format: "%.6f", s.geometricNMI), String(format: "%.6f", s.ari),
      ].joined(separator: ",")
    }
    var out =
      "config,dataset,method,seed,seen_samples,seen_acc,seen_nmi,seen_nmi_geometric,seen_ari,"
      + "unseen_samples,unseen_acc,unseen_nmi,unseen_nmi_geometric,unseen_ari,final_loss,seconds,"
      + "threads,config_sha256,git_commit,data_sha256,cpu_model\n"
    for r in results {
      out +=
        [
          r.config, r.dataset, TableText.csvField(r.method), "\(r.seed)", f(r.seen), f(r.unseen),
          r.finalLoss.map { String(format: "%.6f", $0) } ?? "", String(format: "%.1f", r.seconds),
          "\(r.threads)", r.configSHA256, r.gitCommit, r.dataSHA256, TableText.csvField(r.cpuModel),
        ].joined(separator: ",") + "\n"
    }
    return out
  }

  static func markdown(
    spec: ExperimentSpec, names: [String], configs: [String: VectorClusteringConfig],
    results: [VectorClusteringResult], skipped: [String: String]
  ) -> String {
    var out = "# \(spec.title)\n\n" + (spec.note.map { "\($0)\n\n" } ?? "")
    out +=
      "Mean ± population std over the runs done (seeds \(spec.seeds.map(String.init).joined(separator: ", "))); "
      + "`seen`: the samples NeuNcut trained on (a baseline: every sample); `unseen`: the rest, "
      + "assigned by one forward pass. A baseline with `train_split: predefined` clusters every "
      + "sample once and scores the training split's rows as `seen` and the test split's as "
      + "`unseen`: the gap a method that saw every sample shows between the two splits. "
      + "ACC after Hungarian matching (per column), NMI arithmetic (geometric), "
      + "ARI. Every run is in `runs.csv`; no published numbers are available offline.\n\n"
      + "| dataset | method | runs | seen ACC | seen NMI (geo) | seen ARI | unseen ACC | "
      + "unseen NMI (geo) | unseen ARI |\n|---|---|---|---|---|---|---|---|---|\n"
    func cell(_ values: [Double]) -> String {
      guard !values.isEmpty else { return "–" }
      let (mean, std) = ResultTables.meanStd(values)
      return String(format: "%.3f ± %.3f", mean, std)
    }
    for name in names {
      let config = configs[name]!
      if let reason = skipped[config.dataset] {
        out +=
          "| \(config.dataset) | \(TableText.markdownCell(config.method)) | 0/\(spec.seeds.count) | \(reason) |||||||\n"
        continue
      }
      let runs = results.filter { $0.config == name }
      let seen = runs.map(\.seen)
      let unseen = runs.compactMap(\.unseen)
      out +=
        "| \(config.dataset) | \(TableText.markdownCell(config.method)) | \(runs.count)/\(spec.seeds.count) | "
        + "\(cell(seen.map(\.accuracy))) | \(cell(seen.map(\.nmi))) (\(cell(seen.map(\.geometricNMI)))) | "
        + "\(cell(seen.map(\.ari))) | \(cell(unseen.map(\.accuracy))) | "
        + "\(cell(unseen.map(\.nmi))) (\(cell(unseen.map(\.geometricNMI)))) | \(cell(unseen.map(\.ari))) |\n"
    }
    return out
  }
}
