import ArgumentParser
import Foundation
import Harness

/// Where `gpool reproduce` and `gpool run` execute their runs: here, or as a
/// Slurm job array (one task per run), with the array's resources.
struct ClusterOptions: ParsableArguments {
  enum Backend: String, ExpressibleByArgument, CaseIterable {
    case local, slurm
  }

  @Option(
    help: ArgumentHelp(
      "Where the runs execute: local (this process) or slurm (one job-array task per run; README, \"Running on a cluster\")."
    ))
  var backend: Backend = .local

  @Option(help: "Slurm: the partition (sbatch --partition).")
  var partition: String?

  @Option(help: "Slurm: wall-time limit per run, e.g. 02:00:00 (sbatch --time).")
  var time: String?

  @Option(
    help:
      "Slurm: CPUs per task (sbatch --cpus-per-task; default 1). Each run uses --threads kernel threads (default 1): results depend on the thread count."
  )
  var cpusPerTask: Int?

  @Option(help: "Slurm: memory per task, e.g. 4G (sbatch --mem).")
  var mem: String?

  @Option(help: "Slurm: at most this many tasks at once (sbatch --array=…%K).")
  var maxParallel: Int?

  @Option(
    parsing: .unconditionalSingleValue,
    help:
      "Slurm: one more sbatch option, written as an #SBATCH line (repeatable), e.g. --sbatch-arg=--account=abc."
  )
  var sbatchArg: [String] = []

  @Flag(help: "Slurm: print the batch script and the runs it would submit; submit nothing.")
  var dryRun = false

  var resources: SlurmResources {
    SlurmResources(
      partition: partition, time: time, cpusPerTask: cpusPerTask ?? 1, memory: mem,
      maxParallel: maxParallel, extraArguments: sbatchArg)
  }

  func validate() throws {
    if backend == .local {
      let given: [(String, Bool)] = [
        ("--partition", partition != nil), ("--time", time != nil),
        ("--cpus-per-task", cpusPerTask != nil), ("--mem", mem != nil),
        ("--max-parallel", maxParallel != nil), ("--sbatch-arg", !sbatchArg.isEmpty),
        ("--dry-run", dryRun),
      ]
      if let name = given.first(where: \.1)?.0 {
        throw ValidationError("\(name) needs --backend slurm.")
      }
    }
    if let problem = resources.problem() { throw ValidationError(problem + ".") }
  }

  /// Submits `template`'s pending runs as Slurm job arrays and prints what
  /// was submitted (or, with --dry-run, the scripts).
  func submit(_ template: ClusterTaskList) throws {
    if let cpus = cpusPerTask, cpus > template.threads {
      logToStandardError(
        "note: \(cpus) CPUs per task but \(template.threads) kernel thread(s) per run; "
          + "pass --threads \(cpus) to use them (results depend on the thread count)")
    }
    let backend = SlurmBackend(log: logToStandardError)
    let outcome = try backend.submit(
      template, resources: resources, executable: Self.executablePath(), dryRun: dryRun)
    for (id, reason) in outcome.skipped {
      logToStandardError("not submitted: \(id): \(reason)")
    }
    if !outcome.alreadyQueued.isEmpty {
      logToStandardError(
        "\(outcome.alreadyQueued.count) pending run(s) left out: a queued or running task has them")
    }
    guard !outcome.submitted.isEmpty else {
      guard outcome.skipped.isEmpty else {
        print("\(template.experiment): nothing submitted: the runs left cannot run (see above)")
        throw ExitCode(1)
      }
      print("\(template.experiment): nothing to submit (every run is done or queued)")
      return
    }
    let slurmDirectory = ClusterTaskList.directory(of: template.outputDirectory)
    if dryRun {
      for script in outcome.scripts { print(script) }
      print("# dry run: \(outcome.submitted.count) run(s) would be submitted:")
      for run in outcome.submitted { print("#   \(run.id)") }
      return
    }
    for (job, script) in zip(outcome.jobIDs, outcome.scripts) {
      print("submitted job \(job) (\(script))")
    }
    print(
      "\(template.experiment): \(outcome.submitted.count) run(s) submitted as job "
        + "\(outcome.jobIDs.joined(separator: ", ")); logs in \(slurmDirectory)/logs; "
        + "merge the finished runs with: gpool collect --output \(template.outputDirectory)")
  }

  /// This executable's absolute path, which the tasks run.
  static func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
  }
}

/// An absolute, standardised version of `path` (relative to the current directory).
func absolutePath(_ path: String) -> String {
  URL(fileURLWithPath: path).standardizedFileURL.path
}
