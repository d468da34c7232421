import Pooling
import TensorCore
import XCTest

/// Node decimation (NDP): kept nodes and Kron-reduced weights worked out by
/// hand. On a connected bipartite graph the largest eigenvalue of L_s is 2
/// with eigenvector D^{1/2}·z for the ±1 colouring z, so the kept half is
/// one colour class (the one holding node 0, by the sign rule) and every
/// edge is cut (cut fraction 1). Every dropped node then has only kept
/// neighbours, L_nn is diagonal, and the reduction is the star–mesh
/// transform: a dropped node of degree d links each pair of its kept
/// neighbours (a, b) with weight w_a·w_b / d.
final class NodeDecimationTests: XCTestCase {
  private func path(_ n: Int, weight: Float = 1) -> SparseMatrix {
    var entries: [(row: Int, column: Int, value: Float)] = []
    for i in 0..<(n - 1) { entries += [(i, i + 1, weight), (i + 1, i, weight)] }
    return SparseMatrix(rows: n, columns: n, entries: entries)
  }

  /// Path 0–1–2–3–4: keep {0, 2, 4}; node 1 (degree 2) links 0–2 with
  /// 1·1/2, node 3 links 2–4 with 1/2. Second level on that weighted path
  /// of 3: v ∝ (1, −√2, 1) keeps the ends {0, 2}; the middle node (degree
  /// ½ + ½ = 1) links them with ½·½/1 = ¼.
  func testPathByHand() throws {
    var random = RandomSource(seed: 0)
    let levels = try NodeDecimation.pyramid(path(5), levels: 2, random: &random)
    XCTAssertEqual(levels[0].coarsening.clusterOf, [0, -1, 1, -1, 2])
    XCTAssertEqual(levels[0].coarsening.keptNodes, [0, 2, 4])
    XCTAssertFalse(levels[0].usedRandomSplit)
    XCTAssertFalse(levels[0].regularised)
    assertDense(levels[0].coarsening.adjacency, [[0, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0]])
    XCTAssertEqual(levels[1].coarsening.clusterOf, [0, -1, 1])
    assertDense(levels[1].coarsening.adjacency, [[0, 0.25], [0.25, 0]])
  }

  /// Path of 4: v ∝ (1, −√2, √2, −1) keeps {0, 2}; node 1 links 0–2 with
  /// ½; node 3 (degree 1) has one kept neighbour and adds nothing between
  /// kept nodes, so A' = [[0, ½], [½, 0]]. Sparsifying at 0.6 drops it.
  func testPathOfFourAndTheSparsifyThreshold() throws {
    var random = RandomSource(seed: 0)
    let level = try NodeDecimation.decimate(path(4), random: &random)
    XCTAssertEqual(level.coarsening.keptNodes, [0, 2])
    assertDense(level.coarsening.adjacency, [[0, 0.5], [0.5, 0]])
    let sparse = try NodeDecimation.decimate(path(4), sparsifyThreshold: 0.6, random: &random)
    XCTAssertEqual(sparse.coarsening.adjacency.nonzeroCount, 0)
  }

  /// 2×3 grid, nodes r·3 + c:  0 1 2 / 3 4 5. The colour class of node 0 is
  /// {0, 2, 4}. Dropped: node 1 (neighbours 0, 2, 4; degree 3) adds ⅓ to
  /// each of 0–2, 0–4, 2–4; node 3 (neighbours 0, 4) adds ½ to 0–4; node 5
  /// (neighbours 2, 4) adds ½ to 2–4. So 0–2: ⅓, 0–4: ⅚, 2–4: ⅚.
  func testGridByHand() throws {
    let edges = [(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)]
    let grid = SparseMatrix.symmetricAdjacency(nodeCount: 6, edges: edges)
    var random = RandomSource(seed: 0)
    let level = try NodeDecimation.decimate(grid, random: &random)
    XCTAssertEqual(level.coarsening.keptNodes, [0, 2, 4])
    XCTAssertFalse(level.usedRandomSplit)
    let third: Float = 1 / 3
    let fiveSixths: Float = 5 / 6
    assertDense(
      level.coarsening.adjacency,
      [[0, third, fiveSixths], [third, 0, fiveSixths], [fiveSixths, fiveSixths, 0]])
  }

  /// A larger grid goes through ARPACK (n > 20): still one colour class,
  /// every edge cut, and the reduced graph agrees with the dense Schur
  /// complement computed here without LAPACK (Gauss–Jordan).
  func testLanczosPathAgreesWithADenseSchurComplement() throws {
    let side = 6
    var edges: [(Int, Int)] = []
    for r in 0..<side {
      for c in 0..<side {
        if c + 1 < side { edges.append((r * side + c, r * side + c + 1)) }
        if r + 1 < side { edges.append((r * side + c, (r + 1) * side + c)) }
      }
    }
    let grid = SparseMatrix.symmetricAdjacency(nodeCount: side * side, edges: edges)
    var random = RandomSource(seed: 0)
    let level = try NodeDecimation.decimate(grid, random: &random)
    let kept = level.coarsening.keptNodes
    XCTAssertEqual(kept, (0..<(side * side)).filter { ($0 / side + $0 % side) % 2 == 0 })
    let reference = schurComplementAdjacency(grid.toDense(), kept: kept)
    let got = level.coarsening.adjacency.toDense()
    for i in 0..<kept.count {
      for j in 0..<kept.count where i != j {
        let expected = reference[i][j] > 1e-2 ? reference[i][j] : 0
        XCTAssertEqual(Double(got[i, j]), expected, accuracy: 1e-5, "entry (\(i), \(j))")
      }
    }
  }

  /// Edges 0–1 and 2–3, keeping {0, 1}: the dropped component {2, 3} has a
  /// singular L_nn, which gets 1e-6·I; the kept pair keeps its edge.
  func testSingularDroppedBlockIsRegularised() throws {
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (2, 3)])
    let reduced = try KronReduction.reduce(adjacency: a, keeping: [0, 1])
    XCTAssertTrue(reduced.regularised)
    XCTAssertEqual(reduced.laplacian, [1, -1, -1, 1])
    let connected = try KronReduction.reduce(adjacency: path(3), keeping: [0, 2])
    XCTAssertFalse(connected.regularised)
    for (got, expected) in zip(connected.laplacian, [0.5, -0.5, -0.5, 0.5]) {
      XCTAssertEqual(got, expected, accuracy: 1e-12)
    }
  }

  /// A graph without edges has no meaningful spectral split: the random
  /// split is used; the same seed gives the same split.
  func testEdgelessGraphFallsBackToARandomSplit() throws {
    let empty = SparseMatrix(rows: 8, columns: 8, entries: [])
    var first = RandomSource(seed: 7)
    var second = RandomSource(seed: 7)
    let a = try NodeDecimation.decimate(empty, random: &first)
    let b = try NodeDecimation.decimate(empty, random: &second)
    XCTAssertTrue(a.usedRandomSplit)
    XCTAssertEqual(a.coarsening, b.coarsening)
    XCTAssertEqual(a.coarsening.adjacency.nonzeroCount, 0)
  }

  /// Two disjoint paths of 4 (nodes 0–3 and 4–7) and an isolated node 8:
  /// each path is split by its own eigenvector, keeping {0, 2} and {4, 6}
  /// (every edge cut: no fallback); the isolated node is kept; each path
  /// reduces to one edge of weight ½ and the components stay apart.
  func testEachConnectedComponentIsSplitByItsOwnEigenvector() throws {
    let edges = [(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7)]
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 9, edges: edges)
    var random = RandomSource(seed: 0)
    let level = try NodeDecimation.decimate(a, random: &random)
    XCTAssertFalse(level.usedRandomSplit)
    XCTAssertEqual(level.coarsening.keptNodes, [0, 2, 4, 6, 8])
    assertDense(
      level.coarsening.adjacency,
      [
        [0, 0.5, 0, 0, 0], [0.5, 0, 0, 0, 0], [0, 0, 0, 0.5, 0], [0, 0, 0.5, 0, 0],
        [0, 0, 0, 0, 0],
      ])
  }

  /// Self-loops cancel in L and are left out of the degrees and the cut.
  func testSelfLoopsChangeNothing() throws {
    var random = RandomSource(seed: 0)
    let plain = try NodeDecimation.pyramid(path(6), levels: 2, random: &random)
    let looped = try NodeDecimation.pyramid(path(6).addingIdentity(), levels: 2, random: &random)
    XCTAssertEqual(plain.map(\.coarsening), looped.map(\.coarsening))
    XCTAssertFalse(looped[0].usedRandomSplit)
  }

  /// One node stays itself; a path of 3 keeps its ends; a single edge keeps
  /// one node.
  func testSingleNodeAndTinyGraphs() throws {
    var random = RandomSource(seed: 1)
    let one = try NodeDecimation.decimate(
      SparseMatrix(rows: 1, columns: 1, entries: []), random: &random)
    XCTAssertEqual(one.coarsening.clusterOf, [0])
    // Path of 3: v ∝ (1, −√2, 1) keeps the ends; node 1 links them with ½.
    let three = try NodeDecimation.decimate(path(3), random: &random)
    XCTAssertEqual(three.coarsening.keptNodes, [0, 2])
    assertDense(three.coarsening.adjacency, [[0, 0.5], [0.5, 0]])
    // A single edge: v ∝ (1, −1) keeps node 0 alone: one node, no edges.
    let edge = try NodeDecimation.decimate(path(2), random: &random)
    XCTAssertEqual(edge.coarsening.clusterOf, [0, -1])
    XCTAssertEqual(edge.coarsening.clusterCount, 1)
  }

  private func assertDense(
    _ m: SparseMatrix, _ expected: [[Float]], file: StaticString = #filePath, line: UInt = #line
  ) {
    let dense = m.toDense()
    XCTAssertEqual(dense.rows, expected.count, file: file, line: line)
    for i in 0..<expected.count {
      for j in 0..<expected[i].count {
        XCTAssertEqual(
          dense[i, j], expected[i][j], accuracy: 1e-5, "(\(i), \(j))", file: file, line: line)
      }
    }
  }

  /// −(L_pp − L_pn L_nn⁻¹ L_np) off the diagonal, by Gauss–Jordan in Double.
  private func schurComplementAdjacency(_ a: Matrix, kept: [Int]) -> [[Double]] {
    let n = a.rows
    let dropped = (0..<n).filter { !kept.contains($0) }
    var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
      for j in 0..<n where i != j { l[i][j] = -Double(a[i, j]) }
      l[i][i] = (0..<n).reduce(0.0) { $0 + Double(a[i, $1]) }
    }
    // Eliminate the dropped nodes one at a time (a Schur complement of a
    // Schur complement is the Schur complement).
    for d in dropped {
      let pivot = l[d][d]
      for i in 0..<n where i != d && l[i][d] != 0 {
        let factor = l[i][d] / pivot
        for j in 0..<n { l[i][j] -= factor * l[d][j] }
      }
    }
    return kept.map { i in kept.map { j in -l[i][j] } }
  }
}

/// The NDP pooler on a batch: each graph decimated once, kept rows passed
/// through unchanged, the reduced graphs joined block-diagonally; self-loops
/// (our TU graphs carry A + I) change nothing.
final class NodeDecimationPoolTests: XCTestCase {
  func testBatchPoolingKeepsTheDecimatedRows() throws {
    let path = SparseMatrix.symmetricAdjacency(
      nodeCount: 5, edges: [(0, 1), (1, 2), (2, 3), (3, 4)])
    let grid = SparseMatrix.symmetricAdjacency(
      nodeCount: 6, edges: [(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)])
    var entries: [(row: Int, column: Int, value: Float)] = []
    for (offset, g) in [(0, path.addingIdentity()), (5, grid)] {
      for i in 0..<g.rows {
        for p in Int(g.rowOffsets[i])..<Int(g.rowOffsets[i + 1]) {
          entries.append((offset + i, offset + Int(g.columnIndices[p]), g.values[p]))
        }
      }
    }
    let batch = SparseMatrix(rows: 11, columns: 11, entries: entries)
    var random = RandomSource(seed: 4)
    let pool = NodeDecimationPool(random: &random)
    let x = Matrix((0..<11).map { [Float($0), -Float($0)] })
    let tape = Tape()
    let input = PoolingInput(
      features: .dense(tape.constant(x)), adjacency: .sparse(SparseGraph(adjacency: batch)),
      segments: GraphSegments(sizes: [5, 6]), graphIndices: [3, 8])
    let output = try pool(input, tape: tape)
    // Path: keep {0, 2, 4}; grid: keep {0, 2, 4} → batch rows 5, 7, 9.
    guard case .selected(let kept) = output.assignment else { return XCTFail("selected") }
    XCTAssertEqual(kept, [0, 2, 4, 5, 7, 9])
    XCTAssertEqual(output.segments, GraphSegments(sizes: [3, 3]))
    XCTAssertEqual(output.features!.value, Matrix(kept.map { [Float($0), -Float($0)] }))
    guard case .sparse(let coarse)? = output.adjacency else { return XCTFail("sparse") }
    let dense = coarse.adjacency.toDense()
    XCTAssertEqual(dense[0, 1], 0.5, accuracy: 1e-6)  // path 0–2 through node 1
    XCTAssertEqual(dense[0, 2], 0, accuracy: 1e-6)
    XCTAssertEqual(dense[3, 5], 5 / 6, accuracy: 1e-6)  // grid 0–4
    XCTAssertEqual(dense[2, 3], 0)  // no edge between the graphs
    XCTAssertEqual(pool.coarsenings.levels.keys.sorted(), [3, 8])
  }
}
