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
