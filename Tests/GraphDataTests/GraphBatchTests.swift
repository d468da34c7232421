import GraphData
import TensorCore
import XCTest

final class GraphBatchTests: XCTestCase {
  /// A triangle, an edge and a path of 3, with 2 feature columns.
  private let dataset: FeaturedDataset = {
    let graphs = [
      FeaturedGraph(
        adjacency: SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2), (0, 2)]),
        features: Matrix([[1, 0], [0, 2], [3, 0]]), label: 1),
      FeaturedGraph(
        adjacency: SparseMatrix.symmetricAdjacency(nodeCount: 2, edges: [(0, 1)]),
        features: Matrix([[0, 0], [5, 6]]), label: 0),
      FeaturedGraph(
        adjacency: SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2)]),
        features: Matrix([[7, 0], [0, 8], [9, 9]]), label: 1),
    ]
    return FeaturedDataset(
      name: "toy", graphs: graphs, classCount: 2,
      layout: FeatureLayout(
        options: .paperDefaults, blocks: [FeatureBlock(name: "given", offset: 0, width: 2)]),
      predefinedSplits: [])
  }()

  func testTheBatchIsTheDisjointUnionInBatchOrder() {
    let batch = GraphBatch(dataset, indices: [2, 0])
    XCTAssertEqual(batch.count, 2)
    XCTAssertEqual(batch.nodeOffsets, [0, 3, 6])
    XCTAssertEqual(batch.graphOfNode, [0, 0, 0, 1, 1, 1])
    XCTAssertEqual(batch.labels, [1, 1])
    let a = batch.adjacency.toDense()
    // Graph 2 (a path) in rows 0-2, graph 0 (a triangle) in rows 3-5, no cross edges.
    XCTAssertEqual(
      a,
      Matrix([
        [0, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 0, 1], [0, 0, 0, 1, 1, 0],
      ]))
    XCTAssertTrue(batch.adjacency.isKnownSymmetric)
    XCTAssertEqual(
      batch.features.toDense(), Matrix([[7, 0], [0, 8], [9, 9], [1, 0], [0, 2], [3, 0]]))
    XCTAssertEqual(batch.features.nonzeroCount, 7, "zeros are not stored")
  }

  func testBatchesCoverEveryIndexOnceInASeededOrder() {
    let indices = Array(0..<23)
    var r1 = RandomSource(seed: 9)
    var r2 = RandomSource(seed: 9)
    let first = GraphBatch.batches(of: indices, size: 8, shuffle: true, random: &r1)
    XCTAssertEqual(first, GraphBatch.batches(of: indices, size: 8, shuffle: true, random: &r2))
    XCTAssertEqual(first.map(\.count), [8, 8, 7])
    XCTAssertEqual(first.joined().sorted(), indices)
    XCTAssertNotEqual(Array(first.joined()), indices, "shuffled")
    var r3 = RandomSource(seed: 9)
    XCTAssertEqual(
      GraphBatch.batches(of: indices, size: 10, shuffle: false, random: &r3),
      [Array(0..<10), Array(10..<20), Array(20..<23)])
  }
}
