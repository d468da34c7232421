import Pooling
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

/// The Graclus pooler on a batch: each graph coarsened once with an order
/// seeded by the pooler's seed and the graph's index, features pooled by the cluster maximum,
/// the coarse graphs joined block-diagonally.
final class GraclusPoolTests: XCTestCase {
  func testBatchPoolingMatchesTheCoarseningOfEachGraph() throws {
    let path = SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (1, 2), (2, 3)])
    let triangle = SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2), (0, 2)])
    var entries: [(row: Int, column: Int, value: Float)] = []
    for (offset, g) in [(0, path), (4, triangle)] {
      for i in 0..<g.rows {
        for p in Int(g.rowOffsets[i])..<Int(g.rowOffsets[i + 1]) {
          entries.append((offset + i, offset + Int(g.columnIndices[p]), 1))
        }
      }
    }
    let batch = SparseMatrix(rows: 7, columns: 7, entries: entries)
    var random = RandomSource(seed: 9)
    var mirror = random
    let pool = GraclusPool(random: &random)
    // The pooler's seed is the first draw of the run's stream; each graph's
    // visiting order comes from that seed and the graph's dataset index.
    let seed = mirror.next()
    XCTAssertEqual(pool.seed, seed)
    var pathStream = GraclusPool.stream(seed: seed, graphIndex: 10)
    var triangleStream = GraclusPool.stream(seed: seed, graphIndex: 20)
    let expected = [
      Graclus.coarsen(path, order: pathStream.permutation(4)),
      Graclus.coarsen(triangle, order: triangleStream.permutation(3)),
    ]
    let x = Matrix((0..<7).map { [Float($0), Float(7 - $0)] })
    let tape = Tape()
    let output = try pool(
      PoolingInput(
        features: .dense(tape.constant(x)), adjacency: .sparse(SparseGraph(adjacency: batch)),
        segments: GraphSegments(sizes: [4, 3]), graphIndices: [10, 20]), tape: tape)
    XCTAssertEqual(output.segments, GraphSegments(sizes: expected.map(\.clusterCount)))
    guard case .clusters(let clusterOf) = output.assignment else { return XCTFail("clusters") }
    let offset = expected[0].clusterCount
    XCTAssertEqual(clusterOf, expected[0].clusterOf + expected[1].clusterOf.map { $0 + offset })
    // Features: per-cluster, per-column maximum.
    let pooled = output.features!.value
    for cluster in 0..<(offset + expected[1].clusterCount) {
      let members = clusterOf.indices.filter { clusterOf[$0] == cluster }
      for column in 0..<2 {
        XCTAssertEqual(
          pooled.storage[cluster * 2 + column], members.map { x.storage[$0 * 2 + column] }.max()!)
      }
    }
    guard case .sparse(let coarse)? = output.adjacency else { return XCTFail("sparse") }
    XCTAssertEqual(coarse.adjacency.values.reduce(0, +), 12)  // 6 + 6 entries kept
    // A second call with the same graphs reuses the coarsening.
    let again = try pool(
      PoolingInput(
        features: .dense(tape.constant(x)), adjacency: .sparse(SparseGraph(adjacency: batch)),
        segments: GraphSegments(sizes: [4, 3]), graphIndices: [10, 20]), tape: tape)
    guard case .clusters(let second) = again.assignment else { return XCTFail("clusters") }
    XCTAssertEqual(second, clusterOf)
  }
}
