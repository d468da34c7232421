import ArgumentParser
import Foundation
import Harness
import TensorCore

/// `gpool run CONFIG`: one config over some seeds, without an experiment file.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run one config (e.g. an ablation) over seeds and write its result tables.",
    discussion: """
      Writes runs.csv, summary.csv and <name>.md (plus runs/, logs/,
      checkpoints/) to --output, default results/runs/<config file name>.
      Finished runs of an unchanged config are kept (resume); --force recomputes.
      Example: gpool run Configs/table1/cora-mincutpool.json --seeds 0,1,2
      """)

  @Argument(help: "The JSON config file (keys: Configs/README.md).")
  var config: String

  @Option(help: "Comma-separated seeds.")
  var seeds = "0"

  @Option(
    name: .customLong("data-dir"),
    help: "Data directory (default: $GPOOL_DATA, else data/). Fill it with `make data`.")
  var dataDirectory: String?

  @Option(help: "Output directory (default: results/runs/<config file name>).")
  var output: String?

  @Option(help: "Runs executed in parallel (default: the number of cores).")
  var jobs: Int?

  @Flag(help: "Recompute runs whose results already exist.")
  var force = false

  @OptionGroup var threadOptions: ThreadOptions

  func parsedSeeds() throws -> [Int] {
    let parts = seeds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap { Int($0) }
    guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 0 }),
      Set(values).count == values.count
    else {
      throw ValidationError(
        "--seeds expects distinct non-negative integers separated by commas, e.g. 0,1,2; got '\(seeds)'."
      )
    }
    return values
  }

  func validate() throws {
    _ = try parsedSeeds()
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs).") }
    guard FileManager.default.fileExists(atPath: config) else {
      throw ValidationError("config file \(config) does not exist.")
    }
  }

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let seeds = try parsedSeeds()
    let jobs = min(self.jobs ?? ProcessInfo.processInfo.activeProcessorCount, seeds.count)
    Threading.setThreadCount(
      jobs > 1 ? 1 : (threadOptions.threads ?? Threading.fromEnvironment(environment) ?? 1))
    let name = URL(fileURLWithPath: config).deletingPathExtension().lastPathComponent
    let absolute = URL(fileURLWithPath: config).standardizedFileURL.path
    let spec = ExperimentSpec(
      name: name, title: "gpool run \(config)", configs: [absolute], seeds: seeds)
    let runner = NodeClusteringExperiment(
      spec: spec, rootDirectory: ".",
      dataDirectory: dataDirectory ?? environment["GPOOL_DATA"] ?? "data",
      outputDirectory: output ?? "results/runs/\(name)", jobs: jobs, force: force,
      log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    let failures = try runner.run()
    for failure in failures { print("failed: \(failure.runID): \(failure.error)") }
    if !failures.isEmpty { throw ExitCode(1) }
  }
}
