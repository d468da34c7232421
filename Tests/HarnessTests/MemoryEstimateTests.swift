import Foundation
import Harness
import XCTest

final class MemoryEstimateTests: XCTestCase {
  /// The estimate of a small model, worked out by hand from its definition:
  /// 2 × N × (floats per node) × 4 bytes per layer, 16 bytes per parameter,
  /// 8 bytes per stored feature and adjacency entry.
  func testEstimateMatchesTheHandCount() throws {
    let layers = try JSONDecoder().decode(
      [LayerSpec].self,
      from: Data(
        #"[{"type": "gcs", "units": 8}, {"type": "mincut", "k": 3, "mlp_hidden": [5]}]"#.utf8))
    let estimate = MemoryEstimate.nodeClustering(
      layers: layers, nodes: 100, inputFeatures: 10, featureNonzeros: 300,
      adjacencyNonzeros: 400, classCount: 7)
    let data = (300 + 400) * 8
    let gcs = 2 * 100 * (4 * 8) * 4 + 4 * (2 * 10 * 8 + 8) * 4
    let mlp = 2 * 100 * (2 * 5) * 4 + 4 * (8 * 5 + 5) * 4
    let pool = 2 * 100 * (6 * 3) * 4 + 4 * (5 * 3 + 3) * 4
    XCTAssertEqual(estimate.bytes, data + gcs + mlp + pool)
    XCTAssertEqual(estimate.largestKey, "model[0].units")
    XCTAssertEqual(estimate.largestValue, 8)
  }

  /// Absurd sizes saturate instead of overflowing, and K defaults to the
  /// number of classes.
  func testHugeSizesSaturateAndKDefaultsToTheClasses() throws {
    let huge = try JSONDecoder().decode(
      [LayerSpec].self, from: Data(#"[{"type": "gcs", "units": 4096}, {"type": "mincut"}]"#.utf8))
    let estimate = MemoryEstimate.nodeClustering(
      layers: huge, nodes: Int.max / 2, inputFeatures: 4096, featureNonzeros: 0,
      adjacencyNonzeros: 0, classCount: 3)
    XCTAssertEqual(estimate.bytes, Int.max)
    let small = MemoryEstimate.nodeClustering(
      layers: huge, nodes: 10, inputFeatures: 4, featureNonzeros: 0, adjacencyNonzeros: 0,
      classCount: 3)
    let withK3 = try JSONDecoder().decode(
      [LayerSpec].self,
      from: Data(#"[{"type": "gcs", "units": 4096}, {"type": "mincut", "k": 3}]"#.utf8))
    XCTAssertEqual(
      small,
      MemoryEstimate.nodeClustering(
        layers: withK3, nodes: 10, inputFeatures: 4, featureNonzeros: 0, adjacencyNonzeros: 0,
        classCount: 9))
  }
}
