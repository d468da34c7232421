import Synchronization

/// Which of an experiment's pending runs a runner executes, and whether it
/// rewrites the tables. The local runner does everything in one process; a
/// cluster backend splits the same work: it plans (lists the pending runs),
/// each array task executes one run, and a collect step writes the tables.
/// Resume semantics are the same in every scope: a run whose record exists
/// and came from the same config is never recomputed (unless `force`).
public enum RunScope: Sendable {
  /// Execute every pending run, then write the tables (`gpool reproduce`).
  case all
  /// Execute nothing and write nothing; list the pending runs into the sink
  /// (what a cluster submission submits).
  case plan(PendingRuns)
  /// Execute the pending run with this id only, and write no tables: many
  /// such tasks run at once, and the collect step writes the tables. A run
  /// that is already done is skipped; an id the experiment does not have is
  /// an error.
  case single(String)
  /// Execute nothing; list the pending runs into the sink and write the
  /// tables from the stored runs (`gpool collect`).
  case collect(PendingRuns)

  /// Whether run `id` is executed in this scope (if pending).
  func executes(_ id: String) -> Bool {
    switch self {
    case .all: return true
    case .single(let selected): return id == selected
    case .plan, .collect: return false
    }
  }

  /// Whether this is one cluster task's scope (`single`).
  var isSingleTask: Bool {
    if case .single = self { return true }
    return false
  }

  /// Whether the tables are rewritten at the end.
  var writesTables: Bool {
    switch self {
    case .all, .collect: return true
    case .plan, .single: return false
    }
  }

  /// Whether this process owns the output directory, so that temporary files
  /// of dead processes can be removed. Not in a cluster task or a collect:
  /// other nodes' live writers have process ids this machine does not know.
  var cleansStaleTemporaries: Bool {
    if case .all = self { return true }
    return false
  }

  /// Throws when a single run is asked for that the experiment does not
  /// have (a task list out of date with the configs), so the task fails
  /// loudly instead of succeeding without running anything.
  func check(runIDs: [String], experiment: String) throws {
    guard case .single(let id) = self, !runIDs.contains(id) else { return }
    throw ConfigError(
      file: "Experiments/\(experiment)/experiment.json", keyPath: "configs",
      message: "the experiment has no run '\(id)' (its configs or seeds changed since the "
        + "task list was written); submit again")
  }
}

/// The pending runs a `.plan` or `.collect` scope found: id and a label.
public final class PendingRuns: Sendable {
  public struct Run: Sendable, Equatable, Codable {
    /// The run's id (its record is `runs/<id>.json`).
    public var id: String
    /// The config file name (without `.json`) the run belongs to.
    public var config: String

    public init(id: String, config: String) {
      self.id = id
      self.config = config
    }
  }

  private let storage = Mutex<[Run]>([])

  public init() {}

  /// The runs found, in the order the runner would start them.
  public var runs: [Run] { storage.withLock { $0 } }

  func append(_ runs: [Run]) { storage.withLock { $0 += runs } }
}
