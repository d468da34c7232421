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
      and <experiment>.md beside the published numbers (output default:
      results/<experiment>). Re-running resumes; --force recomputes everything.
      Results do not depend on --jobs. The longest runs start first.

      --backend slurm submits the runs still missing as a Slurm job array (one
      task per run) instead; `gpool collect` then merges them into the tables.

      Progress goes to standard error: on a terminal one status line redrawn in
      place (runs done, runs in progress, ETA); otherwise one line per finished
      run and a heartbeat at most every 30 s.
      """)

  @Argument(help: "The experiment: a folder name under Experiments/ (e.g. table1).")
  var experiment: String

  @Option(help: "Repository root holding Experiments/ and Configs/.")
  var root = "."

  @OptionGroup var options: ExperimentRunOptions

  @OptionGroup var cluster: ClusterOptions

  func validate() throws {
    if cluster.backend == .local { try options.validateLocalThreads() }
    if cluster.backend == .slurm, options.jobs != nil {
      throw ValidationError("--jobs has no effect with --backend slurm; use --max-parallel.")
    }
  }

  @Option(
    help: ArgumentHelp(
      "Run only the configs whose file name contains this text (repeatable, e.g. --only proteins).",
      discussion: "The tables still list every cell, with its runs done."))
  var only: [String] = []

  func run() throws {
    MemoryPolicy.reuseFreedMemory()  // training: reuse freed matrices (see MemoryPolicy)
    let specPath = "\(root)/Experiments/\(experiment)/experiment.json"
    guard FileManager.default.fileExists(atPath: specPath) else {
      throw ValidationError(
        "no experiment '\(experiment)': \(specPath) does not exist (see the folders under \(root)/Experiments/)."
      )
    }
    let spec = try ExperimentSpec.load(from: specPath)
    if cluster.backend == .slurm {
      try cluster.submit(
        ClusterTaskList(
          kind: .reproduce, experiment: experiment, root: absolutePath(root),
          only: only.isEmpty ? nil : only, dataDirectory: absolutePath(options.data.resolved),
          outputDirectory: absolutePath(options.output ?? "\(root)/results/\(experiment)"),
          threads: options.taskThreads, force: options.force))
      return
    }
    let jobs = options.configureParallelism(runCount: spec.configs.count * spec.seeds.count)
    let runner = try ExperimentRunners.make(
      spec: spec, rootDirectory: root, dataDirectory: options.data.resolved,
      outputDirectory: options.output ?? "\(root)/results/\(experiment)", jobs: jobs,
      force: options.force, progressStyle: options.progressStyle, only: only.isEmpty ? nil : only,
      log: logToStandardError)
    let clock = ContinuousClock()
    let start = clock.now
    defer {
      let elapsed = clock.now - start
      print(
        "\(experiment): finished in "
          + elapsed.formatted(.units(allowed: [.minutes, .seconds], width: .narrow)))
    }
    try options.execute(runner)
  }
}
