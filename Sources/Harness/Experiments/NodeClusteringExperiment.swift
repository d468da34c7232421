import Dispatch
import Foundation
import GraphData
import Synchronization
import TensorCore

/// Runs a node-clustering experiment (e.g. Table 1): every (config, seed),
/// resumably, then writes the result tables.
///
/// Output under `outputDirectory`:
/// - `runs/<run-id>.json`: one finished run (written atomically; its presence
///   means the run is done and is skipped on the next invocation unless `force`);
/// - `logs/<run-id>.csv`: per-iteration losses (NMI for monitoring only);
/// - `checkpoints/<run-id>.h5`: final parameters and optimiser state;
/// - `runs.csv`, `summary.csv`, `<name>.md`: the tables.
public struct NodeClusteringExperiment: ExperimentRunner {
  public let settings: ExperimentSettings
  /// The memory one run may use (`MemoryEstimate.budget(jobs:)`: 80% of the
  /// machine's memory shared by the parallel runs); a config whose estimate
  /// exceeds it is refused before any output.
  public var memoryBudgetBytes: Int

  public init(settings: ExperimentSettings) {
    self.settings = settings
    memoryBudgetBytes = MemoryEstimate.budget(jobs: settings.jobs)
  }

  struct WorkItem: QueueItem {
    let configPath: String
    let config: RunConfig
    let configSHA256: String
    let seed: Int
    /// The config file's name without `.json` (unique within an experiment).
    var configName: String {
      URL(fileURLWithPath: configPath).deletingPathExtension().lastPathComponent
    }
    var runID: String { "\(configName)-seed\(seed)" }
  }

  /// Runs what is missing and rewrites the tables. Returns the runs that
  /// could not be done (run id and reason): failures, and runs skipped
  /// because their dataset's files are missing; finished runs are kept.
  @discardableResult
  public func run() throws -> [(runID: String, error: String)] {
    let (spec, scope, log) = (settings.spec, settings.scope, settings.log)
    let paper =
      try spec.paperNumbers.map { try PaperNumber.load(from: settings.resolve($0)) } ?? []
    var items: [WorkItem] = []
    var names: [String: String] = [:]
    for path in spec.configs {
      // Runs are named after their config file, so names must not repeat.
      let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
      if let other = names.updateValue(path, forKey: name) {
        throw ConfigError(
          file: "Experiments/\(spec.name)/experiment.json", keyPath: "configs",
          message: "\(other) and \(path) have the same file name '\(name)'; runs are named "
            + "after their config file, so rename one")
      }
      let full = settings.resolve(path)
      let config = try RunConfig.load(from: full)
      let hash = try SHA256.hexDigest(ofFileAt: full)
      items += spec.seeds.map {
        WorkItem(configPath: path, config: config, configSHA256: hash, seed: $0)
      }
    }

    // Load each dataset once; a missing file skips that dataset's rows.
    var datasets: [String: PlanetoidDataset] = [:]
    var skipped: [String: String] = [:]
    for key in Set(items.map { DatasetKey($0.config.dataset) }).sorted(by: { $0.name < $1.name }) {
      do {
        datasets[key.id] = try PlanetoidLoader.load(
          name: key.name, directory: "\(settings.dataDirectory)/planetoid/\(key.name)",
          removeSelfLoops: key.removeSelfLoops)
        let d = datasets[key.id]!
        log(
          "loaded \(key.name): \(d.nodeCount) nodes, \(d.adjacency.nonzeroCount / 2) edges, "
            + "\(d.features.columns) features, \(d.classCount) classes"
            + (d.featureNote.map { "; \($0)" } ?? "")
            + (d.labeledNodes.count < d.nodeCount
              ? " (\(d.nodeCount - d.labeledNodes.count) nodes without a label are excluded from metrics)"
              : ""))
      } catch DatasetError.fileNotFound(let path, let alsoMissing) {
        let names = ([path] + alsoMissing).map { URL(fileURLWithPath: $0).lastPathComponent }
        skipped[key.name] = "skipped: \(names.joined(separator: ", ")) not found"
        log(
          "\(key.name): \(skipped[key.name]!) in \(settings.dataDirectory) — "
            + "its rows are reported as skipped")
      }
    }

    // Sizes against the data, before anything is written: K ≤ number of nodes.
    for item in items {
      guard let dataset = datasets[DatasetKey(item.config.dataset).id] else { continue }
      for (index, layer) in (item.config.model ?? []).enumerated() {
        let k = layer.pooling?.fixedClusterCount
        if let k, k > dataset.nodeCount {
          throw ConfigError(
            file: item.configPath, keyPath: "model[\(index)].k",
            message: "\(k) clusters for the \(dataset.nodeCount) nodes of \(dataset.name); "
              + "K must be at most the number of nodes")
        }
      }
      // And against the memory a run may use.
      guard let layers = item.config.model else { continue }
      let estimate = MemoryEstimate.nodeClustering(
        layers: layers, nodes: dataset.nodeCount, inputFeatures: dataset.features.columns,
        featureNonzeros: dataset.features.nonzeroCount,
        adjacencyNonzeros: dataset.adjacency.nonzeroCount, classCount: dataset.classCount)
      if estimate.bytes > memoryBudgetBytes {
        throw ConfigError(
          file: item.configPath, keyPath: estimate.largestKey,
          message: "\(estimate.largestValue) makes a run on \(dataset.name) "
            + "(\(dataset.nodeCount) nodes) need an estimated "
            + "\(MemoryEstimate.text(estimate.bytes)), more than the "
            + "\(MemoryEstimate.text(memoryBudgetBytes)) each of \(settings.jobs) parallel "
            + "run(s) may use (80% of this machine's memory); lower it, or run fewer --jobs")
      }
    }
    let loaded = datasets
    let commit = GitInfo.commit(in: settings.rootDirectory)
    let queue = settings.makeQueue(of: WorkItem.self)
    try scope.check(runIDs: items.map(\.runID), experiment: spec.name)
    let pending = items.filter { item in
      settings.selects(configName: item.configName)
        && datasets[DatasetKey(item.config.dataset).id] != nil
        && queue.needsRun(
          item.runID, configSHA256: item.configSHA256, configPath: item.configPath,
          as: NodeClusteringResult.self)
    }
    // Nodes × iterations estimates a run's length.
    func estimatedCost(_ item: WorkItem) -> Double {
      let nodes = loaded[DatasetKey(item.config.dataset).id]?.nodeCount ?? 0
      return Double(nodes * (item.config.model == nil ? 1 : item.config.iterations))
    }
    settings.logPlan(runs: items.count, toRun: pending.count, notRun: "already done or skipped")
    func label(_ item: WorkItem) -> String { "\(item.configName) seed \(item.seed)" }
    let failures = try queue.execute(pending, label: label, cost: estimatedCost) {
      item, progress in
      var run = NodeClusteringRun(
        config: item.config, configName: item.configName,
        dataset: loaded[DatasetKey(item.config.dataset).id]!, seed: item.seed,
        configSHA256: item.configSHA256,
        dataSHA256: loaded[DatasetKey(item.config.dataset).id]!.combinedChecksum,
        gitCommit: commit)
      run.progress = { iteration, total, _ in progress(iteration, total) }
      let result = try run.run(
        logPath: "\(settings.outputDirectory)/logs/\(item.runID).csv",
        checkpointPath: "\(settings.outputDirectory)/checkpoints/\(item.runID).h5")
      return (
        result,
        "NMI \(String(format: "%.3f", result.nmi)), "
          + "CS \(String(format: "%.3f", result.completeness)), "
          + "ACC \(String(format: "%.3f", result.accuracy)) in \(formatDuration(result.seconds))"
      )
    }

    // A run that could not be done (its data is missing) is reported like a
    // failed one, so the caller's exit status tells.
    // Runs not done because their data is missing (selected, without a record).
    let stored = queue.storedIDs()
    let skippedRuns = items.filter { item in
      datasets[DatasetKey(item.config.dataset).id] == nil && !stored.contains(item.runID)
        && settings.selects(configName: item.configName)
    }.map {
      (runID: $0.runID, error: skipped[$0.config.dataset.name] ?? "skipped: data not loaded")
    }
    guard scope.writesTables else {
      // A plan reports what it leaves out; a task only its own run.
      if case .single = scope {
        return failures + skippedRuns.filter { scope.executes($0.runID) }
      }
      return failures + skippedRuns
    }
    let results = items.compactMap { item in
      queue.storedRecord(item.runID, as: NodeClusteringResult.self).flatMap {
        $0.configSHA256 == item.configSHA256 ? $0 : nil
      }
    }
    let tables = ResultTables(
      spec: spec, configs: items.map { ($0.configName, $0.config) }, results: results,
      paper: paper, skipped: skipped)
    try settings.writeTables(
      runsCSV: tables.runsCSV(), summaryCSV: tables.summaryCSV(), markdown: tables.markdown(),
      runCount: results.count)
    return failures + skippedRuns
  }
}

/// Datasets are loaded once per (name, self-loop option).
private struct DatasetKey: Hashable {
  let name: String
  let removeSelfLoops: Bool
  init(_ spec: DatasetSpec) {
    name = spec.name
    removeSelfLoops = spec.removeSelfLoops
  }
  var id: String { "\(name)|\(removeSelfLoops)" }
}

extension PlanetoidDataset {
  /// SHA-256 over the sorted "file:sha256" lines of every file read.
  var combinedChecksum: String {
    SHA256.combinedHexDigest(of: fileChecksums)
  }
}

func formatDuration(_ s: Double) -> String {
  guard s.isFinite else { return "?" }
  let total = Int(s.rounded())
  return total >= 60
    ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : String(format: "%.1fs", s)
}

/// The commit that produced a result.
enum GitInfo {
  /// `git rev-parse --short HEAD`, with "-dirty" when the code that
  /// computes results (`Sources/`, `Package.swift`) has uncommitted
  /// changes; or "unknown". Uncommitted results, docs or configs do not
  /// count: runs in the background keep results files modified, and a
  /// record holds its config's SHA-256.
  static func commit(in directory: String) -> String {
    guard let head = git(["rev-parse", "--short=12", "HEAD"], in: directory) else {
      return "unknown"
    }
    return sourcesAreCommitted(in: directory) ? head : head + "-dirty"
  }

  /// Whether `Sources/` and `Package.swift` equal HEAD's (no modified,
  /// deleted or untracked file there).
  private static func sourcesAreCommitted(in directory: String) -> Bool {
    git(
      ["status", "--porcelain", "--untracked-files=all", "--", "Sources", "Package.swift"],
      in: directory)?.isEmpty ?? false
  }

  /// The version of the code that computes results: the git object ids of
  /// `Sources/` and `Package.swift` at HEAD, when neither has uncommitted
  /// changes; nil otherwise (or outside git). Unlike the commit it stays
  /// the same across commits of results and docs, so a saved training
  /// state can be resumed after them (`TrainingState.Owner`).
  static func codeVersion(in directory: String) -> String? {
    guard
      let sources = git(["rev-parse", "HEAD:Sources"], in: directory),
      let manifest = git(["rev-parse", "HEAD:Package.swift"], in: directory),
      sourcesAreCommitted(in: directory)
    else { return nil }
    return "\(sources)+\(manifest)"
  }

  private static func git(_ arguments: [String], in directory: String) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", directory] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
