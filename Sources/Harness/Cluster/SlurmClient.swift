import Foundation

/// The Slurm client commands (`sbatch`, `squeue`, `sacct`), run as child
/// processes: the harness schedules nothing itself. Each call costs one
/// round trip to the Slurm controller.
public struct SlurmClient: Sendable {
  /// Where the commands are looked up (default: `$PATH`).
  public var searchPath: [String]

  public init(searchPath: [String]? = nil) {
    self.searchPath =
      searchPath
      ?? (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
      .map(String.init)
  }

  /// The full path of `command`, or nil when it is not installed.
  public func locate(_ command: String) -> String? {
    for directory in searchPath {
      let path = "\(directory)/\(command)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }

  /// Submits a batch script with `sbatch --parsable`; returns the job id.
  public func submit(script path: String) throws -> String {
    let output = try run("sbatch", ["--parsable", path])
    // `--parsable` prints "JOBID" or "JOBID;CLUSTER".
    let id = output.split(separator: ";").first.map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard let id, !id.isEmpty, id.allSatisfy(\.isNumber) else {
      throw SlurmError.unexpectedOutput(command: "sbatch --parsable \(path)", output: output)
    }
    return id
  }

  /// The state of every array task of the jobs `jobIDs` that the controller
  /// still knows (queued, running, or recently ended: `squeue -t all`
  /// lists finished jobs for `MinJobAge` seconds), keyed "JOB_INDEX". A job
  /// the controller no longer knows ("Invalid job id") is absent. With
  /// `strict`, any other failure (or a missing `squeue`) throws: a caller
  /// deciding what to resubmit must not take "unknown" for "not queued".
  public func arrayTaskStates(jobIDs: [String], strict: Bool = false) throws -> [String: String] {
    var states: [String: String] = [:]
    for job in Set(jobIDs).sorted() {
      let output: String
      do {
        output = try run(
          "squeue", ["--noheader", "--array", "--states=all", "--jobs=\(job)", "--format=%i %T"])
      } catch SlurmError.failed(_, _, let message) where message.contains("Invalid job id") {
        continue
      } catch {
        if strict { throw error }
        continue
      }
      for line in output.split(separator: "\n") {
        let fields = line.split(separator: " ")
        if fields.count == 2 { states[String(fields[0])] = String(fields[1]) }
      }
    }
    return states
  }

  /// The accounting record's state and exit code of each array task of
  /// `jobID` ("JOB_INDEX" → "FAILED 1:0"), or nil when `sacct` is missing
  /// or accounting is disabled (as on the local test cluster).
  public func accountingStates(jobID: String) -> [String: String]? {
    guard
      let output = try? run(
        "sacct", ["--noheader", "--parsable2", "--jobs=\(jobID)", "--format=JobID,State,ExitCode"])
    else { return nil }
    var states: [String: String] = [:]
    for line in output.split(separator: "\n") {
      let fields = line.split(separator: "|").map(String.init)
      // Steps ("123_4.batch") repeat their task; the task's own line is kept.
      guard fields.count == 3, !fields[0].contains(".") else { continue }
      states[fields[0]] = "\(fields[1]) \(fields[2])"
    }
    return states
  }

  /// Runs a client command; throws with its standard error when it fails.
  func run(_ command: String, _ arguments: [String]) throws -> String {
    guard let path = locate(command) else { throw SlurmError.notInstalled(command: command) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    // Standard error goes to a file: reading two pipes one after the other
    // could block the child on the second one's full buffer.
    let errorPath = NSTemporaryDirectory() + "gpool-slurm-\(UUID().uuidString).err"
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    guard FileManager.default.createFile(atPath: errorPath, contents: nil),
      let errors = FileHandle(forWritingAtPath: errorPath)
    else {
      throw SlurmError.invalid("cannot create \(errorPath)")
    }
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try? errors.close()
    let err = FileManager.default.contents(atPath: errorPath) ?? Data()
    guard process.terminationStatus == 0 else {
      throw SlurmError.failed(
        command: ([command] + arguments).joined(separator: " "),
        status: process.terminationStatus,
        message: String(decoding: err, as: UTF8.self).trimmingCharacters(
          in: .whitespacesAndNewlines))
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// What went wrong talking to Slurm.
public enum SlurmError: Error, CustomStringConvertible, Equatable {
  case notInstalled(command: String)
  case failed(command: String, status: Int32, message: String)
  case unexpectedOutput(command: String, output: String)
  /// A submission option or state the backend cannot use.
  case invalid(String)

  public var description: String {
    switch self {
    case .notInstalled(let command):
      return "`\(command)` not found on PATH: the Slurm backend needs the Slurm client commands "
        + "(Debian: slurm-client; for a local test cluster: scripts/local-slurm.sh start)"
    case .failed(let command, let status, let message):
      return "`\(command)` failed (exit status \(status)): \(message)"
    case .unexpectedOutput(let command, let output):
      return "`\(command)` printed '\(output.prefix(200))', not a job id"
    case .invalid(let message):
      return message
    }
  }
}
