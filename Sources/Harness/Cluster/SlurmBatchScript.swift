import Foundation

/// The `#SBATCH` resources of a submission (`gpool … --backend slurm`).
public struct SlurmResources: Sendable, Equatable {
  public var partition: String?
  /// Wall-time limit per task, as sbatch's `--time` (e.g. 02:00:00, 1-00:00:00).
  public var time: String?
  public var cpusPerTask: Int
  /// Memory per node, as sbatch's `--mem` (e.g. 4G, 4000).
  public var memory: String?
  /// At most this many array tasks at once (`--array=…%K`).
  public var maxParallel: Int?
  /// Further `#SBATCH` lines, each one sbatch option (e.g. `--account=abc`).
  public var extraArguments: [String]

  public init(
    partition: String? = nil, time: String? = nil, cpusPerTask: Int = 1, memory: String? = nil,
    maxParallel: Int? = nil, extraArguments: [String] = []
  ) {
    self.partition = partition
    self.time = time
    self.cpusPerTask = cpusPerTask
    self.memory = memory
    self.maxParallel = maxParallel
    self.extraArguments = extraArguments
  }

  /// The first problem with these values, named by their command-line
  /// option, or nil.
  public func problem() -> String? {
    if let partition, partition.isEmpty || partition.contains(where: \.isWhitespace) {
      return "--partition expects a partition name without spaces, got '\(partition)'"
    }
    if let time, time.wholeMatch(of: /(\d+-)?\d+(:\d{1,2}){0,2}/) == nil {
      return "--time expects sbatch's format (MM, HH:MM:SS, D-HH:MM:SS), got '\(time)'"
    }
    if !(1...1024).contains(cpusPerTask) {
      return "--cpus-per-task must be in 1…1024, got \(cpusPerTask)"
    }
    if let memory, memory.wholeMatch(of: /\d+[KMGT]?/) == nil {
      return "--mem expects a size such as 4G or 4000 (megabytes), got '\(memory)'"
    }
    if let maxParallel, maxParallel < 1 {
      return "--max-parallel must be at least 1, got \(maxParallel)"
    }
    for argument in extraArguments
    where !argument.hasPrefix("-") || argument.contains(where: \.isNewline) {
      return
        "--sbatch-arg expects one sbatch option on one line (e.g. --account=abc), got '\(argument)'"
    }
    return nil
  }
}

/// The batch script of one submission: a job array of `taskCount` tasks,
/// task `i` running `gpool run-task LIST i`.
public struct SlurmBatchScript: Sendable {
  /// sbatch's default `MaxArraySize` is 1001 (indices 0…1000); larger task
  /// lists are submitted as several arrays of at most this many tasks.
  public static let maximumArraySize = 1000

  public var jobName: String
  public var taskCount: Int
  public var resources: SlurmResources
  /// The `gpool` executable the tasks run (absolute).
  public var executable: String
  public var taskListPath: String
  /// Directory of the per-task log files `JOB_INDEX.out`.
  public var logDirectory: String
  /// Working directory of the tasks (the repository root).
  public var workingDirectory: String

  public init(
    jobName: String, taskCount: Int, resources: SlurmResources, executable: String,
    taskListPath: String, logDirectory: String, workingDirectory: String
  ) {
    self.jobName = jobName
    self.taskCount = taskCount
    self.resources = resources
    self.executable = executable
    self.taskListPath = taskListPath
    self.logDirectory = logDirectory
    self.workingDirectory = workingDirectory
  }

  /// The log file of array task `index` of job `jobID`.
  public static func logPath(directory: String, jobID: String, index: Int) -> String {
    "\(directory)/\(jobID)_\(index).out"
  }

  /// The script's text.
  public var text: String {
    var array = "0-\(taskCount - 1)"
    if let k = resources.maxParallel { array += "%\(k)" }
    var lines = [
      "#!/bin/bash",
      "# Written by gpool: one array task per run; task i runs run i of the task list.",
      "#SBATCH --job-name=\(String(jobName.map { $0.isWhitespace ? "_" : $0 }))",
      "#SBATCH --array=\(array)",
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=\(resources.cpusPerTask)",
      // sbatch expands %-patterns in the path; a literal % is written %%.
      "#SBATCH --output=\(logDirectory.replacingOccurrences(of: "%", with: "%%"))/%A_%a.out",
      "#SBATCH --chdir=\(workingDirectory)",
    ]
    if let partition = resources.partition { lines.append("#SBATCH --partition=\(partition)") }
    if let time = resources.time { lines.append("#SBATCH --time=\(time)") }
    if let memory = resources.memory { lines.append("#SBATCH --mem=\(memory)") }
    lines += resources.extraArguments.map { "#SBATCH \($0)" }
    lines += [
      "set -eu",
      "exec \(Self.shellQuoted(executable)) run-task \(Self.shellQuoted(taskListPath)) "
        + "\"$SLURM_ARRAY_TASK_ID\"",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// `text` in single quotes for sh (a quote inside becomes '\'').
  static func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
