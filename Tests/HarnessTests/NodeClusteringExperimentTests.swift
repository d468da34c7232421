import Foundation
import Harness
import Synchronization
import TensorCore
import XCTest

/// End-to-end runs of the experiment runner on the real Cora files (a few
/// iterations), skipped when the data mirror is absent.
final class NodeClusteringExperimentTests: XCTestCase {
  var root: URL!

  static var mirror: String? {
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let candidates: [String?] = [
      ProcessInfo.processInfo.environment["GPOOL_DATA_MIRROR"],
      packageRoot.appendingPathComponent("../shared/data").standardized.path,
      packageRoot.appendingPathComponent("data").path,
    ]
    return candidates.compactMap { $0 }.first {
      FileManager.default.fileExists(atPath: "\($0)/planetoid/cora/ind.cora.x")
    }
  }

  override func setUpWithError() throws {
    guard Self.mirror != nil else { throw XCTSkip("no Planetoid data mirror found") }
    root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-experiment-\(UUID())")
    for folder in ["Configs", "Experiments/tiny"] {
      try FileManager.default.createDirectory(
        at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    func config(_ name: String, _ body: String) throws {
      try body.write(
        to: root.appendingPathComponent("Configs/\(name).json"), atomically: true, encoding: .utf8)
    }
    try config(
      "cora-mincut",
      """
      {"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"},
       "model": [{"type": "gcs", "units": 8, "activation": "elu", "kernel_initializer": "he_normal"},
                 {"type": "mincut", "k": 7}],
       "optimizer": {"learning_rate": 5e-3}, "iterations": 6, "log_every": 2}
      """)
    // An ablation: same dataset and method, one key changed.
    try config(
      "cora-mincut-wide",
      """
      {"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"},
       "model": [{"type": "gcs", "units": 12, "activation": "elu"}, {"type": "mincut", "k": 7}],
       "iterations": 2}
      """)
    try config(
      "cora-diffpool",
      """
      {"method": "DiffPool", "task": "node_clustering", "dataset": {"name": "cora"},
       "model": [{"type": "diffpool", "k": 7}],
       "iterations": 3}
      """)
    try config(
      "cora-spectral",
      """
      {"method": "SpectralClustering", "task": "node_clustering", "dataset": {"name": "cora"},
       "baseline": {"type": "spectral_clustering", "kmeans_restarts": 2}}
      """)
    try config(
      "pubmed-mincut",
      """
      {"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "pubmed"},
       "model": [{"type": "gcs", "units": 8}, {"type": "mincut"}], "iterations": 3}
      """)
    try
      "dataset,k,method,nmi_mean,nmi_std,cs_mean,cs_std\nCora,7,MinCutPool,0.404,0.018,0.392,0.018\n"
      .write(
        to: root.appendingPathComponent("Experiments/tiny/paper.csv"), atomically: true,
        encoding: .utf8)
    try """
    {"name": "tiny", "title": "Tiny", "seeds": [0, 1], "paper_numbers": "Experiments/tiny/paper.csv",
     "configs": ["Configs/cora-mincut.json", "Configs/cora-mincut-wide.json", "Configs/cora-diffpool.json", "Configs/cora-spectral.json",
                 "Configs/pubmed-mincut.json"]}
    """.write(
      to: root.appendingPathComponent("Experiments/tiny/experiment.json"), atomically: true,
      encoding: .utf8)
  }

  override func tearDownWithError() throws {
    if let root { try? FileManager.default.removeItem(at: root) }
  }

  private func runner(force: Bool = false, log: @escaping @Sendable (String) -> Void = { _ in })
    throws -> NodeClusteringExperiment
  {
    // Pubmed's allx is missing from the offline mirror: a data directory
    // without it must turn the Pubmed rows into "skipped" lines.
    let spec = try ExperimentSpec.load(
      from: root.appendingPathComponent("Experiments/tiny/experiment.json").path)
    return NodeClusteringExperiment(
      settings: ExperimentSettings(
        spec: spec, rootDirectory: root.path, dataDirectory: Self.mirror!,
        outputDirectory: root.appendingPathComponent("results").path, jobs: 2, force: force,
        log: log))
  }

  private func text(_ relative: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent("results/\(relative)"), encoding: .utf8)
  }

  /// A checkpoint reproduces its run's recorded scores; any changed copy is
  /// refused (by its SHA-256) before HDF5 reads it.
  func testCheckpointsReproduceTheirRunsAndCorruptedCopiesAreRefused() throws {
    try """
    {"name": "tiny", "title": "Tiny", "seeds": [0], "configs": ["Configs/cora-mincut.json", "Configs/cora-diffpool.json"]}
    """.write(
      to: root.appendingPathComponent("Experiments/tiny/experiment.json"), atomically: true,
      encoding: .utf8)
    XCTAssertTrue(try runner().run().isEmpty)
    for id in ["cora-mincut-seed0", "cora-diffpool-seed0"] {
      let record = root.appendingPathComponent("results/runs/\(id).json").path
      let outcome = try CheckpointEvaluation.evaluate(
        runRecord: record, dataDirectory: Self.mirror!)
      XCTAssertTrue(outcome.agrees, "\(id): \(outcome.recomputed) vs \(outcome.recorded)")
    }
    // 100 copies, each with one byte changed at a seeded random offset.
    let checkpoint = root.appendingPathComponent("results/checkpoints/cora-mincut-seed0.h5").path
    let original = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
    var random = RandomSource(seed: 7)
    for _ in 0..<100 {
      var copy = original
      let offset = Int(random.next() % UInt64(copy.count))
      copy[offset] ^= UInt8(truncatingIfNeeded: random.next() % 255 + 1)
      try copy.write(to: URL(fileURLWithPath: checkpoint))
      XCTAssertThrowsError(
        try CheckpointEvaluation.evaluate(
          runRecord: root.appendingPathComponent("results/runs/cora-mincut-seed0.json").path,
          dataDirectory: Self.mirror!)
      ) { XCTAssertTrue("\($0)".contains("SHA-256"), "\($0)") }
    }
  }

  /// An experiment that lists another's config and `reuse_runs_from` its
  /// results counts those runs as done (not recomputed) and tables them;
  /// a config edited since is recomputed.
  func testRunsOfAnotherExperimentAreReused() throws {
    try """
    {"name": "tiny", "title": "Tiny", "seeds": [0], "configs": ["Configs/cora-diffpool.json"]}
    """.write(
      to: root.appendingPathComponent("Experiments/tiny/experiment.json"), atomically: true,
      encoding: .utf8)
    XCTAssertTrue(try runner().run().isEmpty)
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("Experiments/other"), withIntermediateDirectories: true)
    try """
    {"name": "other", "title": "Other", "note": "Shared rows come from tiny.", "seeds": [0],
     "configs": ["Configs/cora-diffpool.json"], "reuse_runs_from": ["results"]}
    """.write(
      to: root.appendingPathComponent("Experiments/other/experiment.json"), atomically: true,
      encoding: .utf8)
    func other(_ log: @escaping @Sendable (String) -> Void = { _ in }) throws
      -> NodeClusteringExperiment
    {
      NodeClusteringExperiment(
        settings: ExperimentSettings(
          spec: try ExperimentSpec.load(
            from: root.appendingPathComponent("Experiments/other/experiment.json").path),
          rootDirectory: root.path, dataDirectory: Self.mirror!,
          outputDirectory: root.appendingPathComponent("other-results").path, jobs: 1,
          force: false, log: log))
    }
    let lines = Mutex<[String]>([])
    XCTAssertTrue(try other { line in lines.withLock { $0.append(line) } }.run().isEmpty)
    XCTAssertTrue(
      lines.withLock { $0 }.contains { $0.contains("1 already done") }, "\(lines.withLock { $0 })")
    XCTAssertFalse(
      FileManager.default.fileExists(
        atPath: root.appendingPathComponent("other-results/runs/cora-diffpool-seed0.json").path))
    let table = try String(
      contentsOf: root.appendingPathComponent("other-results/other.md"), encoding: .utf8)
    XCTAssertTrue(table.contains("Shared rows come from tiny."), table)
    XCTAssertTrue(table.contains("| DiffPool |"), table)
    XCTAssertTrue(table.contains("| 1 |\n"), table)  // complete: no "(partial)"
    // Edited: the stored run no longer matches, so it is computed here.
    try """
    {"method": "DiffPool", "task": "node_clustering", "dataset": {"name": "cora"},
     "model": [{"type": "diffpool", "k": 7}], "iterations": 2}
    """.write(
      to: root.appendingPathComponent("Configs/cora-diffpool.json"), atomically: true,
      encoding: .utf8)
    XCTAssertTrue(try other().run().isEmpty)
    XCTAssertTrue(
      FileManager.default.fileExists(
        atPath: root.appendingPathComponent("other-results/runs/cora-diffpool-seed0.json").path))
  }

  /// K larger than the graph is refused before anything is written.
  func testMoreClustersThanNodesIsRefusedBeforeAnyOutput() throws {
    try """
    {"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"},
     "model": [{"type": "gcs", "units": 4}, {"type": "mincut", "k": 3000}], "iterations": 2}
    """.write(
      to: root.appendingPathComponent("Configs/cora-mincut.json"), atomically: true,
      encoding: .utf8)
    XCTAssertThrowsError(try runner().run()) {
      XCTAssertTrue(
        "\($0)".hasSuffix(
          "cora-mincut.json: key 'model[1].k': 3000 clusters for the 2708 nodes of cora; "
            + "K must be at most the number of nodes"), "\($0)")
    }
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: root.appendingPathComponent("results").path))
  }

  /// A config whose estimated memory exceeds what a run may use is refused
  /// before anything is written, naming the file, the key, the value and
  /// the estimate.
  func testAConfigTooLargeForTheMemoryIsRefusedBeforeAnyOutput() throws {
    try """
    {"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"},
     "model": [{"type": "gcs", "units": 512}, {"type": "mincut", "k": 7}], "iterations": 2}
    """.write(
      to: root.appendingPathComponent("Configs/cora-mincut.json"), atomically: true,
      encoding: .utf8)
    var experiment = try runner()
    experiment.memoryBudgetBytes = 10_000_000
    XCTAssertThrowsError(try experiment.run()) {
      XCTAssertTrue(
        "\($0)".hasSuffix(
          "cora-mincut.json: key 'model[0].units': 512 makes a run on cora (2708 nodes) need an "
            + "estimated 69 MB, more than the 10 MB each of 2 parallel run(s) may use (80% of "
            + "this machine's memory); lower it, or run fewer --jobs"), "\($0)")
    }
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: root.appendingPathComponent("results").path))
    // Within the default budget (80% of this machine's memory) it runs.
    XCTAssertGreaterThan(MemoryEstimate.budget(jobs: 2), 500_000_000)
  }

  /// Runs whose data is missing are reported back (so the command exits
  /// non-zero), not only as "skipped" rows.
  func testRunsWithMissingDataAreReturnedAsNotDone() throws {
    let spec = try ExperimentSpec.load(
      from: root.appendingPathComponent("Experiments/tiny/experiment.json").path)
    let empty = root.appendingPathComponent("no-data").path
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let problems = try NodeClusteringExperiment(
      settings: ExperimentSettings(
        spec: spec, rootDirectory: root.path, dataDirectory: empty,
        outputDirectory: root.appendingPathComponent("results").path, jobs: 1, force: false,
        log: { _ in })
    ).run()
    XCTAssertEqual(problems.count, 5 * 2, "every (config, seed) could not be done")
    XCTAssertTrue(
      problems.allSatisfy { $0.error.hasPrefix("skipped: ") && $0.error.contains("not found") },
      "\(problems)")
    XCTAssertTrue(try text("tiny.md").contains("skipped: "))
  }

  func testRunWritesEveryOutputResumesAndIsDeterministic() throws {
    let pubmedAvailable = ["ind.pubmed.allx", "pubmed-allx-6sig.npz"].contains {
      FileManager.default.fileExists(atPath: "\(Self.mirror!)/planetoid/pubmed/\($0)")
    }
    let substitute = !FileManager.default.fileExists(
      atPath: "\(Self.mirror!)/planetoid/pubmed/ind.pubmed.allx")
    XCTAssertTrue(try runner().run().isEmpty)

    let runs = try text("runs.csv").split(separator: "\n")
    XCTAssertEqual(runs.count, 1 + 4 * 2 + (pubmedAvailable ? 2 : 0), "header + one row per run")
    XCTAssertTrue(
      runs[0].hasPrefix("config,dataset,method,seed,nmi,completeness,homogeneity,accuracy"))
    for name in ["cora-mincut", "cora-diffpool", "cora-spectral"] {
      for seed in 0..<2 {
        let id = "\(name)-seed\(seed)"
        XCTAssertTrue(
          FileManager.default.fileExists(
            atPath: root.appendingPathComponent("results/runs/\(id).json").path), id)
        XCTAssertTrue(
          FileManager.default.fileExists(
            atPath: root.appendingPathComponent("results/logs/\(id).csv").path), id)
      }
    }
    XCTAssertTrue(
      FileManager.default.fileExists(
        atPath: root.appendingPathComponent("results/checkpoints/cora-mincut-seed0.h5").path))
    let log = try text("logs/cora-mincut-seed0.csv").split(separator: "\n")
    XCTAssertEqual(log.first, "iteration,total_loss,cut,orthogonality,nmi_monitor_only")
    XCTAssertEqual(log.dropFirst().map { $0.split(separator: ",")[0] }, ["0", "2", "4", "6"])
    let markdown = try text("tiny.md")
    // Two MinCutPool configs on Cora: two cells, told apart by config name.
    XCTAssertTrue(markdown.contains("| Cora | 7 | MinCutPool (cora-mincut) |"), markdown)
    XCTAssertTrue(markdown.contains("| Cora | 7 | MinCutPool (cora-mincut-wide) |"), markdown)
    if pubmedAvailable && substitute {
      // Pubmed rows computed on the 6-digit stand-in are footnoted, and each run names its file.
      XCTAssertTrue(markdown.contains("| Pubmed ¹ |"), markdown)
      XCTAssertTrue(markdown.contains("¹ Computed on substitute data"), markdown)
      XCTAssertTrue(try text("runs.csv").contains(",pubmed-allx-6sig.npz,"))
      XCTAssertTrue(try text("runs.csv").contains(",ind.cora.allx,"))
    }
    XCTAssertTrue(
      runs[0].hasSuffix("feature_file,cpu_model,blas_core,blas_config"), String(runs[0]))
    if !pubmedAvailable {
      XCTAssertTrue(markdown.contains("skipped: ind.pubmed.allx not found"), markdown)
      XCTAssertTrue(try text("summary.csv").contains("skipped: ind.pubmed.allx not found"))
    }

    // Resume: nothing left to run.
    let lines = LockedLines()
    XCTAssertTrue(try runner(log: { lines.append($0) }).run().isEmpty)
    XCTAssertTrue(lines.all.contains { $0.contains("0 to run") }, lines.all.joined(separator: "\n"))

    // Editing a config recomputes its runs, and only those.
    let edited = root.appendingPathComponent("Configs/cora-diffpool.json")
    let original = try String(contentsOf: edited, encoding: .utf8)
    try original.replacingOccurrences(of: "\"iterations\": 3", with: "\"iterations\": 4")
      .write(to: edited, atomically: true, encoding: .utf8)
    let afterEdit = LockedLines()
    XCTAssertTrue(try runner(log: { afterEdit.append($0) }).run().isEmpty)
    XCTAssertTrue(
      afterEdit.all.contains { $0.contains("2 to run") }, afterEdit.all.joined(separator: "\n"))
    XCTAssertTrue(try text("runs/cora-diffpool-seed0.json").contains("\"iterations\" : 4"))
    try original.write(to: edited, atomically: true, encoding: .utf8)
    XCTAssertTrue(try runner().run().isEmpty)

    // Force: recomputed, and bit-for-bit the same numbers.
    let before = try text("runs.csv")
    XCTAssertTrue(try runner(force: true).run().isEmpty)
    let after = try text("runs.csv")
    func withoutWallTime(_ csv: String) -> [String] {
      // Every column but `seconds`: metrics, final losses and provenance must repeat exactly.
      let rows = csv.split(separator: "\n").map {
        $0.split(separator: ",", omittingEmptySubsequences: false)
      }
      let secondsColumn = rows[0].firstIndex(of: "seconds")!
      return rows.map { fields in
        fields.enumerated().filter { $0.offset != secondsColumn }.map { String($0.element) }.joined(
          separator: ",")
      }
    }
    XCTAssertNotEqual(before, "")
    XCTAssertEqual(withoutWallTime(before), withoutWallTime(after))
  }
}

/// Collects log lines from concurrent runs.
final class LockedLines: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [String] = []
  func append(_ line: String) { lock.withLock { lines.append(line) } }
  var all: [String] { lock.withLock { lines } }
}
