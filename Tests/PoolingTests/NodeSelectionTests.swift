import Pooling
import TensorCore
import XCTest

/// The selection poolers (Top-K, SAGPool) and the CSR operations they use,
/// against values worked out by hand and dense references.
final class NodeSelectionTests: XCTestCase {
  /// A 5-node graph: path 0–1–2–3 plus the edge 1–4.
  let graph = SparseMatrix.symmetricAdjacency(
    nodeCount: 5, edges: [(0, 1), (1, 2), (2, 3), (1, 4)])

  func testRowAndColumnSelectionAndProductMatchDenseReferences() {
    let a = graph.toDense()
    let rows = graph.selectingRows([3, 1])
    XCTAssertEqual(rows.toDense(), Matrix([Array(a.row(3)), Array(a.row(1))]))
    let columns = graph.selectingColumns([4, 0, 2])
    XCTAssertEqual(
      columns.toDense(),
      Matrix((0..<5).map { i in [a.storage[i * 5 + 4], a.storage[i * 5], a.storage[i * 5 + 2]] }))
    var random = RandomSource(seed: 7)
    let b = SparseMatrix(
      rows: 5, columns: 3,
      entries: (0..<6).map { _ in
        (
          row: Int(random.next() % 5), column: Int(random.next() % 3),
          value: Float(random.next() % 7) - 3
        )
      })
    let product = graph.multiply(b).toDense()
    let reference = Matrix.product(a, b.toDense())
    XCTAssertEqual(product, reference)
    // (A·A)[idx, idx] by hand for idx = [1, 3]: A² has (1,1) = deg 1 = 3,
    // (1,3) = paths 1–2–3 = 1, (3,3) = deg 3 = 1.
    let kept = [1, 3]
    let squared = graph.selectingRows(kept).multiply(graph.selectingColumns(kept)).toDense()
    XCTAssertEqual(squared, Matrix([[3, 1], [1, 1]]))
    XCTAssertEqual(
      graph.selectingRows(kept).selectingColumns(kept).toDense(), Matrix([[0, 0], [0, 0]]))
  }

  /// (A·A)[idx, idx] graph by graph (dense BLAS path for a full block,
  /// sparse product for a sparse one) equals the product of the selected
  /// rows and columns of the whole block-diagonal matrix.
  func testSquaredConnectivityOfABatchMatchesTheDirectProduct() {
    let clique = SparseMatrix.symmetricAdjacency(
      nodeCount: 4, edges: [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)])
    var ring: [(Int, Int)] = []
    for i in 0..<12 { ring.append((i, (i + 1) % 12)) }
    let sparse = SparseMatrix.symmetricAdjacency(nodeCount: 12, edges: ring)  // 24/144 < 1/8
    var entries: [(row: Int, column: Int, value: Float)] = []
    for (offset, g) in [(0, clique), (4, sparse)] {
      for i in 0..<g.rows {
        for p in Int(g.rowOffsets[i])..<Int(g.rowOffsets[i + 1]) {
          entries.append((offset + i, offset + Int(g.columnIndices[p]), 0.5 + Float(i % 3)))
        }
      }
    }
    let batch = SparseMatrix(rows: 16, columns: 16, entries: entries)
    let kept = [2, 0, 9, 4, 15, 6]
    let fast = NodeSelection.squaredConnectivity(
      batch, kept: kept, sizes: [2, 4], segments: GraphSegments(sizes: [4, 12]))
    let direct = batch.selectingRows(kept).multiply(batch.selectingColumns(kept))
    XCTAssertEqual(fast.toDense(), direct.toDense())
  }

  func testTopNodesPerGraphInScoreOrder() {
    // Graph 0: nodes 0–2, graph 1: nodes 3–7; ratio 0.5 keeps ⌈1.5⌉ = 2 and ⌈2.5⌉ = 3.
    let scores: [Float] = [0.1, 0.9, 0.5, 2, -1, 2, 0.3, 7]
    let (indices, sizes) = NodeSelection.topNodes(
      scores: scores, segments: GraphSegments(sizes: [3, 5]), ratio: 0.5)
    XCTAssertEqual(indices, [1, 2, 7, 3, 5])  // ties (3 and 5 score 2) to the lower index
    XCTAssertEqual(sizes, [2, 3])
    // A graph of one node keeps it; an empty graph keeps nothing.
    let small = NodeSelection.topNodes(
      scores: [4], segments: GraphSegments(sizes: [0, 1]), ratio: 0.1)
    XCTAssertEqual(small.indices, [0])
    XCTAssertEqual(small.sizes, [0, 1])
  }

  /// X' = (X ⊙ tanh(y))[idx] with y = X p/‖p‖, worked out by hand.
  func testTopKPoolGatesTheKeptNodes() throws {
    var random = RandomSource(seed: 1)
    let pool = TopKPool(name: "p", inputFeatures: 2, ratio: 0.4, random: &random)
    pool.projection.value = Matrix([[3], [4]])  // ‖p‖ = 5
    let tape = Tape()
    let x = Matrix([[1, 0], [0, 1], [2, 2], [-1, 0], [0, 0.5]])
    let output = try pool(
      PoolingInput(
        features: .dense(tape.constant(x)), adjacency: .sparse(SparseGraph(adjacency: graph)),
        segments: .single(nodes: 5)), tape: tape)
    // y = [0.6, 0.8, 2.8, -0.6, 0.4]; ⌈0.4·5⌉ = 2 nodes: 2 then 1.
    guard case .selected(let kept) = output.assignment else { return XCTFail("selection") }
    XCTAssertEqual(kept, [2, 1])
    let expected: [Float] = [2 * tanhf(2.8), 2 * tanhf(2.8), 0, tanhf(0.8)]
    for (a, b) in zip(output.features!.value.storage, expected) {
      XCTAssertEqual(a, b, accuracy: 1e-6)
    }
    XCTAssertEqual(output.segments, GraphSegments(sizes: [2]))
    XCTAssertTrue(output.losses.isEmpty)
    guard case .sparse(let pooled)? = output.adjacency else { return XCTFail("sparse") }
    // (Ã·Ã)[idx, idx] of the normalised adjacency, used as it is afterwards.
    let a = graph.symmetricallyNormalized().toDense()
    let a2 = Matrix.product(a, a)
    XCTAssertEqual(pooled.normalized.toDense().storage[0], a2.storage[2 * 5 + 2], accuracy: 1e-6)
    XCTAssertEqual(pooled.normalized.toDense().storage[1], a2.storage[2 * 5 + 1], accuracy: 1e-6)
  }

  /// The score's parameter gets its gradient through the tanh gate (the
  /// selection itself is piecewise constant): finite differences agree.
  func testGradientReachesTheScoreThroughTheGate() {
    let x = Matrix([[1, 0.2], [0.3, 1], [2, 1.5], [-1, 0.4], [0.1, 0.5]])
    let weights = Matrix(rows: 2, columns: 3, storage: [0.5, -1, 2, 1.5, 0.3, -0.7])
    for sag in [false, true] {
      let check = GradientChecker().compare(inputs: [Matrix([[0.7], [-0.4]])]) { v in
        let tape = v[0].tape
        let input = PoolingInput(
          features: .dense(tape.constant(x)), adjacency: .sparse(SparseGraph(adjacency: graph)),
          segments: .single(nodes: 5))
        // The pooler's own ops with v[0] as its parameter.
        let scores =
          sag
          ? matmul(graph.symmetricallyNormalized(), matmul(tape.constant(x), v[0]))
          : matmul(tape.constant(x), v[0]) / frobeniusNorm(v[0])
        let pooled = try! NodeSelection.pool(
          input, scores: scores, ratio: 0.6, connectivity: .squared, tape: tape)
        return sum(matmul(pooled.features!, tape.constant(weights)))
      }
      XCTAssertNil(check.firstFailure, "\(sag ? "SAGPool" : "Top-K"): \(check.firstFailure ?? "")")
    }
  }

  func testDensePooledInputIsAnError() {
    var random = RandomSource(seed: 2)
    let pool = SAGPool(name: "p", inputFeatures: 2, random: &random)
    let tape = Tape()
    XCTAssertThrowsError(
      try pool(
        PoolingInput(
          features: .dense(tape.constant(Matrix(rows: 2, columns: 2))),
          adjacency: .denseBlocks(tape.constant(Matrix([[0, 1], [1, 0]]))),
          segments: .single(nodes: 2)), tape: tape)
    ) { XCTAssertTrue("\($0)".contains("sparse input graph"), "\($0)") }
  }
}
