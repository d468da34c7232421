import Foundation
import Pooling
import TensorCore
import XCTest

/// Losses against values worked out by hand on a graph of two disjoint edges
/// 0–1 and 2–3 (every degree is 1, so Ã = D^-1/2 A D^-1/2 = A).
final class PoolingLossTests: XCTestCase {
  let adjacency = SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (2, 3)])
  let correct = Matrix([[1, 0], [1, 0], [0, 1], [0, 1]])
  let crossing = Matrix([[1, 0], [0, 1], [1, 0], [0, 1]])
  let uniform = Matrix(rows: 4, columns: 2, repeating: 0.5)

  func testCutLossByHand() throws {
    let tape = Tape()
    let a = adjacency.symmetricallyNormalized()
    // Correct split: Tr(SᵀÃS) = 4 (all four directed edges inside a cluster),
    // Tr(SᵀD̃S) = Σ d_i = 4, so L_c = −1.
    XCTAssertEqual(
      try MinCutPool.cutLoss(assignments: tape.constant(correct), adjacency: a).value.scalar, -1)
    // Crossing split: no edge inside a cluster, Tr(SᵀÃS) = 0, L_c = 0.
    XCTAssertEqual(
      try MinCutPool.cutLoss(assignments: tape.constant(crossing), adjacency: a).value.scalar, 0)
    // Uniform S: ⟨s_i, s_j⟩ = ‖s_i‖² = 1/2, so 2 / 2 and L_c = −1 (the
    // degenerate minimum the orthogonality loss exists to rule out).
    XCTAssertEqual(
      try MinCutPool.cutLoss(assignments: tape.constant(uniform), adjacency: a).value.scalar, -1)
  }

  func testCutLossOnAGraphWithoutEdgesIsAClearError() {
    let tape = Tape()
    let empty = SparseMatrix(rows: 4, columns: 4, entries: [])
    XCTAssertThrowsError(
      try MinCutPool.cutLoss(assignments: tape.constant(correct), adjacency: empty)
    ) {
      XCTAssertTrue("\($0)".contains("no edges"))
    }
  }

  func testOrthogonalityLossByHand() {
    let tape = Tape()
    // Balanced hard split: SᵀS = 2I, normalised I/√2, so L_o = 0.
    XCTAssertEqual(
      MinCutPool.orthogonalityLoss(assignments: tape.constant(correct)).value.scalar, 0,
      accuracy: 1e-7)
    // Uniform: SᵀS = 1 (all ones), normalised ½·1; minus I/√2 leaves diagonal
    // ½ − 1/√2 and off-diagonal ½: L_o = √(2(½ − 1/√2)² + 2·¼) = √(2 − √2).
    XCTAssertEqual(
      MinCutPool.orthogonalityLoss(assignments: tape.constant(uniform)).value.scalar,
      Float((2 - 2.0.squareRoot()).squareRoot()), accuracy: 1e-6)
    // All nodes in one cluster: SᵀS = diag(4, 0) → diag(1, 0); minus I/√2:
    // L_o = √((1 − 1/√2)² + ½) = √(2 − √2) as well.
    let oneCluster = Matrix([[1, 0], [1, 0], [1, 0], [1, 0]])
    XCTAssertEqual(
      MinCutPool.orthogonalityLoss(assignments: tape.constant(oneCluster)).value.scalar,
      Float((2 - 2.0.squareRoot()).squareRoot()), accuracy: 1e-6)
  }

  func testPooledAdjacencyByHand() {
    let tape = Tape()
    // Uniform S: SᵀÃS = all ones; zero diagonal → [[0,1],[1,0]]; degrees 1,
    // so the normalisation divides by (1 + ε)².
    let pooled = matmul(
      tape.constant(uniform), matmul(adjacency, tape.constant(uniform)), transposeA: true)
    let masked = pooled * tape.constant(Matrix([[0, 1], [1, 0]]))
    let normalized = normalizePooledAdjacency(masked, epsilon: 1e-7).value
    XCTAssertEqual(normalized[0, 1], 1 / ((1 + 1e-7) * (1 + 1e-7)), accuracy: 1e-6)
    XCTAssertEqual(normalized[0, 0], 0)
  }

  func testMinCutPoolLayerShapesAndRanges() throws {
    var random = RandomSource(seed: 0)
    let pool = MinCutPool(
      name: "pool", inputFeatures: 3, clusters: 2, hiddenUnits: [4], random: &random)
    let tape = Tape()
    let x = tape.constant(Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]))
    let result = try pool(
      PoolingInput(
        features: .dense(x), adjacency: .sparse(SparseGraph(adjacency: adjacency)),
        segments: .single(nodes: 4)),
      tape: tape)
    XCTAssertEqual(result.softAssignment.value.rows, 4)
    XCTAssertEqual(result.features?.value.rows, 2)
    guard case .denseBlocks(let pooled)? = result.adjacency else {
      return XCTFail("a soft pooler returns dense pooled graphs")
    }
    XCTAssertEqual([pooled.rows, pooled.columns], [2, 2])
    XCTAssertEqual(result.segments, GraphSegments(sizes: [2]))
    XCTAssertEqual(result.losses.map(\.kind), pool.lossKinds)
    let cut = result.loss(.cut)!.value.scalar
    let ortho = result.loss(.orthogonality)!.value.scalar
    XCTAssert(cut >= -1 && cut <= 0, "L_c = \(cut) outside [−1, 0]")
    XCTAssert(ortho >= 0 && ortho <= 2, "L_o = \(ortho) outside [0, 2]")
    XCTAssertEqual(
      pool.parameters.map(\.name),
      ["pool/mlp0/kernel", "pool/mlp0/bias", "pool/output/kernel", "pool/output/bias"])
  }

  func testDiffPoolLinkPredictionLossByHand() {
    let tape = Tape()
    // Correct split: SSᵀ is two 2×2 blocks of ones; A − SSᵀ = −I, so
    // ‖A − SSᵀ‖_F = 2 (= √(‖A‖² − 2Tr(SᵀAS) + ‖SᵀS‖²) = √(4 − 8 + 8)).
    XCTAssertEqual(
      DiffPool.linkPredictionLoss(assignments: tape.constant(correct), adjacency: adjacency).value
        .scalar, 2,
      accuracy: 1e-6)
    // Uniform: SSᵀ = ½·1 (4×4); A − SSᵀ has 4 entries ½ and 12 entries −½:
    // ‖·‖² = 16/4 = 4, loss 2; divided by N² = 16: 0.125.
    XCTAssertEqual(
      DiffPool.linkPredictionLoss(assignments: tape.constant(uniform), adjacency: adjacency).value
        .scalar, 2,
      accuracy: 1e-6)
    XCTAssertEqual(
      DiffPool.linkPredictionLoss(
        assignments: tape.constant(uniform), adjacency: adjacency, divideByNodeCountSquared: true
      ).value.scalar, 0.125, accuracy: 1e-7)
  }

  func testDiffPoolEntropyLossByHand() {
    let tape = Tape()
    // Uniform over 2 clusters: −2·½·ln(½ + 1e-7) per node ≈ ln 2.
    XCTAssertEqual(
      DiffPool.entropyLoss(assignments: tape.constant(uniform)).value.scalar, Float(M_LN2),
      accuracy: 1e-6)
    // One-hot rows: −ln(1 + 1e-7) ≈ −1e-7 per node, i.e. ≈ 0.
    XCTAssertEqual(
      DiffPool.entropyLoss(assignments: tape.constant(correct)).value.scalar, 0, accuracy: 1e-6)
  }

  func testDiffPoolFilterAddsSelfLoopsAndNormalises() {
    // Edge 0–1 plus isolated node 2: A + I has degrees 2, 2, 1.
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1)])
    let f = DiffPool.filter(adjacency: a, epsilon: 0).toDense()
    XCTAssertEqual(f[0, 0], 0.5, accuracy: 1e-7)
    XCTAssertEqual(f[0, 1], 0.5, accuracy: 1e-7)
    XCTAssertEqual(f[2, 2], 1, accuracy: 1e-7)
  }
}
