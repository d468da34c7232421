import ArgumentParser
import Foundation
import Harness
import TensorCore

/// `gpool run-task LIST INDEX`: what each Slurm array task runs.
struct RunTaskCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run-task",
    abstract: "Run one run of a cluster task list (what each Slurm array task calls).",
    discussion: """
      LIST is a task list written by `--backend slurm` (<output>/slurm/*.tasks.json),
      INDEX the array task's index ($SLURM_ARRAY_TASK_ID). Runs that one run and
      writes its record (runs/<id>.json) atomically; a run already done is
      skipped. Writes no tables: `gpool collect` does. Exit status 1 when the run
      fails.
      """)

  @Argument(help: "The task list (.tasks.json).")
  var taskList: String

  @Argument(help: "The run's index in the list, 0-based.")
  var index: Int

  func run() throws {
    MemoryPolicy.reuseFreedMemory()  // training: reuse freed matrices (see MemoryPolicy)
    let list = try ClusterTaskList.load(from: taskList)
    guard list.runs.indices.contains(index) else {
      throw ValidationError(
        "\(taskList) has \(list.runs.count) run(s) (indices 0…\(list.runs.count - 1)); got index \(index)."
      )
    }
    let run = list.runs[index]
    Threading.setThreadCount(list.threads)
    logToStandardError(
      "run-task: \(run.id) of \(list.experiment) (task \(index) of \(list.runs.count), "
        + "\(list.threads) thread(s), host \(ProcessInfo.processInfo.hostName))")
    let runner = try list.makeRunner(
      scope: .single(run.id), only: [run.config], log: logToStandardError)
    let problems = try runner.run()
    guard problems.isEmpty else {
      for problem in problems { logToStandardError("\(problem.runID): \(problem.error)") }
      throw ExitCode(1)
    }
  }
}

/// `gpool collect`: merges the runs cluster tasks finished into the tables.
struct CollectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "collect",
    abstract: "Merge the runs finished by Slurm tasks into runs.csv, summary.csv and the table.",
    discussion: """
      Reads <output>/slurm/ (written by `--backend slurm`), rewrites the tables
      from every stored run, and lists the runs still missing with their task's
      state and log file. Exit status 0 when every run is done, 1 otherwise.
      Submitting again (`gpool reproduce NAME --backend slurm`) submits only the
      missing runs that no queued or running task has.
      Examples: gpool collect table2; gpool collect --output results/runs/cora-mincutpool
      """)

  @Argument(help: "The experiment (results/<experiment> is its output), or give --output.")
  var experiment: String?

  @Option(help: "Repository root holding results/.")
  var root = "."

  @Option(help: "The output directory the submission wrote to.")
  var output: String?

  func validate() throws {
    if experiment == nil && output == nil {
      throw ValidationError("name an experiment (e.g. gpool collect table2) or give --output.")
    }
  }

  func run() throws {
    let directory = absolutePath(output ?? "\(root)/results/\(experiment!)")
    let (list, missing) = try SlurmBackend(log: logToStandardError).collect(
      outputDirectory: directory)
    print("\(list.experiment): tables rewritten in \(directory)")
    guard !missing.isEmpty else {
      print("\(list.experiment): every run is done")
      return
    }
    let active = missing.filter(\.isActive).count
    print(
      "\(list.experiment): \(missing.count) run(s) missing"
        + (active > 0 ? " (\(active) still queued or running)" : "") + ":")
    for run in missing {
      var line = "  \(run.id): " + (run.task ?? "never submitted")
      if run.task == nil, let state = run.state {
        line += ", \(state)"
      } else if run.task != nil {
        line += ", " + (run.state ?? "state unknown (no longer in the queue; no accounting)")
      }
      if let log = run.logPath {
        line += "; log \(log)"
        if let last = run.lastLogLine { line += ": \(last.prefix(300))" }
      } else if run.task != nil {
        line += "; no log file (the task never started)"
      }
      print(line)
    }
    if active < missing.count {
      print(
        "resubmit the missing runs with the same command and --backend slurm; "
          + "finished runs are not recomputed")
    }
    throw ExitCode(1)
  }
}
