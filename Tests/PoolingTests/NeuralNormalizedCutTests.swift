import Foundation
import Pooling
import TensorCore
import XCTest

/// NeuNcut's loss on 4 points worked out by hand, its gradient by finite
/// differences, and the Gaussian affinity on 3 points.
final class NeuralNormalizedCutTests: XCTestCase {
  /// Two blocks {0, 1}, {2, 3} with unit weights, self-affinity 1: d = 2.
  private let blocks = Matrix([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]])

  private func loss(_ p: Matrix) -> Float {
    let tape = Tape()
    return NeuralNormalizedCut.loss(assignments: tape.constant(p), affinity: blocks).value.scalar
  }

  /// P = the blocks: no weight is cut (Tr(HᵀLH) = 0) and HᵀDH = diag(vol /
  /// (vol + 1e-6)) ≈ I (vol = 4): the loss is ≈ 20·√2·2.5e-7 ≈ 7e-6.
  /// P uniform (½ everywhere): H is constant, L·1 = 0 so the cut is 0, and
  /// HᵀDH = Σ_i 2·(½)²/4 = ½ in every entry: ‖HᵀDH − I‖_F = 1, loss =
  /// (80/2)·1/2 = 20.
  /// P = [(1, 0), (0, 1), (0, 1), (0, 1)]: vol = (2, 6), h_0 = e_0/√2,
  /// h_1 = (0, 1, 1, 1)/√6; h_0ᵀLh_0 = (2 − 1)/2 = ½, h_1ᵀLh_1 = (2·3 −
  /// (3 + 2))/6 = ⅙; HᵀDH ≈ I: loss ≈ ⅔.
  func testLossByHand() {
    XCTAssertEqual(loss(Matrix([[1, 0], [1, 0], [0, 1], [0, 1]])), 0, accuracy: 1e-4)
    XCTAssertEqual(loss(Matrix(rows: 4, columns: 2, repeating: 0.5)), 20, accuracy: 1e-4)
    XCTAssertEqual(loss(Matrix([[1, 0], [0, 1], [0, 1], [0, 1]])), 2.0 / 3, accuracy: 1e-4)
  }

  func testLossGradientFlowsThroughTheVolumes() {
    var random = RandomSource(seed: 21)
    let points = Matrix(
      rows: 6, columns: 3, storage: (0..<18).map { _ in Float(random.nextGaussian()) * 2 })
    let w = NeuralNormalizedCut.gaussianAffinity(points, sigma: 3)
    let p = Matrix(
      rows: 6, columns: 3, storage: (0..<18).map { _ in 0.1 + random.nextUniformFloat() })
    let result = GradientChecker().compare(inputs: [p]) {
      NeuralNormalizedCut.loss(assignments: $0[0], affinity: w, gamma: 8)
    }
    XCTAssertNil(result.firstFailure, result.firstFailure ?? "")
  }

  /// x = (0, 0), (3, 0), (0, 6), σ = 3: w_01 = e^(−9/18), w_02 = e^(−36/18),
  /// w_12 = e^(−45/18), diagonal 1.
  func testGaussianAffinityByHand() {
    let w = NeuralNormalizedCut.gaussianAffinity(Matrix([[0, 0], [3, 0], [0, 6]]), sigma: 3)
    let expected: [[Double]] = [
      [1, exp(-0.5), exp(-2)], [exp(-0.5), 1, exp(-2.5)], [exp(-2), exp(-2.5), 1],
    ]
    for i in 0..<3 {
      for j in 0..<3 { XCTAssertEqual(Double(w[i, j]), expected[i][j], accuracy: 1e-6) }
    }
  }

  /// On a graph the pooler's two terms, weighted 1 and γ/2, give the loss
  /// with the dense W = A; a batch averages its graphs.
  func testGraphPoolerMatchesTheDenseLoss() throws {
    let a = SparseMatrix.symmetricAdjacency(
      nodeCount: 5, edges: [(0, 1), (1, 2), (2, 3), (3, 4), (0, 4), (1, 3)])
    var random = RandomSource(seed: 2)
    let pool = NeuNcutPool(name: "p", inputFeatures: 3, clusters: 2, random: &random)
    let x = Matrix((0..<5).map { [Float($0) * 0.4 - 1, Float($0 % 2), 0.3] })
    let tape = Tape()
    let output = try pool(
      PoolingInput(
        features: .dense(tape.constant(x)), adjacency: .sparse(SparseGraph(adjacency: a)),
        segments: .single(nodes: 5)), tape: tape)
    let s = output.softAssignment
    let dense = NeuralNormalizedCut.loss(assignments: s, affinity: a.toDense(), gamma: 8)
    let combined =
      output.loss(.normalizedCut)!.value.scalar + 4
      * output.loss(.volumeOrthogonality)!.value.scalar
    XCTAssertEqual(combined, dense.value.scalar, accuracy: 1e-5)
  }
}
