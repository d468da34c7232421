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
      checkpoints/) to --output (default: results/runs/<config file name>).
      Finished runs of an unchanged config are kept (resume); --force recomputes.
      Example: gpool run Configs/table1/cora-mincutpool.json --seeds 0,1,2
      --backend slurm submits the missing runs as a Slurm job array instead
      (README, "Running on a cluster").
      """)

  @Argument(help: "The JSON config file (keys: Configs/README.md).")
  var config: String

  @Option(parsing: .unconditional, help: "Comma-separated distinct seeds, each 0…2^31−1.")
  var seeds = "0"

  @OptionGroup var options: ExperimentRunOptions

  @OptionGroup var cluster: ClusterOptions

  func parsedSeeds() throws -> [Int] {
    let parts = seeds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap { Int($0) }
    guard !parts.isEmpty, values.count == parts.count,
      values.allSatisfy({ (0...Int(Int32.max)).contains($0) }),
      Set(values).count == values.count
    else {
      throw ValidationError(
        "--seeds expects distinct integers in 0…\(Int32.max) separated by commas, e.g. 0,1,2; got '\(seeds)'."
      )
    }
    return values
  }

  func validate() throws {
    if cluster.backend == .local { try options.validateLocalThreads() }
    if cluster.backend == .slurm, options.jobs != nil {
      throw ValidationError("--jobs has no effect with --backend slurm; use --max-parallel.")
    }
    _ = try parsedSeeds()
    guard FileManager.default.fileExists(atPath: config) else {
      throw ValidationError("config file \(config) does not exist.")
    }
  }

  func run() throws {
    MemoryPolicy.reuseFreedMemory()  // training: reuse freed matrices (see MemoryPolicy)
    let seeds = try parsedSeeds()
    let name = URL(fileURLWithPath: config).deletingPathExtension().lastPathComponent
    let absolute = URL(fileURLWithPath: config).standardizedFileURL.path
    if cluster.backend == .slurm {
      try cluster.submit(
        ClusterTaskList(
          kind: .run, experiment: name, root: absolutePath("."), config: absolute, seeds: seeds,
          dataDirectory: absolutePath(options.data.resolved),
          outputDirectory: absolutePath(options.output ?? "results/runs/\(name)"),
          threads: options.taskThreads, force: options.force))
      return
    }
    let jobs = options.configureParallelism(runCount: seeds.count)
    let spec = ExperimentSpec(
      name: name, title: "gpool run \(config)", configs: [absolute], seeds: seeds)
    try options.execute(
      try ExperimentRunners.make(
        spec: spec, rootDirectory: ".", dataDirectory: options.data.resolved,
        outputDirectory: options.output ?? "results/runs/\(name)", jobs: jobs,
        force: options.force, progressStyle: options.progressStyle, log: logToStandardError))
  }
}
