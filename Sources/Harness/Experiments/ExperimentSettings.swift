import Foundation
import TensorCore

/// What every experiment runner is given: the experiment, where it reads
/// and writes, how its runs execute, and how progress is shown.
public struct ExperimentSettings: Sendable {
  public let spec: ExperimentSpec
  /// Repository root: the relative paths of `spec` (configs, published
  /// numbers, epoch times, reused run directories) are relative to it.
  public let rootDirectory: String
  public let dataDirectory: String
  /// Where `runs/`, `logs/` and the tables are written.
  public let outputDirectory: String
  /// Runs executed at the same time (each single-threaded when > 1).
  public let jobs: Int
  /// Recompute runs whose results already exist.
  public let force: Bool
  /// How progress is shown while runs compute (see `ExperimentProgress`).
  public let progressStyle: ExperimentProgress.Style
  /// Prints one line (no trailing newline) for messages outside the run loop.
  public let log: @Sendable (String) -> Void
  /// Writes raw text (the progress display), e.g. to standard error.
  public let write: @Sendable (String) -> Void
  /// When set, only configs whose file name contains one of these strings
  /// are run (the graph-classification runner also loads only their
  /// datasets); the tables still list every cell, with its runs done.
  public let only: [String]?
  /// Which pending runs are executed and whether the tables are written
  /// (`init`'s default: `.all`, which writes the tables).
  public let scope: RunScope

  public init(
    spec: ExperimentSpec, rootDirectory: String, dataDirectory: String, outputDirectory: String,
    jobs: Int, force: Bool, progressStyle: ExperimentProgress.Style = .lines,
    only: [String]? = nil, scope: RunScope = .all, log: @escaping @Sendable (String) -> Void
  ) {
    self.spec = spec
    self.rootDirectory = rootDirectory
    self.dataDirectory = dataDirectory
    self.outputDirectory = outputDirectory
    self.jobs = max(1, jobs)
    self.force = force
    self.progressStyle = progressStyle
    self.only = only
    self.scope = scope
    self.log = log
    write = ExperimentProgress.standardErrorWriter(log: log)
  }

  /// `path` as given when absolute, else relative to the repository root.
  func resolve(_ path: String) -> String {
    path.hasPrefix("/") ? path : "\(rootDirectory)/\(path)"
  }

  /// Whether `--only` selects the config named `configName` (its file name
  /// without `.json`); every config when `only` is not set.
  func selects(configName: String) -> Bool {
    only.map { $0.contains { configName.contains($0) } } ?? true
  }

  /// The queue of this experiment's runs: its output directory, jobs,
  /// `force`, progress display, reused run directories and scope.
  func makeQueue<Item: QueueItem>(of _: Item.Type = Item.self) -> RunQueue<Item> {
    var queue = RunQueue<Item>(
      outputDirectory: outputDirectory, jobs: jobs, force: force, progressStyle: progressStyle,
      write: write, log: log)
    queue.reusedDirectories = spec.reuseRunsFrom.map(resolve)
    queue.scope = scope
    return queue
  }

  /// Logs the plan before the runs start: how many runs the experiment
  /// has, how many are not to run (`notRun` says why: "already done", or
  /// "already done or skipped" where runs of missing data are counted), how
  /// many will, and with how many jobs and threads.
  func logPlan(runs: Int, toRun: Int, notRun: String = "already done") {
    log(
      "\(spec.name): \(runs) runs, \(runs - toRun) \(notRun), \(toRun) to run "
        + "(jobs: \(jobs), threads per run: \(Threading.threadCount))")
  }

  /// Writes the tables into the output directory, each atomically:
  /// `runs.csv`, `summary.csv` (when given) and `<experiment>.md`; logs what
  /// was written.
  func writeTables(runsCSV: String, summaryCSV: String?, markdown: String, runCount: Int) throws {
    let files = [("runs.csv", runsCSV), ("summary.csv", summaryCSV), ("\(spec.name).md", markdown)]
      .compactMap { name, text in text.map { (name, $0) } }
    for (name, text) in files {
      try AtomicFile.write(text, to: "\(outputDirectory)/\(name)")
    }
    log("wrote \(outputDirectory)/\(files.map(\.0).joined(separator: ", ")) (\(runCount) runs)")
  }
}
