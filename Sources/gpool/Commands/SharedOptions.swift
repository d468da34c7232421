import ArgumentParser
import Foundation
import Harness
import TensorCore

/// `--data-dir`, shared by every command that reads datasets.
struct DataDirectoryOption: ParsableArguments {
  @Option(
    name: .customLong("data-dir"),
    help: "Data directory (default: $GPOOL_DATA, else data/). Fill it with `make data`.")
  var dataDirectory: String?

  /// The directory to use: the option, else `$GPOOL_DATA`, else `data`.
  var resolved: String {
    dataDirectory ?? ProcessInfo.processInfo.environment["GPOOL_DATA"] ?? "data"
  }
}

/// The options of the commands that train (`reproduce`, `run`): where data
/// and results live, how many runs go in parallel, and resumption.
struct ExperimentRunOptions: ParsableArguments {
  @OptionGroup var data: DataDirectoryOption

  @Option(help: "Output directory (default: see the command's description).")
  var output: String?

  @Option(
    parsing: .unconditional,
    help: "Runs executed in parallel, 1…\(ThreadOptions.maximum) (default: the number of cores).")
  var jobs: Int?

  @Flag(help: "Recompute runs whose results already exist.")
  var force = false

  @OptionGroup var threadOptions: ThreadOptions

  /// On a terminal one status line redrawn in place; otherwise (a log file,
  /// CI, `| tee`) one line per finished run and a heartbeat every 30 s.
  var progressStyle: ExperimentProgress.Style {
    isatty(STDERR_FILENO) == 1 ? .statusLine : .lines
  }

  func validate() throws {
    if let jobs, !(1...ThreadOptions.maximum).contains(jobs) {
      throw ValidationError("--jobs must be in 1…\(ThreadOptions.maximum), got \(jobs).")
    }
  }

  /// Local runs in parallel are single-threaded: --threads > 1 needs --jobs 1.
  /// (A cluster task runs one run with --threads threads.)
  func validateLocalThreads() throws {
    if (jobs ?? 2) > 1, let threads = threadOptions.threads, threads > 1 {
      throw ValidationError("--threads > 1 needs --jobs 1 (each parallel run is single-threaded).")
    }
  }

  /// Sets the thread count and returns the number of parallel runs (at most
  /// `runCount`). Parallel runs are single-threaded; a larger requested
  /// thread count (from `$GPOOL_THREADS`) is reported, not silently dropped.
  func configureParallelism(runCount: Int) -> Int {
    let jobs = max(1, min(self.jobs ?? ProcessInfo.processInfo.activeProcessorCount, runCount))
    let requested =
      threadOptions.threads ?? Threading.fromEnvironment(ProcessInfo.processInfo.environment)
    if jobs > 1, let requested, requested > 1 {
      logToStandardError(
        "note: \(jobs) runs in parallel, so each uses 1 thread, not \(requested); "
          + "pass --jobs 1 for \(requested) threads per run")
    }
    Threading.setThreadCount(jobs > 1 ? 1 : (requested ?? 1))
    return jobs
  }

  /// Kernel threads of each cluster task: --threads, else $GPOOL_THREADS,
  /// else 1 (as each of the local runner's parallel runs).
  var taskThreads: Int {
    threadOptions.threads ?? Threading.fromEnvironment(ProcessInfo.processInfo.environment) ?? 1
  }

  /// Runs `experiment`; when some runs could not be done (failed, or
  /// skipped for missing data) summarises them on standard error and exits
  /// with status 1. The tables are written either way.
  func execute(_ experiment: any ExperimentRunner) throws {
    let problems = try experiment.run()
    guard !problems.isEmpty else { return }
    logToStandardError("\(problems.count) run(s) could not be done:")
    for problem in problems { logToStandardError("  \(problem.runID): \(problem.error)") }
    throw ExitCode(1)
  }
}

/// Progress goes to standard error, results to standard output.
@Sendable func logToStandardError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
