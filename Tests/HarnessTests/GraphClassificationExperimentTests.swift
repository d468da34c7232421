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
    only: [String]? = nil, log: @escaping @Sendable (String) -> Void = { _ in }
  ) throws -> any ExperimentRunner {
    let spec = try ExperimentSpec.load(
      from: root.appendingPathComponent("Experiments/tiny/experiment.json").path)
    return try ExperimentRunners.make(
      spec: spec, rootDirectory: root.path, dataDirectory: Self.mirror!,
      outputDirectory: root.appendingPathComponent("results").path, jobs: 2, force: false,
      progressStyle: .lines, only: only, log: log)
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
}
