import Foundation

/// What a cluster submission runs: the experiment (an `Experiments/<name>`
/// of `gpool reproduce`, or one config over seeds of `gpool run`), where data
/// and results live, and the pending runs, one array task each. Written as
/// JSON beside the batch script; array task `i` runs `runs[i]`. Every path
/// is absolute, so a task may start in any directory on any node.
public struct ClusterTaskList: Codable, Sendable, Equatable {
  /// How the experiment is named on the command line.
  public enum Kind: String, Codable, Sendable {
    /// `gpool reproduce EXPERIMENT`.
    case reproduce
    /// `gpool run CONFIG --seeds …`.
    case run
  }

  public var kind: Kind
  /// The experiment's name: the folder under `Experiments/`, or the config
  /// file's name for `gpool run`.
  public var experiment: String
  /// Repository root holding `Experiments/` and `Configs/`.
  public var root: String
  /// `gpool run`: the config file and its seeds.
  public var config: String?
  public var seeds: [Int]?
  /// `--only` of `gpool reproduce` when the list was written (informative:
  /// the runs below are already the selection).
  public var only: [String]?
  public var dataDirectory: String
  public var outputDirectory: String
  /// Kernel threads per task (1, as the local runner's parallel runs, unless
  /// `--threads` said otherwise: results depend on the thread count).
  public var threads: Int
  /// Recompute a run even if its record exists (`--force` at submission).
  public var force: Bool
  public var runs: [PendingRuns.Run]

  enum CodingKeys: String, CodingKey {
    case kind, experiment, root, config, seeds, only, threads, force, runs
    case dataDirectory = "data_dir"
    case outputDirectory = "output"
  }

  public init(
    kind: Kind, experiment: String, root: String, config: String? = nil, seeds: [Int]? = nil,
    only: [String]? = nil, dataDirectory: String, outputDirectory: String, threads: Int,
    force: Bool, runs: [PendingRuns.Run] = []
  ) {
    self.kind = kind
    self.experiment = experiment
    self.root = root
    self.config = config
    self.seeds = seeds
    self.only = only
    self.dataDirectory = dataDirectory
    self.outputDirectory = outputDirectory
    self.threads = threads
    self.force = force
    self.runs = runs
  }

  /// Reads a task list; a damaged or foreign file names itself.
  public static func load(from path: String) throws -> ClusterTaskList {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError(file: path, keyPath: "", message: "cannot read the task list")
    }
    do {
      return try JSONDecoder().decode(ClusterTaskList.self, from: data)
    } catch {
      throw ConfigError(
        file: path, keyPath: "",
        message: "not a gpool task list (written by `--backend slurm`): \(error)")
    }
  }

  /// The experiment these runs belong to, as `gpool reproduce` or `gpool
  /// run` builds it.
  public func experimentSpec() throws -> ExperimentSpec {
    switch kind {
    case .reproduce:
      return try ExperimentSpec.load(from: "\(root)/Experiments/\(experiment)/experiment.json")
    case .run:
      guard let config, let seeds else {
        throw ConfigError(
          file: "\(outputDirectory)/slurm", keyPath: "config",
          message: "a task list of `gpool run` needs its config and seeds")
      }
      return ExperimentSpec(
        name: experiment, title: "gpool run \(config)", configs: [config], seeds: seeds)
    }
  }

  /// The runner of this experiment in `scope` (one job, single-threaded
  /// progress lines: a task's output goes to its Slurm log file).
  public func makeRunner(
    scope: RunScope, only: [String]? = nil, log: @escaping @Sendable (String) -> Void
  ) throws -> any ExperimentRunner {
    try ExperimentRunners.make(
      spec: try experimentSpec(), rootDirectory: root, dataDirectory: dataDirectory,
      outputDirectory: outputDirectory, jobs: 1, force: force, progressStyle: .lines,
      only: only ?? self.only, scope: scope, log: log)
  }

  /// Where the submissions of an output directory keep their files.
  public static func directory(of outputDirectory: String) -> String {
    "\(outputDirectory)/slurm"
  }
}
