import Dispatch
import Foundation
import Synchronization

/// A finished run's stored record: enough to tell whether it is still
/// valid (it came from the same config file content).
public protocol RecordedRun: Codable, Sendable {
  var configSHA256: String { get }
}

/// The engine every experiment runner shares (node clustering, graph
/// classification): resume (a run whose record exists and came from the
/// same config is not recomputed; `force` recomputes), ordering (longest
/// first, so no long run starts last and runs alone at the end), parallel
/// jobs, the progress display, stale temporary files of killed runs, and
/// the list of runs that failed. What a run is, what its record holds and
/// which tables are written stay with the task.
/// A run the queue schedules: its id and the config it belongs to.
protocol QueueItem: Sendable {
  var runID: String { get }
  var configName: String { get }
  /// SHA-256 of the config file's content (what a record must match).
  var configSHA256: String { get }
}

struct RunQueue<Item: QueueItem>: Sendable {
  let outputDirectory: String
  let jobs: Int
  let force: Bool
  let progressStyle: ExperimentProgress.Style
  let write: @Sendable (String) -> Void
  let log: @Sendable (String) -> Void
  /// Other experiments' output directories whose records are reused
  /// (`ExperimentSpec.reuseRunsFrom`, resolved).
  var reusedDirectories: [String] = []
  /// Which pending runs `execute` runs (all, one, or none while listing them).
  var scope: RunScope = .all

  /// Where the record of run `id` lives.
  func recordPath(_ id: String) -> String { "\(outputDirectory)/runs/\(id).json" }

  /// Where a record of run `id` may be: here, then in each reused directory.
  func recordPaths(_ id: String) -> [String] {
    [recordPath(id)] + reusedDirectories.map { "\($0)/runs/\(id).json" }
  }

  /// The stored record of run `id`, if one was written and decodes (a file
  /// that does not decode counts as absent, so the run is recomputed).
  /// Looks in this experiment's `runs/` first, then in each reused
  /// directory's.
  func storedRecord<Record: RecordedRun>(_ id: String, as type: Record.Type) -> Record? {
    for path in recordPaths(id) {
      if let data = FileManager.default.contents(atPath: path),
        let record = try? JSONDecoder().decode(Record.self, from: data)
      {
        return record
      }
    }
    return nil
  }

  /// The ids of every stored record, here and in the reused directories.
  func storedIDs() -> Set<String> {
    var ids = Set<String>()
    for directory in [outputDirectory] + reusedDirectories {
      let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/runs")) ?? []
      for file in files where file.hasSuffix(".json") { ids.insert(String(file.dropLast(5))) }
    }
    return ids
  }

  /// Whether run `id` of a config with hash `configSHA256` must be computed.
  func needsRun<Record: RecordedRun>(
    _ id: String, configSHA256: String, configPath: String, as type: Record.Type
  ) -> Bool {
    if force { return true }
    guard let stored = storedRecord(id, as: type) else { return true }
    if stored.configSHA256 != configSHA256 {
      log("\(id): \(configPath) changed since the stored run; recomputing")
      return true
    }
    return false
  }

  /// Runs `pending` (`label`, estimated `cost` per item) on up to `jobs`
  /// workers, longest first; of them only what `scope` selects (a `.plan`
  /// or `.collect` scope lists them instead). `run` computes one item, writes its
  /// outputs and returns its record and a one-line summary for the
  /// display; the record is written atomically to `recordPath` (a stale
  /// one is removed first, so a failed rerun leaves none). A run whose
  /// record of the same config appeared after the plan was made, here or
  /// in a reused directory (another `gpool` process or a Slurm task
  /// finished it meanwhile), is skipped unless `force`: its record is kept,
  /// not deleted and recomputed.
  /// Returns the failures (run id, message). `runsMayStopEarly`: a cost
  /// counts an iteration limit the run may not reach (the first ETA is a
  /// bound).
  func execute<Record: RecordedRun>(
    _ pending: [Item], label: (Item) -> String, cost: (Item) -> Double,
    runsMayStopEarly: Bool = false,
    run:
      @Sendable (Item, _ progress: RunProgress) throws -> (
        record: Record, summary: String
      )
  ) throws -> [(runID: String, error: String)] {
    var selected = pending.enumerated().sorted { a, b in
      let (ca, cb) = (cost(a.element), cost(b.element))
      return ca != cb ? ca > cb : a.offset < b.offset
    }.map(\.element)
    switch scope {
    case .all: break
    case .plan(let sink), .collect(let sink):
      sink.append(selected.map { PendingRuns.Run(id: $0.runID, config: $0.configName) })
      return []
    case .single(let id):
      selected = selected.filter { $0.runID == id }
      if selected.isEmpty {
        // Not pending: done already, or not runnable here (the runner
        // reports why, e.g. its dataset is missing).
        let done = recordPaths(id).contains { FileManager.default.fileExists(atPath: $0) }
        if done { log("\(id): already done (its record exists); nothing to run") }
        return []
      }
    }
    let ordered = selected
    let ids = ordered.map(\.runID)
    let labels = ordered.map(label)
    let costs = ordered.map(cost)

    // What a killed earlier run left behind (temporary files of dead processes).
    // Not where Slurm tasks may be writing: their process ids belong to
    // other machines and would look dead here.
    let clusterTasksMayWrite = FileManager.default.fileExists(
      atPath: "\(outputDirectory)/slurm/submissions.json")
    if scope.cleansStaleTemporaries && clusterTasksMayWrite {
      log("note: \(outputDirectory) has Slurm submissions; leftover temporary files are kept")
    }
    let stale =
      scope.cleansStaleTemporaries && !clusterTasksMayWrite
      ? AtomicFile.removeStaleTemporaries(in: outputDirectory) : []
    if !stale.isEmpty {
      log("removed \(stale.count) temporary file(s) left by an interrupted earlier run")
    }
    for folder in ["runs", "logs", "checkpoints"] {
      try FileManager.default.createDirectory(
        atPath: "\(outputDirectory)/\(folder)", withIntermediateDirectories: true)
    }
    let failures = Mutex<[(runID: String, error: String)]>([])
    let next = Atomic<Int>(0)
    let workers = min(jobs, max(1, ordered.count))
    let progress = ExperimentProgress(
      total: ordered.count, totalCost: costs.reduce(0, +), style: progressStyle,
      runsMayStopEarly: runsMayStopEarly, write: write)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let index = next.add(1, ordering: .relaxed).oldValue
        guard index < ordered.count else { return }
        let path = recordPath(ids[index])
        if !force,
          storedRecord(ids[index], as: Record.self)?.configSHA256 == ordered[index].configSHA256
        {
          progress.skipped(
            index, label: labels[index], cost: costs[index],
            reason: "finished meanwhile by another process (its record appeared after this "
              + "run list was made); kept, not recomputed")
          continue
        }
        try? FileManager.default.removeItem(atPath: path)
        progress.started(index, label: labels[index], cost: costs[index])
        do {
          let (record, summary) = try run(
            ordered[index],
            RunProgress(
              report: { done, total in progress.progress(index, iteration: done, of: total) },
              resumed: { done, total in progress.resumed(index, iteration: done, of: total) }))
          try AtomicFile.write(try JSONEncoder.sortedPretty.encode(record), to: path)
          progress.finished(index, result: summary)
        } catch {
          failures.withLock { $0.append((ids[index], "\(error)")) }
          progress.failed(index, error: "\(error)")
        }
      }
    }
    progress.close()
    return failures.withLock { $0 }
  }
}

/// How one run of a `RunQueue` reports its progress to the display.
struct RunProgress: Sendable {
  /// `done` of `total` iterations are done.
  let report: @Sendable (_ done: Int, _ total: Int) -> Void
  /// The run resumed from a saved state after `done` of `total` iterations,
  /// computed by an earlier process (they are not in the ETA's rate).
  let resumed: @Sendable (_ done: Int, _ total: Int) -> Void

  func callAsFunction(_ done: Int, _ total: Int) { report(done, total) }
}
