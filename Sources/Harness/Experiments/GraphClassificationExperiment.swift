import Foundation
import GraphData
import TensorCore

/// A graph-classification experiment (Table 2): every (config, split, seed)
/// run through the shared `RunQueue` (resume, parallel jobs, progress), and
/// its tables beside the published accuracies. Splits come from each
/// config's `split` (default: stratified 10-fold cross-validation with 10%
/// of each training fold for validation, seed 0), model seeds from the
/// config's `seeds` or else the experiment's.
public struct GraphClassificationExperiment: ExperimentRunner {
  public let settings: ExperimentSettings
  public init(settings: ExperimentSettings) {
    self.settings = settings
  }

  struct WorkItem: QueueItem {
    let configPath: String
    let config: RunConfig
    let configSHA256: String
    let splitIndex: Int
    let split: GraphSplit
    let seed: Int
    var configName: String { GraphClassificationExperiment.configName(of: configPath) }
    var runID: String {
      GraphClassificationRun.runID(configName: configName, splitIndex: splitIndex, seed: seed)
    }
  }

  /// A dataset with one choice of node features.
  struct DatasetKey: Hashable, Sendable {
    let name: String
    let features: SurrogateFeatureOptions

    /// The dataset and feature options `spec` resolves to.
    init(_ spec: DatasetSpec) {
      name = spec.name
      features = spec.resolvedFeatures
    }
  }

  /// A loaded dataset with its surrogate features and data checksum.
  struct LoadedDataset: Sendable {
    let featured: FeaturedDataset
    let raw: GraphClassificationDataset
    let checksum: String
  }

  /// Runs what is missing and rewrites the tables; returns the runs that
  /// could not be done (failures, and runs whose dataset is missing).
  @discardableResult
  public func run() throws -> [(runID: String, error: String)] {
    let (spec, scope, log) = (settings.spec, settings.scope, settings.log)
    let paper =
      try spec.paperNumbers.map {
        try ClassificationPaperNumber.load(from: settings.resolve($0))
      } ?? []
    var configs: [(path: String, config: RunConfig, hash: String)] = []
    for path in spec.configs {
      let full = settings.resolve(path)
      let config = try RunConfig.load(from: full)
      guard config.task == .graphClassification else {
        throw ConfigError(
          file: full, keyPath: "task", message: "expected graph_classification in this experiment")
      }
      configs.append((path, config, try SHA256.hexDigest(ofFileAt: full)))
    }

    // Load and feature each dataset once; a missing file skips its rows.
    var datasets: [DatasetKey: LoadedDataset] = [:]
    var skipped: [String: String] = [:]
    func selected(_ path: String) -> Bool {
      settings.selects(configName: Self.configName(of: path))
    }
    // One load per dataset, one feature build per (dataset, feature options).
    var raws: [String: GraphClassificationDataset] = [:]
    for datasetSpec in configs.filter({ selected($0.path) }).map(\.config.dataset)
    where datasets[DatasetKey(datasetSpec)] == nil && skipped[datasetSpec.name] == nil {
      let name = datasetSpec.name
      let clock = ContinuousClock()
      let start = clock.now
      do {
        if raws[name] == nil {
          raws[name] = try GraphDatasetCatalog.load(
            GraphDatasetCatalog.entry(named: name)!, dataDirectory: settings.dataDirectory)
        }
        let raw = raws[name]!
        let featured = try SurrogateFeatures.build(
          dataset: raw, options: datasetSpec.resolvedFeatures)
        let checksum = SHA256.combinedHexDigest(of: raw.fileChecksums)
        datasets[DatasetKey(datasetSpec)] = LoadedDataset(
          featured: featured, raw: raw, checksum: checksum)
        log(
          "loaded \(name): \(raw.graphs.count) graphs, \(featured.featureCount) features, "
            + String(
              format: "avg %.1f nodes, in %.1f s", raw.averageNodeCount,
              (clock.now - start).seconds))
      } catch let error as DatasetError {
        skipped[name] = "skipped: \(error)"
        log("\(name): \(skipped[name]!) — its rows are reported as skipped")
      }
    }

    var items: [WorkItem] = []
    var names: [String: String] = [:]
    for (path, config, hash) in configs {
      let name = Self.configName(of: path)
      if let other = names.updateValue(path, forKey: name) {
        throw ConfigError(
          file: "Experiments/\(spec.name)/experiment.json", keyPath: "configs",
          message: "\(other) and \(path) have the same file name '\(name)'")
      }
      guard selected(path), let loaded = datasets[DatasetKey(config.dataset)] else { continue }
      let splits: [GraphSplit]
      do {
        splits = try DatasetSplits.make(config.split, for: loaded.raw)
      } catch {
        throw ConfigError(file: settings.resolve(path), keyPath: "split", message: "\(error)")
      }
      for (index, split) in splits.enumerated() {
        for seed in config.seeds ?? spec.seeds {
          items.append(
            WorkItem(
              configPath: path, config: config, configSHA256: hash, splitIndex: index,
              split: split, seed: seed))
        }
      }
    }

    let commit = GitInfo.commit(in: settings.rootDirectory)
    let codeVersion = GitInfo.codeVersion(in: settings.rootDirectory)
    let queue = settings.makeQueue(of: WorkItem.self)
    if case .single(let id) = scope,
      // The run's own config: the longest name the id starts with (an
      // overlapping name selected along with it does not count).
      let own = configs.map({ (Self.configName(of: $0.path), $0.config) })
        .filter({ id.hasPrefix($0.0 + "-split") }).max(by: { $0.0.count < $1.0.count }),
      let reason = skipped[own.1.dataset.name]
    {
      return [(runID: id, error: reason)]  // its config's dataset could not be loaded
    }
    try scope.check(runIDs: items.map(\.runID), experiment: spec.name)
    let pending = items.filter {
      queue.needsRun(
        $0.runID, configSHA256: $0.configSHA256, configPath: $0.configPath,
        as: GraphClassificationResult.self)
    }
    settings.logPlan(runs: items.count, toRun: pending.count)
    // Training states (`partial/<run-id>.json`, see GraphClassificationRun):
    // a finished run's is stale; --force discards the pending runs' too,
    // except in a Slurm task (a requeued task of a forced submission must
    // resume its own).
    @Sendable func statePath(_ id: String) -> String {
      "\(settings.outputDirectory)/partial/\(id).json"
    }
    func removeStates(of ids: [String]) {
      for id in ids { try? FileManager.default.removeItem(atPath: statePath(id)) }
    }
    let pendingIDs = Set(pending.map(\.runID))
    removeStates(of: items.map(\.runID).filter { !pendingIDs.contains($0) })
    if settings.force, !scope.isSingleTask { removeStates(of: Array(pendingIDs)) }
    let loaded = datasets
    // The WL kernel of each dataset a wl_svm config uses, once (it needs no
    // labels and no split).
    var kernels: [String: [Double]] = [:]
    for item in pending where scope.executes(item.runID) {
      guard let baseline = item.config.baseline, baseline.type == "wl_svm" else { continue }
      let key = "\(item.config.dataset.name)/\(baseline.wlIterations)"
      guard kernels[key] == nil, let raw = datasets[DatasetKey(item.config.dataset)]?.raw else {
        continue
      }
      let clock = ContinuousClock()
      let start = clock.now
      kernels[key] = WeisfeilerLehman.kernel(of: raw, iterations: baseline.wlIterations)
      log(
        String(
          format: "WL kernel of %@ (h = %d, %d graphs): %.1f s", item.config.dataset.name,
          baseline.wlIterations, raw.graphs.count, (clock.now - start).seconds))
    }
    let wlKernels = kernels
    // Training nodes × maximum epochs estimates a run's length (an upper
    // bound: training stops early on validation loss).
    func estimatedCost(_ item: WorkItem) -> Double {
      let graphs = loaded[DatasetKey(item.config.dataset)]!.featured.graphs
      let nodes = item.split.train.reduce(0) { $0 + graphs[$1].nodeCount }
      return Double(nodes) * Double(item.config.training.maxEpochs)
    }
    func label(_ item: WorkItem) -> String {
      "\(item.configName) split \(item.splitIndex) seed \(item.seed)"
    }
    let failures = try queue.execute(
      pending, label: label, cost: estimatedCost,
      // Trained models stop early; the WL kernel baseline goes through all its C values.
      runsMayStopEarly: pending.contains { $0.config.baseline == nil }
    ) { item, progress in
      let data = loaded[DatasetKey(item.config.dataset)]!
      var run = GraphClassificationRun(
        config: item.config, configName: item.configName, dataset: data.featured,
        split: item.split, splitIndex: item.splitIndex, seed: item.seed,
        configSHA256: item.configSHA256, dataSHA256: data.checksum, gitCommit: commit)
      run.progress = progress.report
      run.resumedProgress = progress.resumed
      run.logPath = "\(settings.outputDirectory)/logs/\(item.runID).csv"
      run.statePath = statePath(item.runID)
      run.codeVersion = codeVersion
      run.coarseningCache = CoarseningCache(
        directory: "\(settings.dataDirectory)/cache/coarsenings")
      run.log = { line in log("\(item.configName) split \(item.splitIndex): \(line)") }
      if let baseline = item.config.baseline {
        run.kernel = wlKernels["\(item.config.dataset.name)/\(baseline.wlIterations)"]
      }
      let result = try run.run()
      let how =
        item.config.baseline.map {
          "C = \($0.cValues[result.bestEpoch]) chosen on validation"
        } ?? "best epoch \(result.bestEpoch) of \(result.epochs)"
      return (
        result,
        String(
          format: "accuracy %.3f (%@) in %@", result.testAccuracy, how,
          formatDuration(result.seconds))
      )
    }

    // The runs just finished: their records are written.
    removeStates(
      of: pending.filter {
        queue.storedRecord($0.runID, as: GraphClassificationResult.self)?.configSHA256
          == $0.configSHA256
      }.map(\.runID))

    let skippedRuns = configs.filter {
      selected($0.path) && datasets[DatasetKey($0.config.dataset)] == nil
    }.map {
      (runID: Self.configName(of: $0.path), error: skipped[$0.config.dataset.name] ?? "skipped")
    }
    guard scope.writesTables else {
      // A plan reports what it leaves out; a task's own dataset is its failure.
      return failures + skippedRuns
    }
    // Runs planned per config, also for configs not selected or not loaded.
    var expected: [String: Int] = [:]
    for (path, config, _) in configs {
      let splits: Int
      switch config.split {
      case .stratifiedKFold(let folds, _, _): splits = folds
      case .randomStratified(let count, _, _, _): splits = count
      case .predefined: splits = raws[config.dataset.name]?.predefinedSplits.count ?? 1
      }
      expected[Self.configName(of: path)] = splits * (config.seeds ?? spec.seeds).count
    }
    // Every stored run of a listed config with its current content, also
    // of configs not selected this time (so `--only` never hides results).
    let hashes = Dictionary(configs.map { (Self.configName(of: $0.path), $0.hash) }) { a, _ in a }
    let results = queue.storedIDs().sorted().compactMap { id in
      queue.storedRecord(id, as: GraphClassificationResult.self).flatMap {
        hashes[$0.config] == $0.configSHA256 ? $0 : nil
      }
    }
    let epochSecondsPath = spec.epochSeconds.map(settings.resolve)
    let epochSeconds = try epochSecondsPath.map(EpochSeconds.load(from:)) ?? [:]
    var tables = ClassificationTables(
      spec: spec, configs: configs.map { (Self.configName(of: $0.path), $0.config) },
      results: results, expectedRuns: expected, paper: paper, skipped: skipped,
      epochSeconds: epochSeconds)
    tables.epochLowerBounds = epochSecondsPath.map(EpochSeconds.lowerBounds(from:)) ?? []
    try settings.writeTables(
      runsCSV: tables.runsCSV(), summaryCSV: tables.summaryCSV(), markdown: tables.markdown(),
      runCount: results.count)
    return failures + skippedRuns
  }

  /// A config's name in run ids and tables: its file name without `.json`.
  static func configName(of path: String) -> String {
    URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
  }
}

/// One published Table 2 cell: accuracy mean and std in percent.
public struct ClassificationPaperNumber: Sendable, Equatable {
  public var dataset: String
  public var method: String
  public var mean: Double
  public var std: Double?

  /// Reads `dataset,method,acc_mean,acc_std` (std may be empty).
  public static func load(from path: String) throws -> [ClassificationPaperNumber] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ConfigError(file: path, keyPath: "", message: "cannot read the published numbers")
    }
    var numbers: [ClassificationPaperNumber] = []
    for (index, line) in text.split(separator: "\n").enumerated().dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == 4, let mean = Double(fields[2]) else {
        throw ConfigError(
          file: path, keyPath: "",
          message: "line \(index + 1): expected dataset,method,acc_mean,acc_std")
      }
      numbers.append(
        ClassificationPaperNumber(
          dataset: fields[0], method: fields[1], mean: mean, std: Double(fields[3])))
    }
    return numbers
  }
}

/// Measured seconds per training epoch of each (dataset, method), read from
/// a CSV `dataset,method,epoch_seconds[,…]` (extra columns, e.g. how it was
/// measured, are ignored).
enum EpochSeconds {
  static func load(from path: String) throws -> [String: Double] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ConfigError(file: path, keyPath: "", message: "cannot read the epoch times")
    }
    var seconds: [String: Double] = [:]
    for (index, line) in text.split(separator: "\n").enumerated().dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard fields.count >= 3, let value = Double(fields[2]), value > 0 else {
        throw ConfigError(
          file: path, keyPath: "",
          message: "line \(index + 1): expected dataset,method,epoch_seconds (a positive number)")
      }
      seconds[key(fields[0], fields[1])] = value
    }
    return seconds
  }

  /// The keys of rows whose `measured` text starts with "LOWER BOUND" (an
  /// epoch that did not finish within the measurement's time limit): their
  /// projections are lower bounds.
  static func lowerBounds(from path: String) -> Set<String> {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    var keys = Set<String>()
    for line in text.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: ",", maxSplits: 4, omittingEmptySubsequences: false)
      if fields.count == 5, fields[4].hasPrefix("\"LOWER BOUND") {
        keys.insert(key(String(fields[0]), String(fields[1])))
      }
    }
    return keys
  }

  static func key(_ dataset: String, _ method: String) -> String { "\(dataset)/\(method)" }
}
