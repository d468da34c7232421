import Pooling
import TensorCore
import XCTest

/// The pooler contract on batches: a batch's losses are the mean of the
/// per-graph losses, and its pooled graphs are the per-graph ones stacked,
/// for sparse input graphs and for dense pooled ones.
final class PoolerBatchTests: XCTestCase {
  /// Three small graphs: a triangle with a tail, a square, a path.
  let graphs: [SparseMatrix] = [
    SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (1, 2), (0, 2), (2, 3)]),
    SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (1, 2), (2, 3), (3, 0)]),
    SparseMatrix.symmetricAdjacency(nodeCount: 5, edges: [(0, 1), (1, 2), (2, 3), (3, 4)]),
  ]

  private func features(_ nodes: Int, seed: UInt64) -> Matrix {
    var random = RandomSource(seed: seed)
    return Matrix(
      rows: nodes, columns: 3,
      storage: (0..<(nodes * 3)).map { _ in random.nextGaussian() }.map(Float.init))
  }

  /// The block-diagonal union of `graphs`.
  private func blockDiagonal(_ graphs: [SparseMatrix]) -> SparseMatrix {
    var entries: [(row: Int, column: Int, value: Float)] = []
    var offset = 0
    for graph in graphs {
      for i in 0..<graph.rows {
        for p in Int(graph.rowOffsets[i])..<Int(graph.rowOffsets[i + 1]) {
          entries.append((offset + i, offset + Int(graph.columnIndices[p]), graph.values[p]))
        }
      }
      offset += graph.rows
    }
    return SparseMatrix(rows: offset, columns: offset, entries: entries).detectingSymmetry()
  }

  /// Dense n_g×n_g matrices stacked as `PoolingAdjacency.denseBlocks`
  /// (rows of graph g, A_g in the first n_g columns).
  private func stackedBlocks(_ matrices: [Matrix]) -> Matrix {
    let width = matrices.map(\.columns).max() ?? 0
    var out = Matrix(rows: matrices.reduce(0) { $0 + $1.rows }, columns: width)
    var row = 0
    for m in matrices {
      for i in 0..<m.rows {
        for j in 0..<m.columns { out.storage[(row + i) * width + j] = m.storage[i * m.columns + j] }
      }
      row += m.rows
    }
    return out
  }

  /// Rows `range`, first `columns` columns, of a stacked matrix.
  private func block(_ m: Matrix, _ range: Range<Int>, columns: Int) -> [Float] {
    range.flatMap { i in m.storage[(i * m.columns)..<(i * m.columns + columns)] }
  }

  private func assertBatchIsMeanOfGraphs(_ pooler: any Pooler, dense: Bool) throws {
    let xs = graphs.enumerated().map { features($1.rows, seed: UInt64($0) + 1) }
    let segments = GraphSegments(sizes: graphs.map(\.rows))
    var stacked: [Float] = []
    for x in xs { stacked += x.storage }
    let batchTape = Tape()
    let batchX = batchTape.constant(Matrix(rows: segments.nodeCount, columns: 3, storage: stacked))
    let adjacency: PoolingAdjacency =
      dense
      ? .denseBlocks(batchTape.constant(stackedBlocks(graphs.map { $0.toDense() })))
      : .sparse(SparseGraph(adjacency: blockDiagonal(graphs)))
    let batch = try pooler(
      PoolingInput(features: .dense(batchX), adjacency: adjacency, segments: segments),
      tape: batchTape)

    var perGraph: [[Float]] = []
    var pooledFeatures: [Float] = []
    for (g, graph) in graphs.enumerated() {
      let tape = Tape()
      let single = try pooler(
        PoolingInput(
          features: .dense(tape.constant(xs[g])),
          adjacency: dense
            ? .denseBlocks(tape.constant(graph.toDense()))
            : .sparse(SparseGraph(adjacency: graph)),
          segments: .single(nodes: graph.rows)),
        tape: tape)
      perGraph.append(single.losses.map(\.value.value.scalar))
      pooledFeatures += single.features!.value.storage
      guard case .denseBlocks(let a)? = single.adjacency,
        case .denseBlocks(let batchA)? = batch.adjacency,
        let pooledSegments = batch.segments
      else { return XCTFail("dense pooled graphs expected") }
      let k = a.columns
      let batchBlock = block(batchA.value, pooledSegments.range(of: g), columns: k)
      XCTAssertEqual(batchBlock.count, a.value.count)
      for (x, y) in zip(a.value.storage, batchBlock) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }
    for (k, loss) in batch.losses.enumerated() {
      let mean = perGraph.map { $0[k] }.reduce(0, +) / Float(graphs.count)
      XCTAssertEqual(loss.value.value.scalar, mean, accuracy: 1e-5, "\(loss.kind)")
    }
    XCTAssertEqual(batch.features!.value.storage.count, pooledFeatures.count)
    for (a, b) in zip(batch.features!.value.storage, pooledFeatures) {
      XCTAssertEqual(a, b, accuracy: 1e-5)
    }
    XCTAssertEqual(batch.segments?.count, graphs.count)
  }

  func testMinCutPoolBatchLossesAreTheMeanOfPerGraphLosses() throws {
    var random = RandomSource(seed: 3)
    let pool = MinCutPool(
      name: "pool", inputFeatures: 3, clusters: 2, hiddenUnits: [4], random: &random)
    try assertBatchIsMeanOfGraphs(pool, dense: false)
    try assertBatchIsMeanOfGraphs(pool, dense: true)
  }

  func testDiffPoolBatchLossesAreTheMeanOfPerGraphLosses() throws {
    var random = RandomSource(seed: 4)
    let pool = DiffPool(
      name: "pool", inputFeatures: 3, clusters: 2, channels: 5, activation: .relu,
      random: &random)
    try assertBatchIsMeanOfGraphs(pool, dense: false)
    try assertBatchIsMeanOfGraphs(pool, dense: true)
  }

  func testAGraphWithoutEdgesIsAnErrorNotNaN() {
    var random = RandomSource(seed: 5)
    let pool = MinCutPool(name: "pool", inputFeatures: 3, clusters: 2, random: &random)
    let tape = Tape()
    XCTAssertThrowsError(
      try pool(
        PoolingInput(
          features: .dense(tape.constant(features(3, seed: 1))),
          adjacency: .denseBlocks(tape.constant(Matrix(rows: 3, columns: 3))),
          segments: .single(nodes: 3)),
        tape: tape)
    ) { XCTAssertTrue("\($0)".contains("no edges"), "\($0)") }
  }
}
