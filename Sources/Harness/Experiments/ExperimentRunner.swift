import Foundation

/// What `gpool reproduce` and `gpool run` drive: an experiment of one task.
/// A runner reads its configs and data, runs what is missing through a
/// `RunQueue` and writes its tables.
public protocol ExperimentRunner: Sendable {
  /// A runner of the experiment `settings.spec` describes.
  init(settings: ExperimentSettings)
  /// The experiment, its directories, jobs, progress display and scope.
  var settings: ExperimentSettings { get }
  /// Runs what is missing and rewrites the tables; returns the runs that
  /// could not be done.
  func run() throws -> [(runID: String, error: String)]
}

/// The `task` of a config file, read before the task's own strict schema.
private struct TaskOnly: Decodable {
  let task: String
}

/// Picks the runner of an experiment's task (read from its configs, which
/// must all have the same one).
public enum ExperimentRunners {
  public static func make(
    spec: ExperimentSpec, rootDirectory: String, dataDirectory: String, outputDirectory: String,
    jobs: Int, force: Bool, progressStyle: ExperimentProgress.Style, only: [String]? = nil,
    scope: RunScope = .all, log: @escaping @Sendable (String) -> Void
  ) throws -> any ExperimentRunner {
    let settings = ExperimentSettings(
      spec: spec, rootDirectory: rootDirectory, dataDirectory: dataDirectory,
      outputDirectory: outputDirectory, jobs: jobs, force: force, progressStyle: progressStyle,
      only: only, scope: scope, log: log)
    var tasks = Set<String>()
    for path in spec.configs {
      let full = settings.resolve(path)
      let data = FileManager.default.contents(atPath: full) ?? Data()
      if let peek = try? JSONDecoder().decode(TaskOnly.self, from: data),
        peek.task == "vector_clustering"
      {
        tasks.insert(peek.task)
      } else {
        tasks.insert(try RunConfig.load(from: full).task.rawValue)
      }
    }
    guard tasks.count == 1, let name = tasks.first else {
      throw ConfigError(
        file: "Experiments/\(spec.name)/experiment.json", keyPath: "configs",
        message:
          "the configs mix tasks (\(tasks.sorted().joined(separator: ", "))); "
          + "an experiment runs one task")
    }
    let runner: any ExperimentRunner.Type =
      if name == "vector_clustering" {
        VectorClusteringExperiment.self
      } else {
        switch RunConfig.Task(rawValue: name)! {
        case .nodeClustering: NodeClusteringExperiment.self
        case .graphClassification: GraphClassificationExperiment.self
        }
      }
    return runner.init(settings: settings)
  }
}
