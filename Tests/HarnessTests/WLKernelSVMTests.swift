import Foundation
import GraphData
import Harness
import TensorCore
import XCTest

/// The WL subtree kernel against features worked out by hand, and libsvm's
/// C-SVC on a precomputed kernel of a separable toy problem.
final class WLKernelSVMTests: XCTestCase {
  /// A path 0–1–2 and a triangle, all nodes labelled 0, one iteration:
  /// iteration 0 gives label A (3 nodes each); iteration 1 compresses
  /// (A; A) → B (path ends) and (A; A, A) → C (path middle, triangle
  /// nodes), so φ(path) = [A 3, B 2, C 1] and φ(triangle) = [3, 0, 3].
  func testFeaturesAndKernelByHand() {
    let path = SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2)])
    let triangle = SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2), (0, 2)])
    let phi = WeisfeilerLehman.features(
      graphs: [path, triangle], labels: [[0, 0, 0], [0, 0, 0]], iterations: 1)
    XCTAssertEqual(phi.toDense(), Matrix([[3, 2, 1], [3, 0, 3]]))
    let k = WeisfeilerLehman.normalizedKernel(phi)
    // K = [[14, 12], [12, 18]] before normalisation.
    XCTAssertEqual(k[0], 1, accuracy: 1e-12)
    XCTAssertEqual(k[3], 1, accuracy: 1e-12)
    XCTAssertEqual(k[1], 12 / (14.0 * 18).squareRoot(), accuracy: 1e-7)
    XCTAssertEqual(k[1], k[2])
    // Initial labels distinguish what structure alone does not.
    let labelled = WeisfeilerLehman.features(
      graphs: [path, path], labels: [[0, 0, 0], [0, 1, 0]], iterations: 0)
    XCTAssertEqual(labelled.toDense(), Matrix([[3, 0], [2, 1]]))
  }

  func testSVMSeparatesATwoClassToyKernel() throws {
    // Points on a line; linear kernel K = x xᵀ; class = sign.
    let x: [Double] = [-2, -1.5, -1, 1, 1.5, 2, -0.5, 0.7]
    let labels = [0, 0, 0, 1, 1, 1, 0, 1]
    let n = x.count
    let kernel = (0..<(n * n)).map { x[$0 / n] * x[$0 % n] }
    let predicted = try PrecomputedKernelSVM.trainAndPredict(
      kernel: kernel, sampleCount: n, labels: labels, train: [0, 2, 3, 5], c: 10,
      predict: [1, 4, 6, 7])
    XCTAssertEqual(predicted, [0, 1, 0, 1])
    XCTAssertThrowsError(
      try PrecomputedKernelSVM.trainAndPredict(
        kernel: kernel, sampleCount: n, labels: labels, train: [0, 3], c: -1, predict: [1])
    ) { XCTAssertTrue("\($0)".contains("libsvm"), "\($0)") }
  }

  /// A wl_svm config runs through the graph-classification run: C chosen on
  /// the validation graphs, rings told from cliques on the test graphs.
  func testWLBaselineRunSeparatesRingsFromCliques() throws {
    let dataset = GraphClassificationTrainingTests.ringsAndCliques(count: 60, seed: 4)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-wl-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("wl.json").path
    try #"""
    {"method": "WL", "task": "graph_classification", "dataset": {"name": "MUTAG"},
     "baseline": {"type": "wl_svm", "iterations": 2, "c_values": [0.01, 1]}}
    """#.write(toFile: path, atomically: true, encoding: .utf8)
    let config = try RunConfig.load(from: path)
    // Degrees as initial labels, as the dataset kernel does without node labels.
    let labels = dataset.graphs.map { g in g.adjacency.rowSums().map { Int($0) } }
    let kernel = WeisfeilerLehman.normalizedKernel(
      WeisfeilerLehman.features(
        graphs: dataset.graphs.map(\.adjacency), labels: labels, iterations: 2))
    var run = GraphClassificationRun(
      config: config, configName: "wl", dataset: dataset,
      split: GraphSplit(train: Array(0..<40), validation: Array(40..<50), test: Array(50..<60)),
      splitIndex: 0, seed: 0, configSHA256: "", dataSHA256: "", gitCommit: "")
    run.kernel = kernel
    let result = try run.run()
    XCTAssertEqual(result.testAccuracy, 1)
    XCTAssertEqual(result.epochs, 0)
    XCTAssertTrue((0..<2).contains(result.bestEpoch), "the index of the chosen C")
  }

  func testBaselineKeysAreCheckedPerTask() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-wlcfg-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func load(_ baseline: String) throws -> RunConfig {
      let path = directory.appendingPathComponent("c.json").path
      try """
      {"method": "WL", "task": "graph_classification", "dataset": {"name": "PROTEINS"},
       "baseline": \(baseline)}
      """.write(toFile: path, atomically: true, encoding: .utf8)
      return try RunConfig.load(from: path)
    }
    XCTAssertEqual(try load(#"{"type": "wl_svm"}"#).baseline?.wlIterations, 5)
    XCTAssertEqual(try load(#"{"type": "wl_svm"}"#).baseline?.cValues.count, 7)
    XCTAssertThrowsError(try load(#"{"type": "spectral_clustering"}"#)) {
      XCTAssertTrue("\($0)".contains("does not do graph_classification"), "\($0)")
    }
    XCTAssertThrowsError(try load(#"{"type": "wl_svm", "kmeans_restarts": 3}"#)) {
      XCTAssertTrue("\($0)".contains("'baseline.kmeans_restarts'"), "\($0)")
    }
    XCTAssertThrowsError(try load(#"{"type": "wl_svm", "c_values": [0]}"#)) {
      XCTAssertTrue("\($0)".contains("'baseline.c_values'"), "\($0)")
    }
  }
}
