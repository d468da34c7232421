import ArgumentParser
import Foundation
import Harness
import TensorCore

/// `gpool reproduce EXPERIMENT`: runs a published experiment end to end.
struct ReproduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reproduce",
    abstract: "Reproduce a published table (e.g. table1), resuming finished runs.",
    discussion: """
      Reads Experiments/<experiment>/experiment.json, runs every (config, seed)
      whose result is not yet in <output>/runs/, and writes runs.csv, summary.csv
      and <experiment>.md beside the published numbers. Re-running resumes;
      --force recomputes everything. Results do not depend on --jobs.
      """)

  @Argument(help: "The experiment: a folder name under Experiments/ (e.g. table1).")
  var experiment: String

  @Option(help: "Repository root holding Experiments/ and Configs/.")
  var root = "."

  @Option(
    name: .customLong("data-dir"),
    help: "Data directory (default: $GPOOL_DATA, else data/). Fill it with `make data`.")
  var dataDirectory: String?

  @Option(help: "Output directory (default: results/<experiment>).")
  var output: String?

  @Option(help: "Runs executed in parallel (default: the number of cores).")
  var jobs: Int?

  @Flag(help: "Recompute runs whose results already exist.")
  var force = false

  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs).") }
    if (jobs ?? 2) > 1, let threads = threadOptions.threads, threads > 1 {
      throw ValidationError("--threads > 1 needs --jobs 1 (each parallel run is single-threaded).")
    }
  }

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let jobs = self.jobs ?? ProcessInfo.processInfo.activeProcessorCount
    let requested = threadOptions.threads ?? Threading.fromEnvironment(environment)
    if jobs > 1, let requested, requested > 1 {
      FileHandle.standardError.write(
        Data(
          ("note: \(jobs) runs in parallel, so each uses 1 thread, not \(requested); "
            + "pass --jobs 1 for \(requested) threads per run\n").utf8))
    }
    let threads = jobs > 1 ? 1 : (requested ?? 1)
    Threading.setThreadCount(threads)
    let specPath = "\(root)/Experiments/\(experiment)/experiment.json"
    guard FileManager.default.fileExists(atPath: specPath) else {
      throw ValidationError(
        "no experiment '\(experiment)': \(specPath) does not exist (see the folders under \(root)/Experiments/)."
      )
    }
    let spec = try ExperimentSpec.load(from: specPath)
    let dataDirectory = self.dataDirectory ?? environment["GPOOL_DATA"] ?? "data"
    let runner = NodeClusteringExperiment(
      spec: spec, rootDirectory: root, dataDirectory: dataDirectory,
      outputDirectory: output ?? "\(root)/results/\(experiment)", jobs: jobs, force: force,
      log: { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
      })
    let clock = ContinuousClock()
    let start = clock.now
    let failures = try runner.run()
    let elapsed = clock.now - start
    print(
      "\(experiment): finished in \(elapsed.formatted(.units(allowed: [.minutes, .seconds], width: .narrow)))"
    )
    if !failures.isEmpty {
      for failure in failures { print("failed: \(failure.runID): \(failure.error)") }
      throw ExitCode(1)
    }
  }
}
