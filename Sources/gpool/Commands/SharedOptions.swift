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

  @Option(help: "Runs executed in parallel (default: the number of cores).")
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
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs).") }
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

  /// Runs `experiment`, prints its failures and exits with status 1 if any.
  func execute(_ experiment: NodeClusteringExperiment) throws {
    let failures = try experiment.run()
    for failure in failures { print("failed: \(failure.runID): \(failure.error)") }
    if !failures.isEmpty { throw ExitCode(1) }
  }
}

/// Progress goes to standard error, results to standard output.
@Sendable func logToStandardError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
