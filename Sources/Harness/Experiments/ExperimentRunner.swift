import Foundation

/// What `gpool reproduce` and `gpool run` drive: an experiment of one task.
public protocol ExperimentRunner: Sendable {
  /// Runs what is missing and rewrites the tables; returns the runs that
  /// could not be done.
  func run() throws -> [(runID: String, error: String)]
}

extension NodeClusteringExperiment: ExperimentRunner {}
extension GraphClassificationExperiment: ExperimentRunner {}

/// Picks the runner of an experiment's task (read from its configs, which
/// must all have the same one).
public enum ExperimentRunners {
  public static func make(
    spec: ExperimentSpec, rootDirectory: String, dataDirectory: String, outputDirectory: String,
    jobs: Int, force: Bool, progressStyle: ExperimentProgress.Style, only: [String]? = nil,
    log: @escaping @Sendable (String) -> Void
  ) throws -> any ExperimentRunner {
    var tasks = Set<RunConfig.Task>()
    for path in spec.configs {
      let full = path.hasPrefix("/") ? path : "\(rootDirectory)/\(path)"
      tasks.insert(try RunConfig.load(from: full).task)
    }
    guard tasks.count == 1, let task = tasks.first else {
      throw ConfigError(
        file: "Experiments/\(spec.name)/experiment.json", keyPath: "configs",
        message:
          "the configs mix tasks (\(tasks.map(\.rawValue).sorted().joined(separator: ", "))); "
          + "an experiment runs one task")
    }
    switch task {
    case .nodeClustering:
      var runner = NodeClusteringExperiment(
        spec: spec, rootDirectory: rootDirectory, dataDirectory: dataDirectory,
        outputDirectory: outputDirectory, jobs: jobs, force: force, progressStyle: progressStyle,
        log: log)
      runner.only = only
      return runner
    case .graphClassification:
      var runner = GraphClassificationExperiment(
        spec: spec, rootDirectory: rootDirectory, dataDirectory: dataDirectory,
        outputDirectory: outputDirectory, jobs: jobs, force: force, progressStyle: progressStyle,
        log: log)
      runner.only = only
      return runner
    }
  }
}
