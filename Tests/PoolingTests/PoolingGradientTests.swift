import Pooling
import TensorCore
import XCTest

/// Finite-difference checks of the complete pooling losses, at random
/// (non-symmetric) assignments, through `GradientChecker` (its doc comment
/// explains the tolerance). The logits are the inputs, so softmax is included.
final class PoolingGradientTests: XCTestCase {
  let checker = GradientChecker()
  // Two triangles joined by one edge, plus a pendant node.
  let adjacency = SparseMatrix.symmetricAdjacency(
    nodeCount: 7, edges: [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3), (5, 6)])

  private func logits(seed: UInt64) -> Matrix {
    var random = RandomSource(seed: seed)
    return Matrix(
      rows: 7, columns: 3, storage: (0..<21).map { _ in 4 * random.nextUniformFloat() - 2 })
  }

  private func assertGradients(
    _ name: String, seed: UInt64, file: StaticString = #filePath, line: UInt = #line,
    _ loss: @escaping (Variable) -> Variable
  ) {
    let result = checker.compare(inputs: [logits(seed: seed)]) { loss(softmax($0[0])) }
    XCTAssertNil(
      result.firstFailure, "\(name): \(result.firstFailure ?? "")", file: file, line: line)
    print("gradient check \(name): max |analytic − numeric| = \(result.worstDifference)")
  }

  func testCutLossGradient() {
    let a = adjacency.symmetricallyNormalized()
    assertGradients("MinCutPool L_c", seed: 1) {
      try! MinCutPool.cutLoss(assignments: $0, adjacency: a)
    }
  }

  func testOrthogonalityLossGradient() {
    assertGradients("MinCutPool L_o", seed: 2) { MinCutPool.orthogonalityLoss(assignments: $0) }
  }

  func testPooledAdjacencyGradient() {
    let a = adjacency.symmetricallyNormalized()
    let offDiagonal = Matrix(rows: 3, columns: 3, repeating: 1) - Matrix.identity(3)
    assertGradients("MinCutPool pooled adjacency", seed: 3) { s in
      let pooled = matmul(s, matmul(a, s), transposeA: true) * s.tape.constant(offDiagonal)
      let normalized = normalizePooledAdjacency(pooled, epsilon: 1e-7)
      return sum(normalized * s.tape.constant(Matrix([[0, 1, 2], [3, 0, 5], [6, 7, 0]])))
    }
  }

  func testLinkPredictionLossGradientAndDenseValue() {
    assertGradients("DiffPool L_LP", seed: 4) {
      DiffPool.linkPredictionLoss(assignments: $0, adjacency: self.adjacency)
    }
    // The sparse identity agrees with the dense ‖A − SSᵀ‖_F.
    let tape = Tape()
    let s = softmax(tape.constant(logits(seed: 5)))
    let dense = adjacency.toDense() - Matrix.product(s.value, s.value, transposeB: true)
    XCTAssertEqual(
      DiffPool.linkPredictionLoss(assignments: s, adjacency: adjacency).value.scalar,
      dense.squaredNorm().squareRoot(), accuracy: 1e-5)
  }

  func testEntropyLossGradient() {
    assertGradients("DiffPool L_E", seed: 6) { DiffPool.entropyLoss(assignments: $0) }
  }

  /// The cut and link losses on a dense (pooled, differentiable) adjacency:
  /// gradients in S and in A, and the same values as the sparse versions.
  func testDenseAdjacencyLossesMatchTheSparseOnesAndTheirGradients() throws {
    let a = adjacency.symmetricallyNormalized()
    let dense = a.toDense()
    assertGradients("MinCutPool L_c on a dense A (in S)", seed: 7) {
      try! MinCutPool.cutLoss(assignments: $0, denseAdjacency: $0.tape.constant(dense))
    }
    var random = RandomSource(seed: 8)
    let s = Matrix(
      rows: 7, columns: 3, storage: (0..<21).map { _ in random.nextUniformFloat() })
    let inA = checker.compare(inputs: [dense]) {
      try! MinCutPool.cutLoss(assignments: $0[0].tape.constant(s), denseAdjacency: $0[0])
    }
    XCTAssertNil(inA.firstFailure, "L_c in A: \(inA.firstFailure ?? "")")
    let linkInA = checker.compare(inputs: [adjacency.toDense()]) {
      DiffPool.linkPredictionLoss(assignments: $0[0].tape.constant(s), denseAdjacency: $0[0])
    }
    XCTAssertNil(linkInA.firstFailure, "L_LP in A: \(linkInA.firstFailure ?? "")")

    let tape = Tape()
    let sv = softmax(tape.constant(logits(seed: 9)))
    XCTAssertEqual(
      try MinCutPool.cutLoss(assignments: sv, denseAdjacency: tape.constant(dense)).value.scalar,
      try MinCutPool.cutLoss(assignments: sv, adjacency: a).value.scalar, accuracy: 1e-5)
    XCTAssertEqual(
      DiffPool.linkPredictionLoss(
        assignments: sv, denseAdjacency: tape.constant(adjacency.toDense())
      )
      .value.scalar,
      DiffPool.linkPredictionLoss(assignments: sv, adjacency: adjacency).value.scalar,
      accuracy: 1e-4)
  }
}
