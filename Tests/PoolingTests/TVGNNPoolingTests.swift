import Pooling
import TensorCore
import XCTest

/// AsymCheegerCut and DMoN losses worked out by hand on the path 0–1–2–3
/// (binary, symmetric: E = 6 stored entries, d = (1, 2, 2, 1), 2m = 6) with
///   S = [(1, 0), (¾, ¼), (¼, ¾), (0, 1)],   K = 2.
final class TVGNNPoolingTests: XCTestCase {
  private let path = SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (1, 2), (2, 3)])
  private let s = Matrix([[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])

  /// ‖s_0 − s_1‖₁ = ½, ‖s_1 − s_2‖₁ = 1, ‖s_2 − s_3‖₁ = ½: the ordered pairs
  /// sum to 2·2 = 4, so L_GTV = 4 / (2·6) = ⅓. Self-loops count in E (they
  /// are stored entries) and add 0 to the sum: 4 / (2·10) = ⅕.
  func testTotalVariationLossByHand() throws {
    let tape = Tape()
    let loss = try AsymCheegerCutPool.totalVariationLoss(
      assignments: tape.constant(s), adjacency: path)
    XCTAssertEqual(loss.value.scalar, 1 / 3, accuracy: 1e-6)
    let looped = try AsymCheegerCutPool.totalVariationLoss(
      assignments: tape.constant(s), adjacency: path.addingIdentity())
    XCTAssertEqual(looped.value.scalar, 0.2, accuracy: 1e-6)
    XCTAssertThrowsError(
      try AsymCheegerCutPool.totalVariationLoss(
        assignments: tape.constant(s), adjacency: SparseMatrix(rows: 4, columns: 4, entries: [])))
  }

  /// N = 4, K = 2: q_k is the entry at position ⌊4/2⌋ = 2 of each column
  /// sorted in descending order: ¼ for both. r = S − q: column 0 (¾, ½, 0,
  /// −¼), column 1 (−¼, 0, ½, ¾); asym(r) = r for r ≥ 0, −r otherwise (K −
  /// 1 = 1): Σ = 1.5 + 1.5 = 3, so L_AN = (4 − 3)/4 = ¼.
  /// With ties at the quantile, S = [(½, ½), (½, ½), (½, ½), (0.2, 0.8)]:
  /// q = (½, ½), r: column 0 (0, 0, 0, −0.3), column 1 (0, 0, 0, 0.3);
  /// Σ asym = 0.6, L_AN = (4 − 0.6)/4 = 0.85.
  /// K = 3 on a 3-node S = I: q_k = position ⌊3/3⌋ = 1 of (1, 0, 0) = 0; r =
  /// S; Σ asym = 2·3 = 6 = N(K − 1), so L_AN = 0 (perfectly balanced).
  func testBalanceLossByHandIncludingTies() {
    let tape = Tape()
    XCTAssertEqual(
      AsymCheegerCutPool.balanceLoss(assignments: tape.constant(s)).value.scalar, 0.25,
      accuracy: 1e-6)
    let tied = Matrix([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.2, 0.8]])
    XCTAssertEqual(
      AsymCheegerCutPool.balanceLoss(assignments: tape.constant(tied)).value.scalar, 0.85,
      accuracy: 1e-6)
    XCTAssertEqual(
      AsymCheegerCutPool.balanceLoss(assignments: tape.constant(Matrix.identity(3))).value.scalar,
      0, accuracy: 1e-6)
  }

  /// Tr(SᵀAS) = Σ_ij a_ij⟨s_i, s_j⟩ = 2(¾ + ⅜ + ¾) = 3.75; dᵀS = (3, 3),
  /// ‖dᵀS‖²/2m = 18/6 = 3; L_mod = −(3.75 − 3)/6 = −0.125.
  /// Σ_i s_i = (2, 2): L_col = √2/4 · 2√2 − 1 = 0; with every node in
  /// cluster 0, Σ_i s_i = (4, 0): L_col = √2/4 · 4 − 1 = √2 − 1.
  func testDMoNLossesByHand() throws {
    let tape = Tape()
    let modularity = try DMoNPool.modularityLoss(assignments: tape.constant(s), adjacency: path)
    XCTAssertEqual(modularity.value.scalar, -0.125, accuracy: 1e-6)
    XCTAssertEqual(
      DMoNPool.collapseLoss(assignments: tape.constant(s)).value.scalar, 0, accuracy: 1e-6)
    let collapsed = Matrix([[1, 0], [1, 0], [1, 0], [1, 0]])
    XCTAssertEqual(
      DMoNPool.collapseLoss(assignments: tape.constant(collapsed)).value.scalar,
      Float(2).squareRoot() - 1, accuracy: 1e-6)
  }

  /// Both poolers through the contract on a batch of two graphs: each loss
  /// is the mean of the per-graph losses; X' and A' are SᵀX and SᵀAS per
  /// graph.
  func testBatchLossesAreTheMeanOfTheGraphs() throws {
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
    let x = Matrix((0..<7).map { [Float($0) * 0.3 - 1, Float($0 % 3) * 0.5] })
    for type in ["acc", "dmon"] {
      var random = RandomSource(seed: 5)
      let pooler: any Pooler =
        type == "acc"
        ? AsymCheegerCutPool(name: "p", inputFeatures: 2, clusters: 2, random: &random)
        : DMoNPool(name: "p", inputFeatures: 2, clusters: 2, random: &random)
      let tape = Tape()
      let output = try pooler(
        PoolingInput(
          features: .dense(tape.constant(x)), adjacency: .sparse(SparseGraph(adjacency: batch)),
          segments: GraphSegments(sizes: [4, 3])), tape: tape)
      let sv = output.softAssignment.value
      let s0 = tape.constant(Matrix(rows: 4, columns: 2, storage: Array(sv.storage[0..<8])))
      let s1 = tape.constant(Matrix(rows: 3, columns: 2, storage: Array(sv.storage[8..<14])))
      let expected: [Float]
      if type == "acc" {
        expected = [
          (try AsymCheegerCutPool.totalVariationLoss(assignments: s0, adjacency: path).value.scalar
            + AsymCheegerCutPool.totalVariationLoss(assignments: s1, adjacency: triangle).value
            .scalar) / 2,
          (AsymCheegerCutPool.balanceLoss(assignments: s0).value.scalar
            + AsymCheegerCutPool.balanceLoss(assignments: s1).value.scalar) / 2,
        ]
      } else {
        expected = [
          (try DMoNPool.modularityLoss(assignments: s0, adjacency: path).value.scalar
            + DMoNPool.modularityLoss(assignments: s1, adjacency: triangle).value.scalar) / 2,
          (DMoNPool.collapseLoss(assignments: s0).value.scalar
            + DMoNPool.collapseLoss(assignments: s1).value.scalar) / 2,
        ]
      }
      for (loss, value) in zip(output.losses, expected) {
        XCTAssertEqual(loss.value.value.scalar, value, accuracy: 1e-6, "\(type) \(loss.kind)")
      }
      // A'_1 = S_1ᵀ A_1 S_1 for the triangle, in rows 2..<4 of the stack.
      guard case .denseBlocks(let pooled)? = output.adjacency else { return XCTFail("dense") }
      let reference = Matrix.product(
        s1.value.transposed(), Matrix.product(triangle.toDense(), s1.value))
      for i in 0..<2 {
        for j in 0..<2 {
          XCTAssertEqual(pooled.value[2 + i, j], reference[i, j], accuracy: 1e-5)
        }
      }
    }
  }

  /// The losses' gradients reach S (finite differences through the
  /// poolers' MLPs would test the same ops; here the loss functions alone).
  func testLossGradients() {
    let checker = GradientChecker()
    let assignments = Matrix([[0.9, 0.1], [0.62, 0.38], [0.3, 0.7], [0.05, 0.95]])
    let weighted = SparseMatrix(
      rows: 4, columns: 4,
      entries: [
        (0, 1, 1), (1, 0, 1), (1, 2, 0.5), (2, 1, 0.5), (2, 3, 2), (3, 2, 2), (0, 3, 1), (3, 0, 1),
      ])
    for (name, f) in [
      (
        "total variation",
        { (v: [Variable]) in
          try! AsymCheegerCutPool.totalVariationLoss(assignments: v[0], adjacency: weighted)
        }
      ),
      ("balance", { (v: [Variable]) in AsymCheegerCutPool.balanceLoss(assignments: v[0]) }),
      (
        "modularity",
        { (v: [Variable]) in try! DMoNPool.modularityLoss(assignments: v[0], adjacency: weighted) }
      ),
      ("collapse", { (v: [Variable]) in DMoNPool.collapseLoss(assignments: v[0]) }),
    ] as [(String, ([Variable]) -> Variable)] {
      let result = checker.compare(inputs: [assignments], f)
      XCTAssertNil(result.firstFailure, "\(name): \(result.firstFailure ?? "")")
    }
  }

  /// On dense pooled graphs (A' on the tape) the losses equal the sparse
  /// forms on the same graph, and their gradients reach both S and A'.
  func testDenseLossesMatchTheSparseFormsAndDifferentiateInA() throws {
    let weighted = SparseMatrix(
      rows: 4, columns: 4,
      entries: [
        (0, 1, 1), (1, 0, 1), (1, 2, 0.5), (2, 1, 0.5), (2, 3, 2), (3, 2, 2), (0, 3, 1), (3, 0, 1),
      ])
    let assignments = Matrix([[0.9, 0.1], [0.62, 0.38], [0.3, 0.7], [0.05, 0.95]])
    let tape = Tape()
    let (sv, av) = (tape.constant(assignments), tape.constant(weighted.toDense()))
    XCTAssertEqual(
      try AsymCheegerCutPool.totalVariationLoss(assignments: sv, denseAdjacency: av).value.scalar,
      try AsymCheegerCutPool.totalVariationLoss(assignments: sv, adjacency: weighted).value.scalar,
      accuracy: 1e-6)
    XCTAssertEqual(
      try DMoNPool.modularityLoss(assignments: sv, denseAdjacency: av).value.scalar,
      try DMoNPool.modularityLoss(assignments: sv, adjacency: weighted).value.scalar,
      accuracy: 1e-6)
    // A pooled graph is dense: perturbing A' keeps every entry nonzero, so
    // E stays K².
    let pooled = Matrix([
      [1.2, 0.4, 0.3, 0.2], [0.4, 0.9, 0.5, 0.25], [0.3, 0.5, 1.1, 0.6], [0.2, 0.25, 0.6, 0.8],
    ])
    let checker = GradientChecker()
    for (name, f) in [
      (
        "total variation",
        { (v: [Variable]) in
          try! AsymCheegerCutPool.totalVariationLoss(assignments: v[0], denseAdjacency: v[1])
        }
      ),
      (
        "modularity",
        { (v: [Variable]) in try! DMoNPool.modularityLoss(assignments: v[0], denseAdjacency: v[1]) }
      ),
    ] as [(String, ([Variable]) -> Variable)] {
      let result = checker.compare(inputs: [assignments, pooled], f)
      XCTAssertNil(result.firstFailure, "\(name): \(result.firstFailure ?? "")")
    }
  }

  /// GTVConv on a dense block equals GTVConv on the same sparse graph, and
  /// its dense form's gradient reaches X and A'.
  func testGTVConvOnDenseBlocksMatchesTheSparseGraph() throws {
    let weighted = SparseMatrix(
      rows: 4, columns: 4,
      entries: [(0, 1, 1), (1, 0, 1), (1, 2, 0.5), (2, 1, 0.5), (2, 3, 2), (3, 2, 2), (1, 1, 3)])
    var random = RandomSource(seed: 3)
    let layer = GTVConv(
      name: "g", inputFeatures: 3, units: 2, activation: .elu, delta: 0.4, random: &random)
    let x = Matrix([[0.3, -1.2, 0.8], [1.5, 0.2, -0.4], [-0.7, 0.9, 1.1], [0.1, 1.7, -1.3]])
    let tape = Tape()
    let sparse = layer(
      .dense(tape.constant(x)), graph: SparseGraph(adjacency: weighted), tape: tape)
    let dense = try layer(
      tape.constant(x), denseBlocks: tape.constant(weighted.toDense()),
      segments: GraphSegments.single(nodes: 4), tape: tape)
    for i in 0..<4 {
      for j in 0..<2 { XCTAssertEqual(dense.value[i, j], sparse.value[i, j], accuracy: 1e-5) }
    }
    // Two graphs of two nodes each as a batch: the same as each alone.
    let blocks = Matrix([[0, 1.5], [1.5, 0], [0, 0.5], [0.5, 0]])
    let batch = try layer(
      tape.constant(x), denseBlocks: tape.constant(blocks), segments: GraphSegments(sizes: [2, 2]),
      tape: tape)
    let second = try layer(
      tape.constant(Matrix(rows: 2, columns: 3, storage: Array(x.storage[6..<12]))),
      denseBlocks: tape.constant(Matrix([[0, 0.5], [0.5, 0]])), segments: .single(nodes: 2),
      tape: tape)
    for j in 0..<2 { XCTAssertEqual(batch.value[3, j], second.value[1, j], accuracy: 1e-6) }
    let checker = GradientChecker()
    let pooled = Matrix([
      [0.2, 1.1, 0.4, 0.7], [1.1, 0.3, 0.9, 0.5], [0.4, 0.9, 0.1, 1.3], [0.7, 0.5, 1.3, 0.6],
    ])
    let result = checker.compare(inputs: [x, pooled]) { v in
      try! layer(v[0], denseBlocks: v[1], segments: .single(nodes: 4), tape: v[0].tape)
    }
    XCTAssertNil(result.firstFailure, result.firstFailure ?? "")
  }
}
