import GraphData
import TensorCore
import XCTest

/// Graclus matching and coarse weights worked out by hand.
final class GraclusTests: XCTestCase {
  /// Node 0 joins 1 (w 2) and 2 (w 2); node 2 also joins 3, 4, 5 (w 1):
  /// degrees d = [4, 2, 5, 1, 1, 1]. Visiting 0 first: scores 2(1/4 + 1/2)
  /// = 1.5 for node 1 and 2(1/4 + 1/5) = 0.9 for node 2, so {0, 1}; then
  /// node 2 scores 1(1/5 + 1) = 1.2 for each of 3, 4, 5 and takes the lower
  /// index, {2, 3}; 4 and 5 find only a matched neighbour and stay alone.
  func testMatchingAndCoarseWeightsByHand() {
    var entries: [(row: Int, column: Int, value: Float)] = []
    for (i, j, w) in [(0, 1, 2), (0, 2, 2), (2, 3, 1), (2, 4, 1), (2, 5, 1)] as [(Int, Int, Float)]
    {
      entries += [(i, j, w), (j, i, w)]
    }
    let a = SparseMatrix(rows: 6, columns: 6, entries: entries)
    let level = Graclus.coarsen(a, order: [0, 1, 2, 3, 4, 5])
    XCTAssertEqual(level.clusterOf, [0, 0, 1, 1, 2, 3])
    XCTAssertEqual(level.clusterCount, 4)
    // C_00 = w01 + w10 = 4, C_01 = w02 = 2, C_11 = w23 + w32 = 2, C_12 = w24 = 1,
    // C_13 = w25 = 1 (and symmetric).
    XCTAssertEqual(
      level.adjacency.toDense(),
      Matrix([[4, 2, 0, 0], [2, 2, 1, 1], [0, 1, 0, 0], [0, 1, 0, 0]]))
    // Another order changes the matching: 5 first takes its only neighbour
    // 2 (cluster 0); 4 and 3 then find 2 matched (clusters 1, 2); 1 takes 0.
    let other = Graclus.coarsen(a, order: [5, 4, 3, 2, 1, 0])
    XCTAssertEqual(other.clusterOf, [3, 3, 0, 2, 1, 0])
    XCTAssertEqual(other.clusterCount, 4)
  }

  func testPathPyramidHalvesTheNodesAndKeepsTheWeight() {
    var edges: [(Int, Int)] = []
    for i in 0..<7 { edges.append((i, i + 1)) }
    let path = SparseMatrix.symmetricAdjacency(nodeCount: 8, edges: edges)
    let level = Graclus.coarsen(path, order: Array(0..<8))
    XCTAssertEqual(level.clusterOf, [0, 0, 1, 1, 2, 2, 3, 3])
    var random = RandomSource(seed: 3)
    let pyramid = Graclus.pyramid(path, levels: 2, random: &random)
    XCTAssertEqual(pyramid.count, 2)
    // Coarsening never loses weight: Σ C = Σ A at every level.
    for level in pyramid {
      XCTAssertEqual(level.adjacency.values.reduce(0, +), 14)
    }
    XCTAssertLessThan(pyramid[1].clusterCount, pyramid[0].clusterCount)
  }
}
