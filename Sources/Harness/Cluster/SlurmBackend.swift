import Foundation

/// Runs an experiment's sweep as Slurm job arrays, one array task per run,
/// with the local runner's resume semantics: only runs without a record are
/// submitted (and none a queued or running task already covers), each task
/// writes its own record atomically, and `collect` merges the records into
/// the same tables the local runner writes.
///
/// Files, under `<output>/slurm/`: `<stamp>.tasks.json` (the task list),
/// `<stamp>.sbatch` (the script), `logs/<job>_<index>.out` (each task's
/// output), `submissions.json` (job id → task list, for `collect`).
public struct SlurmBackend: Sendable {
  public var client: SlurmClient
  public var log: @Sendable (String) -> Void

  public init(client: SlurmClient = SlurmClient(), log: @escaping @Sendable (String) -> Void) {
    self.client = client
    self.log = log
  }

  /// One submitted job array.
  public struct Submission: Codable, Sendable, Equatable {
    public var jobID: String
    public var taskList: String
    public var script: String
    public var submitted: String
    public var runs: Int

    enum CodingKeys: String, CodingKey {
      case jobID = "job_id"
      case taskList = "task_list"
      case script, submitted, runs
    }
  }

  /// What `submit` did.
  public struct SubmitOutcome: Sendable {
    /// The job ids submitted (several when the runs exceed one array).
    public var jobIDs: [String] = []
    /// The runs submitted.
    public var submitted: [PendingRuns.Run] = []
    /// Pending runs left out because a queued or running task has them.
    public var alreadyQueued: [String] = []
    /// The scripts written (with `dryRun`: printed, not written).
    public var scripts: [String] = []
    /// Runs or configs left out because their data is missing, with why.
    public var skipped: [(runID: String, error: String)] = []
  }

  /// Array task states in which the task's run is still coming.
  static let activeStates: Set<String> = [
    "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING",
    "REQUEUE_HOLD", "REQUEUE_FED", "SIGNALING", "STAGE_OUT",
  ]

  /// Plans the pending runs of `template`'s experiment and submits them as
  /// job arrays running `executable run-task`. With `dryRun` nothing is
  /// written or submitted: the scripts are returned to be printed.
  public func submit(
    _ template: ClusterTaskList, resources: SlurmResources, executable: String, dryRun: Bool
  ) throws -> SubmitOutcome {
    if let problem = resources.problem() { throw SlurmError.invalid(problem) }
    let directory = ClusterTaskList.directory(of: template.outputDirectory)
    let logDirectory = "\(directory)/logs"
    for path in [logDirectory, template.root] where path.contains(where: \.isWhitespace) {
      throw SlurmError.invalid(
        "\(path) contains a space, which #SBATCH lines cannot hold; use --output/--root without spaces"
      )
    }
    if !dryRun, client.locate("sbatch") == nil {
      throw SlurmError.notInstalled(command: "sbatch")
    }
    // One submission at a time per output directory: the log is read,
    // extended and written back below.
    let lock = try SubmissionLock(path: "\(directory)/submissions.lock", dryRun: dryRun)
    defer { lock.release() }
    // The queue is asked before planning, so that a task finishing in
    // between is found done by the plan rather than submitted again; a
    // failing `squeue` stops the submission (it could duplicate every run).
    let submissions = try Self.submissions(in: directory)
    let active = try activeRuns(submissions: submissions)
    let sink = PendingRuns()
    var outcome = SubmitOutcome()
    outcome.skipped = try template.makeRunner(scope: .plan(sink), log: log).run()
    var runs = sink.runs
    outcome.alreadyQueued = runs.map(\.id).filter(active.contains)
    runs.removeAll { active.contains($0.id) }
    guard !runs.isEmpty else { return outcome }

    // Unique per submission, so that no queued array's task list is ever
    // overwritten (a task reads its run by index).
    let stamp = Self.timestamp() + "-" + UUID().uuidString.prefix(8).lowercased()
    let chunks = stride(from: 0, to: runs.count, by: SlurmBatchScript.maximumArraySize).map {
      Array(runs[$0..<min($0 + SlurmBatchScript.maximumArraySize, runs.count)])
    }
    var recorded = submissions
    for (chunkIndex, chunk) in chunks.enumerated() {
      let stem = "\(directory)/\(stamp)" + (chunks.count > 1 ? "-\(chunkIndex)" : "")
      var list = template
      list.runs = chunk
      let script = SlurmBatchScript(
        jobName: "gpool-\(template.experiment)", taskCount: chunk.count, resources: resources,
        executable: executable, taskListPath: "\(stem).tasks.json", logDirectory: logDirectory,
        workingDirectory: template.root)
      if dryRun {
        outcome.scripts.append(script.text)
        outcome.submitted += chunk
        continue
      }
      try FileManager.default.createDirectory(
        atPath: logDirectory, withIntermediateDirectories: true)
      try AtomicFile.write(JSONEncoder.sortedPretty.encode(list), to: "\(stem).tasks.json")
      try AtomicFile.write(script.text, to: "\(stem).sbatch")
      let job = try client.submit(script: "\(stem).sbatch")
      recorded.append(
        Submission(
          jobID: job, taskList: "\(stem).tasks.json", script: "\(stem).sbatch",
          submitted: stamp, runs: chunk.count))
      // Recorded at once, so that a later chunk's failure keeps this job known.
      try AtomicFile.write(
        JSONEncoder.sortedPretty.encode(recorded), to: "\(directory)/submissions.json")
      outcome.jobIDs.append(job)
      outcome.submitted += chunk
      outcome.scripts.append("\(stem).sbatch")
    }
    return outcome
  }

  /// A run that `collect` found missing, with what Slurm and the task's log
  /// say about it.
  public struct MissingRun: Sendable {
    public var id: String
    /// "job 123 task 4", or nil when no submission had the run.
    public var task: String?
    /// The array task's state ("CANCELLED", "FAILED 1:0", …), when known.
    public var state: String?
    public var logPath: String?
    /// The log's last non-empty line (the task's error, or Slurm's note of
    /// the cancellation).
    public var lastLogLine: String?

    /// Whether a queued or running task still has the run.
    public var isActive: Bool {
      state.map { SlurmBackend.activeStates.contains(String($0.prefix { $0 != " " })) } ?? false
    }
  }

  /// Rewrites the tables of the experiment submitted from `outputDirectory`
  /// from the runs stored so far, and returns the runs of the submitted
  /// configs that have no record yet, each with its task's state and log.
  public func collect(outputDirectory: String) throws -> (
    list: ClusterTaskList, missing: [MissingRun]
  ) {
    let directory = ClusterTaskList.directory(of: outputDirectory)
    let submissions = try Self.submissions(in: directory)
    guard let latest = submissions.last else {
      throw SlurmError.invalid(
        "no Slurm submission in \(directory) (submit with `--backend slurm` first)")
    }
    var template = try ClusterTaskList.load(from: latest.taskList)
    // Where each run was last submitted: job id and array index.
    var lastTask: [String: (job: String, index: Int)] = [:]
    var submittedConfigs = Set<String>()
    for submission in submissions {
      guard let list = try? ClusterTaskList.load(from: submission.taskList) else { continue }
      for (index, run) in list.runs.enumerated() { lastTask[run.id] = (submission.jobID, index) }
      submittedConfigs.formUnion(list.runs.map(\.config))
    }
    // The tables hold every stored run; the missing runs listed are those of
    // the configs ever submitted (a `--only` submission is not asked about
    // the configs it left out, nor are their datasets loaded).
    template.only = submittedConfigs.sorted()
    template.force = false
    let sink = PendingRuns()
    // Runs (or, for graph classification, configs) whose data cannot be
    // loaded here are not pending to the runner, but they are not done (the
    // runner reports only those without a record).
    let notLoaded = try template.makeRunner(scope: .collect(sink), log: log).run()
    let reasons = Dictionary(notLoaded.map { ($0.runID, $0.error) }) { a, _ in a }
    let missingIDs = sink.runs.map(\.id) + notLoaded.map(\.runID)
    let jobs = Set(missingIDs.compactMap { lastTask[$0]?.job }).sorted()
    let queued = (try? client.arrayTaskStates(jobIDs: jobs)) ?? [:]
    var accounted: [String: String] = [:]
    for job in jobs { accounted.merge(client.accountingStates(jobID: job) ?? [:]) { a, _ in a } }
    let missing = missingIDs.map { id -> MissingRun in
      let note = reasons[id].map { "its data cannot be loaded here (\($0))" }
      guard let (job, index) = lastTask[id] else { return MissingRun(id: id, state: note) }
      let key = "\(job)_\(index)"
      let logPath = SlurmBatchScript.logPath(
        directory: "\(directory)/logs", jobID: job, index: index)
      let state = [queued[key] ?? accounted[key], note].compactMap { $0 }
      return MissingRun(
        id: id, task: "job \(job) task \(index)",
        state: state.isEmpty ? nil : state.joined(separator: "; "),
        logPath: FileManager.default.fileExists(atPath: logPath) ? logPath : nil,
        lastLogLine: Self.lastLine(of: logPath))
    }
    return (template, missing)
  }

  /// The run ids that queued or running array tasks of earlier submissions
  /// will compute. Throws when `squeue` is missing or fails.
  func activeRuns(submissions: [Submission]) throws -> Set<String> {
    guard !submissions.isEmpty else { return [] }
    let states = try client.arrayTaskStates(jobIDs: submissions.map(\.jobID), strict: true)
    var active = Set<String>()
    for submission in submissions {
      guard let list = try? ClusterTaskList.load(from: submission.taskList) else { continue }
      for (index, run) in list.runs.enumerated()
      where states["\(submission.jobID)_\(index)"].map(Self.activeStates.contains) ?? false {
        active.insert(run.id)
      }
    }
    return active
  }

  /// The submissions recorded in `directory` (none when it has no log).
  public static func submissions(in directory: String) throws -> [Submission] {
    let path = "\(directory)/submissions.json"
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    do {
      return try JSONDecoder().decode([Submission].self, from: data)
    } catch {
      throw ConfigError(file: path, keyPath: "", message: "damaged submission log: \(error)")
    }
  }

  static func timestamp() -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    return formatter.string(from: Date())
  }

  /// The last non-empty line of a text file (its last 4 KiB), if any.
  static func lastLine(of path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
    let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    return text.split(whereSeparator: \.isNewline).last.map {
      $0.trimmingCharacters(in: .whitespaces)
    }
  }
}

/// An exclusive lock (flock(2)) on a file beside the submission log, held
/// while a submission plans and records its jobs. A dry run takes none.
final class SubmissionLock {
  private var descriptor: Int32 = -1

  init(path: String, dryRun: Bool) throws {
    guard !dryRun else { return }
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    descriptor = open(path, O_CREAT | O_RDWR, 0o644)
    guard descriptor >= 0, flock(descriptor, LOCK_EX) == 0 else {
      throw SlurmError.invalid("cannot lock \(path): \(String(cString: strerror(errno)))")
    }
  }

  func release() {
    if descriptor >= 0 {
      flock(descriptor, LOCK_UN)
      close(descriptor)
      descriptor = -1
    }
  }
}
