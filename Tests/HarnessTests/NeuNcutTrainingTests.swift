import Foundation
import GraphData
import Harness
import TensorCore
import XCTest

/// NeuNcut end to end on separable Gaussian blobs: trained on half of the
/// points, it clusters both the seen and the unseen half; the run is
/// deterministic for a seed.
final class NeuNcutTrainingTests: XCTestCase {
  private func run(seed: UInt64) -> (train: Double, unseen: Double, losses: [Float]) {
    let data = SyntheticVectors.blobs(count: 400, dimensions: 8, clusters: 4, spread: 0.8, seed: 3)
    let x = NeuNcutTraining.normalizedRows(data.features)
    var random = RandomSource(seed: seed)
    let model = NeuNcutModel(
      inputFeatures: 8, clusters: 4, hiddenUnits: [32, 32], random: &random)
    var options = NeuNcutTraining.Options()
    options.epochs = 40
    options.batchSize = 100
    options.sigma = 0.5  // unit-norm rows: distances are at most 2
    let train = Array(stride(from: 0, to: 400, by: 2))
    let unseen = Array(stride(from: 1, to: 400, by: 2))
    let losses = NeuNcutTraining.train(model, on: x, rows: train, options: options, random: &random)
    let predicted = model.clusters(of: x, blockSize: 64)
    func accuracy(_ rows: [Int]) -> Double {
      ClusteringScores(
        predicted: rows.map { predicted[$0] }, truth: rows.map { data.labels[$0] }
      ).accuracy
    }
    return (accuracy(train), accuracy(unseen), losses)
  }

  func testSeparableBlobsAreClusteredInAndOutOfSample() {
    let first = run(seed: 0)
    XCTAssertGreaterThan(first.train, 0.95, "\(first)")
    XCTAssertGreaterThan(first.unseen, 0.95, "\(first)")
    XCTAssertLessThan(first.losses.last!, first.losses.first!)
    let again = run(seed: 0)
    XCTAssertEqual(again.losses, first.losses, "same seed, same run")
  }

  /// USPS's 7,291 training samples in batches of 1,000: the reference
  /// trains 7 per epoch (N // batch size) and leaves the last 291 out;
  /// without dropping, an eighth batch of 291. Smaller than one batch: one
  /// batch either way; a lone sample is never a batch.
  func testEpochBatches() {
    let order = Array(0..<7291)
    let dropped = NeuNcutTraining.batches(of: order, size: 1000, dropLast: true)
    XCTAssertEqual(dropped.map(\.count), Array(repeating: 1000, count: 7))
    XCTAssertEqual(dropped.flatMap { $0 }, Array(0..<7000))
    let kept = NeuNcutTraining.batches(of: order, size: 1000, dropLast: false)
    XCTAssertEqual(kept.map(\.count), Array(repeating: 1000, count: 7) + [291])
    XCTAssertEqual(kept.flatMap { $0 }, order)
    XCTAssertEqual(
      NeuNcutTraining.batches(of: Array(0..<5000), size: 1000, dropLast: true).count, 5)
    for dropLast in [true, false] {
      XCTAssertEqual(
        NeuNcutTraining.batches(of: Array(0..<300), size: 1000, dropLast: dropLast).map(\.count),
        [300])
      XCTAssertEqual(
        NeuNcutTraining.batches(of: Array(0..<1001), size: 1000, dropLast: dropLast).map(\.count),
        [1000])
    }
  }

  /// `drop_last_batch` defaults to the reference (true), reads false, and
  /// anything but a boolean is an error naming the key.
  func testDropLastBatchKey() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("gpool-neuncut-\(UUID()).json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    func load(_ neuncut: String) throws -> VectorClusteringConfig {
      try #"{"method": "NeuNcut", "task": "vector_clustering", "dataset": "usps", "neuncut": "#
        .appending(neuncut + "}").write(toFile: path, atomically: true, encoding: .utf8)
      return try VectorClusteringConfig.load(from: path)
    }
    XCTAssertEqual(try load("{}").neuncut?.options.dropLastBatch, true)
    XCTAssertEqual(
      try load(#"{"drop_last_batch": false}"#).neuncut?.options.dropLastBatch, false)
    XCTAssertThrowsError(try load(#"{"drop_last_batch": 1}"#)) {
      XCTAssertTrue("\($0)".contains("drop_last_batch"), "\($0)")
      XCTAssertTrue("\($0)".contains(path), "\($0)")
    }
  }

  func testGeneratorsAreSeeded() {
    let a = SyntheticVectors.moons(count: 50, seed: 1)
    XCTAssertEqual(a.features, SyntheticVectors.moons(count: 50, seed: 1).features)
    XCTAssertNotEqual(a.features, SyntheticVectors.moons(count: 50, seed: 2).features)
    let c = SyntheticVectors.circles(count: 40, noise: 0, seed: 1)
    for i in 0..<40 {
      let r = (c.features[i, 0] * c.features[i, 0] + c.features[i, 1] * c.features[i, 1])
        .squareRoot()
      XCTAssertEqual(r, i % 2 == 0 ? 1 : 0.5, accuracy: 1e-5)
    }
    XCTAssertEqual(
      SyntheticVectors.blobs(count: 10, dimensions: 3, clusters: 2, seed: 0).labels,
      [0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
  }
}

/// The k-NN graph of the spectral baseline, by hand on a line, and spectral
/// clustering of separable blobs through it.
final class NearestNeighbourGraphTests: XCTestCase {
  /// Points 0, 1, 3, 7 on a line, k = 1, σ = 1: 0 → 1 (d² = 1), 1 → 0,
  /// 3 → 1 (d² = 4), 7 → 3 (d² = 16); symmetrised: edges 0–1 e^(−½),
  /// 1–3 e^(−2), 3–7 e^(−8).
  func testLineByHand() {
    let g = NearestNeighbourGraph.build(Matrix([[0], [1], [3], [7]]), neighbours: 1, sigma: 1)
    let expected: [[Double]] = [
      [0, exp(-0.5), 0, 0], [exp(-0.5), 0, exp(-2), 0], [0, exp(-2), 0, exp(-8)],
      [0, 0, exp(-8), 0],
    ]
    let dense = g.toDense()
    for i in 0..<4 {
      for j in 0..<4 { XCTAssertEqual(Double(dense[i, j]), expected[i][j], accuracy: 1e-6) }
    }
    XCTAssertTrue(g.isSymmetric)
  }

  func testSpectralClusteringOfBlobs() throws {
    let data = SyntheticVectors.blobs(count: 300, dimensions: 6, clusters: 3, spread: 0.5, seed: 4)
    let graph = NearestNeighbourGraph.build(data.features, neighbours: 8, sigma: 2, blockRows: 64)
    var random = RandomSource(seed: 0)
    let labels = try SpectralClustering.cluster(adjacency: graph, clusters: 3, random: &random)
    XCTAssertEqual(ClusteringScores(predicted: labels, truth: data.labels).accuracy, 1)
  }
}
