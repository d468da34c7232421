import Foundation
import Harness
import Synchronization
import TensorCore
import XCTest

/// The graph-classification runner end to end on MUTAG (188 graphs, 2 epochs,
/// 3 folds), skipped when the data mirror is absent.
final class GraphClassificationExperimentTests: XCTestCase {
  var root: URL!

  static var mirror: String? {
    NodeClusteringExperimentTests.mirror.flatMap {
      FileManager.default.fileExists(atPath: "\($0)/tu/MUTAG.zip") ? $0 : nil
    }
  }

  private func write(_ text: String, _ relative: String) throws {
    let url = root.appendingPathComponent(relative)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  private func config(epochs: Int) -> String {
    """
    {"method": "MinCutPool", "task": "graph_classification", "dataset": {"name": "MUTAG"},
     "model": [{"type": "gcs", "units": 8, "activation": "relu"},
               {"type": "mincut", "k_ratio": 0.5, "mlp_hidden": [4]},
               {"type": "gcs", "units": 8, "activation": "relu"},
               {"type": "readout"}, {"type": "dense"}],
     "optimizer": {"learning_rate": 5e-3},
     "training": {"batch_size": 16, "max_epochs": \(epochs), "patience": 5},
     "split": {"kind": "stratified_k_fold", "folds": 3, "validation_fraction": 0.1, "seed": 0}}
    """
  }

  override func setUpWithError() throws {
    guard Self.mirror != nil else { throw XCTSkip("no data mirror with tu/MUTAG.zip") }
    root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-classification-\(UUID())")
    try write(config(epochs: 2), "Configs/mutag-mincut.json")
    try write(
      "dataset,method,acc_mean,acc_std\nMUTAG,MinCutPool,80.0,1.0\n", "Experiments/tiny/paper.csv")
    try write(
      "dataset,method,epoch_seconds,note\nMUTAG,MinCutPool,120,measured\n",
      "Experiments/tiny/epochs.csv")
    try write(
      """
      {"name": "tiny", "title": "Tiny", "seeds": [0], "paper_numbers": "Experiments/tiny/paper.csv",
       "epoch_seconds": "Experiments/tiny/epochs.csv", "configs": ["Configs/mutag-mincut.json"]}
      """, "Experiments/tiny/experiment.json")
  }

  override func tearDownWithError() throws {
    if let root { try? FileManager.default.removeItem(at: root) }
  }

  private func runner(
    only: [String]? = nil, scope: RunScope = .all, force: Bool = false,
    log: @escaping @Sendable (String) -> Void = { _ in }
  ) throws -> any ExperimentRunner {
    let spec = try ExperimentSpec.load(
      from: root.appendingPathComponent("Experiments/tiny/experiment.json").path)
    return try ExperimentRunners.make(
      spec: spec, rootDirectory: root.path, dataDirectory: Self.mirror!,
      outputDirectory: root.appendingPathComponent("results").path, jobs: 2, force: force,
      progressStyle: .lines, only: only, scope: scope, log: log)
  }

  /// A run's training state (`partial/<run-id>.json`) is removed once the
  /// run's record is written, and by --force, except in a Slurm task.
  func testTrainingStatesOfFinishedRunsAndUnderForceAreRemoved() throws {
    let state = "results/partial/mutag-mincut-split1-seed0.json"
    func exists() -> Bool {
      FileManager.default.fileExists(atPath: root.appendingPathComponent(state).path)
    }
    try write("{}", state)
    XCTAssertTrue(try runner().run().isEmpty)
    XCTAssertFalse(exists(), "removed when its run finished")
    try write("{}", state)
    XCTAssertTrue(try runner().run().isEmpty)
    XCTAssertFalse(exists(), "a finished run's state is stale")

    try write(config(epochs: 3), "Configs/mutag-mincut.json")  // every run pending again
    try write("{}", state)
    _ = try runner(scope: .plan(PendingRuns())).run()
    XCTAssertTrue(exists(), "a pending run keeps its state")
    _ = try runner(scope: .single("mutag-mincut-split0-seed0"), force: true).run()
    XCTAssertTrue(exists(), "a Slurm task of a forced submission discards no state")
    _ = try runner(scope: .plan(PendingRuns()), force: true).run()
    XCTAssertFalse(exists(), "--force discards it")
  }

  private func text(_ name: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent("results/\(name)"), encoding: .utf8)
  }

  /// `--only` runs the selected configs; the others stay in the table as
  /// not run, with their planned runs.
  func testOnlySelectedConfigsRunButEveryCellIsListed() throws {
    XCTAssertTrue(try runner(only: ["no-such-config"]).run().isEmpty)
    let table = try text("tiny.md")
    // No run finished: 3 runs × 120 s/epoch × 2 epochs (the config's maximum).
    XCTAssertTrue(
      table.contains(
        "| MUTAG | MinCutPool | not run | 0/3 | ≈ 12 min (120.00 s/epoch × 2 epochs) |"),
      table)
    let summary = try text("summary.csv")
    XCTAssertTrue(summary.contains(",0.20,,,1.0000,yes\n"), summary)
    XCTAssertFalse(
      FileManager.default.fileExists(
        atPath: root.appendingPathComponent("results/runs/mutag-mincut-split0-seed0.json").path))
  }

  func testFoldsRunResumeAndFillTheTables() throws {
    XCTAssertTrue(try runner().run().isEmpty)
    let runs = try text("runs.csv").split(separator: "\n")
    XCTAssertEqual(runs.count, 1 + 3, "a header and one row per fold")
    let first = try JSONDecoder().decode(
      GraphClassificationResult.self,
      from: Data(
        contentsOf: root.appendingPathComponent("results/runs/mutag-mincut-split0-seed0.json")))
    XCTAssertEqual(first.epochs, 2)
    XCTAssertEqual(first.clusterCounts.count, 1)
    // Its training log: a header (MinCutPool's two losses) and a row per epoch.
    let log = try text("logs/mutag-mincut-split0-seed0.csv").split(separator: "\n")
    XCTAssertEqual(
      log.first,
      "epoch,training_loss,validation_loss,validation_cross_entropy,cut_1,orthogonality_1,"
        + "validation_l2,validation_accuracy")
    XCTAssertEqual(log.count, 1 + first.epochs)
    let loggedLosses = log.dropFirst().map { Double($0.split(separator: ",")[2])! }
    XCTAssertEqual(
      loggedLosses.min(), first.bestValidationLoss, "the best validation loss is the logged minimum"
    )
    XCTAssertEqual(loggedLosses.firstIndex(of: loggedLosses.min()!).map { $0 + 1 }, first.bestEpoch)
    // The three test folds partition the 188 graphs; no test graph was trained on.
    var tested: [Int] = []
    for fold in 0..<3 {
      let record = try JSONDecoder().decode(
        GraphClassificationResult.self,
        from: Data(
          contentsOf: root.appendingPathComponent(
            "results/runs/mutag-mincut-split\(fold)-seed0.json")))
      XCTAssertTrue(
        Set(record.split.test).isDisjoint(with: record.split.train + record.split.validation))
      tested += record.split.test
    }
    XCTAssertEqual(tested.sorted(), Array(0..<188))
    let table = try text("tiny.md")
    XCTAssertTrue(table.contains("| MUTAG | MinCutPool |"), table)
    XCTAssertTrue(table.contains("| 3/3 |  | **80.0 ± 1.0** |"), table)
    // The only complete cell of its dataset is its best: bold, p = 1, and
    // MinCutPool's rank is reported beside the paper's.
    XCTAssertTrue(table.contains("| MUTAG | MinCutPool | **"), table)
    // The paper's mark is derived from its numbers: the only published
    // MUTAG cell is its best too, so the marks agree.
    XCTAssertTrue(
      table.contains("| MUTAG | 1 of 1 (best: MinCutPool) | yes | – | 1 of 1 | yes |"), table)
    XCTAssertTrue(
      table.contains("| MUTAG | 1 of 1 | MinCutPool | MinCutPool | same | MinCutPool |"), table)
    XCTAssertTrue(try text("summary.csv").contains(",1.0000,yes,1.0000,yes\n"))

    // A run that selects no config still lists the stored runs.
    XCTAssertTrue(try runner(only: ["no-such-config"]).run().isEmpty)
    XCTAssertTrue(try text("tiny.md").contains("| 3/3 |  | **80.0 ± 1.0** |"))

    // A partial cell says so and projects its missing run from its finished ones.
    let third = root.appendingPathComponent("results/runs/mutag-mincut-split2-seed0.json")
    try FileManager.default.removeItem(at: third)
    XCTAssertTrue(try runner(only: ["no-such-config"]).run().isEmpty)
    let partial = try text("tiny.md")
    XCTAssertTrue(partial.contains("(partial) | 2/3 | ≈ "), partial)
    XCTAssertTrue(partial.contains("(mean of its 2 runs) |"), partial)
    XCTAssertTrue(try runner().run().isEmpty)  // computes the missing run again

    // Resumed: nothing recomputed; the records are untouched.
    let lines = Mutex<[String]>([])
    XCTAssertTrue(try runner(log: { line in lines.withLock { $0.append(line) } }).run().isEmpty)
    XCTAssertTrue(lines.withLock { $0 }.contains { $0.contains("3 already done, 0 to run") })

    // An edited config recomputes its runs.
    try write(config(epochs: 3), "Configs/mutag-mincut.json")
    XCTAssertTrue(try runner().run().isEmpty)
    let again = try JSONDecoder().decode(
      GraphClassificationResult.self,
      from: Data(
        contentsOf: root.appendingPathComponent("results/runs/mutag-mincut-split0-seed0.json")))
    XCTAssertEqual(again.epochs, 3)
  }

  /// The scopes a cluster backend splits a sweep into: a plan lists the
  /// pending runs and writes nothing; a task runs exactly its run and writes
  /// no tables; a collect writes the tables and lists what is still missing.
  func testScopesPlanRunOneRunAndCollect() throws {
    let plan = PendingRuns()
    XCTAssertTrue(try runner(scope: .plan(plan)).run().isEmpty)
    XCTAssertEqual(
      Set(plan.runs.map(\.id)),
      ["mutag-mincut-split0-seed0", "mutag-mincut-split1-seed0", "mutag-mincut-split2-seed0"])
    XCTAssertEqual(Set(plan.runs.map(\.config)), ["mutag-mincut"])
    let results = root.appendingPathComponent("results")
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: results.appendingPathComponent("tiny.md").path))

    XCTAssertTrue(try runner(scope: .single("mutag-mincut-split1-seed0")).run().isEmpty)
    let stored = try FileManager.default.contentsOfDirectory(
      atPath: results.appendingPathComponent("runs").path)
    XCTAssertEqual(stored, ["mutag-mincut-split1-seed0.json"])
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: results.appendingPathComponent("tiny.md").path))
    // Again: already done, nothing runs, the record is untouched.
    let record = results.appendingPathComponent("runs/mutag-mincut-split1-seed0.json")
    let before = try Data(contentsOf: record)
    XCTAssertTrue(try runner(scope: .single("mutag-mincut-split1-seed0")).run().isEmpty)
    XCTAssertEqual(try Data(contentsOf: record), before)
    // A run the experiment does not have is an error, not a silent success.
    XCTAssertThrowsError(try runner(scope: .single("mutag-mincut-split7-seed0")).run()) {
      XCTAssertTrue("\($0)".contains("has no run 'mutag-mincut-split7-seed0'"), "\($0)")
    }

    let missing = PendingRuns()
    XCTAssertTrue(try runner(scope: .collect(missing)).run().isEmpty)
    XCTAssertEqual(
      Set(missing.runs.map(\.id)), ["mutag-mincut-split0-seed0", "mutag-mincut-split2-seed0"])
    let table = try text("tiny.md")
    XCTAssertTrue(table.contains("(partial) | 1/3 |"), table)
  }

  /// Submission with a stand-in `sbatch` (a script printing a job id): the
  /// task list holds the pending runs, the script runs `run-task` on them as
  /// an array, the submission is recorded; a dry run writes nothing.
  func testSlurmSubmissionWritesTaskListScriptAndRecord() throws {
    let bin = root.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let sbatch = bin.appendingPathComponent("sbatch").path
    try "#!/bin/sh\necho \"$@\" >> \(bin.path)/calls\necho '4711;cluster'\n".write(
      toFile: sbatch, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sbatch)
    let backend = SlurmBackend(client: SlurmClient(searchPath: [bin.path]), log: { _ in })
    let output = root.appendingPathComponent("results").path
    let template = ClusterTaskList(
      kind: .reproduce, experiment: "tiny", root: root.path, dataDirectory: Self.mirror!,
      outputDirectory: output, threads: 1, force: false)
    let resources = SlurmResources(time: "01:00:00", maxParallel: 2, extraArguments: ["--qos=low"])

    let dry = try backend.submit(
      template, resources: resources, executable: "/opt/gpool", dryRun: true)
    XCTAssertEqual(dry.submitted.count, 3)
    XCTAssertTrue(dry.scripts[0].contains("#SBATCH --array=0-2%2\n"), dry.scripts[0])
    XCTAssertFalse(FileManager.default.fileExists(atPath: "\(output)/slurm"))

    let outcome = try backend.submit(
      template, resources: resources, executable: "/opt/gpool", dryRun: false)
    XCTAssertEqual(outcome.jobIDs, ["4711"])
    let submissions = try SlurmBackend.submissions(in: "\(output)/slurm")
    XCTAssertEqual(submissions.map(\.jobID), ["4711"])
    XCTAssertEqual(submissions[0].runs, 3)
    let list = try ClusterTaskList.load(from: submissions[0].taskList)
    XCTAssertEqual(list.runs.count, 3)
    XCTAssertEqual(list.outputDirectory, output)
    let script = try String(contentsOfFile: submissions[0].script, encoding: .utf8)
    XCTAssertTrue(script.contains("#SBATCH --time=01:00:00\n#SBATCH --qos=low\n"), script)
    XCTAssertTrue(
      script.hasSuffix(
        "exec '/opt/gpool' run-task '\(submissions[0].taskList)' \"$SLURM_ARRAY_TASK_ID\"\n"),
      script)
    let calls = try String(contentsOfFile: "\(bin.path)/calls", encoding: .utf8)
    XCTAssertEqual(calls, "--parsable \(submissions[0].script)\n")

    // Collect before any task ran: the three runs are missing, with their
    // task and no log yet (no squeue here: the state is unknown).
    let (_, missing) = try backend.collect(outputDirectory: output)
    XCTAssertEqual(missing.count, 3)
    XCTAssertTrue(missing.allSatisfy { $0.task?.hasPrefix("job 4711 task ") ?? false })
    XCTAssertTrue(missing.allSatisfy { $0.logPath == nil && $0.state == nil && !$0.isActive })
  }
}
