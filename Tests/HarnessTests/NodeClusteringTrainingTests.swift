import Foundation
import GraphData
import Harness
import TensorCore
import XCTest

/// Trains MinCutPool and DiffPool end to end on a planted partition (three
/// dense communities of 20 nodes, few edges between them) and checks that
/// training lowers the loss, recovers the communities, and that the reported
/// score is that of argmax(S) under the parameters saved in the checkpoint.
final class NodeClusteringTrainingTests: XCTestCase {
  var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-train-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

  static func plantedPartition(seed: UInt64) -> PlanetoidDataset {
    var random = RandomSource(seed: seed)
    let n = 60
    var edges: [(Int, Int)] = []
    for i in 0..<n {
      for j in (i + 1)..<n {
        let p = i / 20 == j / 20 ? 0.5 : 0.01
        if random.nextUniformDouble() < p { edges.append((i, j)) }
      }
    }
    let features = SparseMatrix(
      rows: n, columns: n, entries: (0..<n).map { (row: $0, column: $0, value: Float(1)) })
    return PlanetoidDataset(
      name: "planted", adjacency: SparseMatrix.symmetricAdjacency(nodeCount: n, edges: edges),
      features: features, labels: (0..<n).map { $0 / 20 }, classCount: 3, fileChecksums: [:])
  }

  private func train(_ json: String, seed: Int) throws -> (
    NodeClusteringResult, [String], RunConfig
  ) {
    let config = try JSONDecoder().decode(RunConfig.self, from: Data(json.utf8))
    let dataset = Self.plantedPartition(seed: 7)
    let run = NodeClusteringRun(
      config: config, configName: "planted", dataset: dataset, seed: seed, configSHA256: "-",
      dataSHA256: "-", gitCommit: "-")
    let log = directory.appendingPathComponent("log-\(config.method).csv").path
    let checkpoint = directory.appendingPathComponent("\(config.method).h5").path
    let result = try run.run(logPath: log, checkpointPath: checkpoint)

    // The score is argmax(S) of the saved parameters after the last update.
    var random = RandomSource(seed: 12345)  // any: every value is overwritten by restore
    let model = try ClusteringModel(
      layers: config.model!, inputFeatures: dataset.features.columns, classCount: 3, random: &random
    )
    try Checkpoint.read(from: checkpoint).restore(into: model.parameters)
    let tape = Tape()
    let (s, _) = try model.forward(
      .init(features: dataset.features, adjacency: dataset.adjacency), tape: tape)
    let rescored = ClusteringScores(
      predicted: s.value.argmaxPerRow(), truth: dataset.labels.map { $0! })
    XCTAssertEqual(rescored.nmi, result.nmi, accuracy: 1e-12)

    let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(
      String.init)
    return (result, rows, config)
  }

  private func totalLoss(_ row: String) -> Float { Float(row.split(separator: ",")[1])! }

  func testMinCutPoolRecoversPlantedCommunities() throws {
    let (result, log, config) = try train(
      """
      {"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"},
       "model": [{"type": "gcs", "units": 16, "activation": "elu"}, {"type": "mincut", "k": 3}],
       "optimizer": {"learning_rate": 1e-2}, "iterations": 300, "log_every": 50}
      """, seed: 0)
    XCTAssertEqual(result.iterations, config.iterations)
    XCTAssertLessThan(
      totalLoss(log.last!), totalLoss(log[1]) - 0.1, "training did not lower L_c + L_o")
    XCTAssertGreaterThan(result.nmi, 0.9)
    XCTAssertEqual(result.finalLosses.keys.sorted(), ["cut", "orthogonality"])
  }

  func testDiffPoolRecoversPlantedCommunities() throws {
    let (result, log, _) = try train(
      """
      {"method": "DiffPool", "task": "node_clustering", "dataset": {"name": "cora"},
       "model": [{"type": "diffpool", "k": 3}],
       "optimizer": {"learning_rate": 1e-2}, "iterations": 300, "log_every": 50}
      """, seed: 0)
    XCTAssertLessThan(totalLoss(log.last!), totalLoss(log[1]), "training did not lower L_LP + L_E")
    XCTAssertGreaterThan(result.nmi, 0.9)
  }

  /// TVGNN's clustering model (GTVConv, AsymCheegerCut) and GTVConv with
  /// DMoN recover the planted communities; the loss terms are the poolers'.
  func testTVGNNAndDMoNRecoverPlantedCommunities() throws {
    for (pool, terms) in [
      ("acc", ["balance", "total_variation"]), ("dmon", ["collapse", "modularity"]),
      ("neuncut", ["normalized_cut", "volume_orthogonality"]),
    ] {
      let (result, log, _) = try train(
        """
        {"method": "\(pool)", "task": "node_clustering", "dataset": {"name": "cora"},
         "model": [{"type": "gtv", "units": 16, "activation": "elu", "delta": 0.3},
                   {"type": "\(pool)", "k": 3, "mlp_hidden": [8]}],
         "optimizer": {"learning_rate": 1e-2}, "iterations": 300, "log_every": 50}
        """, seed: 0)
      XCTAssertLessThan(totalLoss(log.last!), totalLoss(log[1]), "\(pool): loss did not fall")
      XCTAssertGreaterThan(result.nmi, 0.9, pool)
      XCTAssertEqual(result.finalLosses.keys.sorted(), terms)
    }
  }
}
