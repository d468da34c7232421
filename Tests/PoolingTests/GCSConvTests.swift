import Pooling
import TensorCore
import XCTest

final class GCSConvTests: XCTestCase {
  func testForwardMatchesTheEquationByHand() {
    // Path 0–1 plus isolated node 2; Ã = [[0,1,0],[1,0,0],[0,0,0]].
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1)]).symmetricallyNormalized()
    var random = RandomSource(seed: 0)
    let layer = GCSConv(name: "gcs", inputFeatures: 2, units: 1, activation: .relu, random: &random)
    layer.messageKernel.value = Matrix([[1], [2]])
    layer.skipKernel.value = Matrix([[-1], [1]])
    layer.bias.value = Matrix([[0.5]])
    let x = Matrix([[1, 0], [0, 1], [1, 1]])
    // XΘ_m = [1, 2, 3], ÃXΘ_m = [2, 1, 0], XΘ_s = [-1, 1, 0], + b → [1.5, 2.5, 0.5].
    let tape = Tape()
    let dense = layer(.dense(tape.constant(x)), normalizedAdjacency: a, tape: tape).value
    XCTAssertEqual(dense, Matrix([[1.5], [2.5], [0.5]]))
    let sparse = layer(.sparse(SparseMatrix(dense: x)), normalizedAdjacency: a, tape: tape).value
    XCTAssertEqual(sparse, dense, "sparse and dense feature paths agree")
    XCTAssertEqual(
      layer.parameters.map(\.name), ["gcs/kernel_message", "gcs/kernel_skip", "gcs/bias"])
  }

  func testSparseAndDenseFeaturePathsHaveEqualGradients() {
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (1, 2), (2, 3)])
      .symmetricallyNormalized()
    var random = RandomSource(seed: 3)
    let layer = GCSConv(name: "gcs", inputFeatures: 3, units: 2, activation: .elu, random: &random)
    let x = Matrix([[1, 0, 0], [0, 1, 1], [0, 0, 1], [1, 1, 0]])
    func gradients(_ features: (Tape) -> NodeFeatures) -> [Matrix] {
      let tape = Tape()
      let loss = frobeniusNorm(softmax(layer(features(tape), normalizedAdjacency: a, tape: tape)))
      let g = tape.gradients(of: loss)
      return layer.parameters.map { g[$0]! }
    }
    let viaDense = gradients { .dense($0.constant(x)) }
    let viaSparse = gradients { _ in .sparse(SparseMatrix(dense: x)) }
    for (d, s) in zip(viaDense, viaSparse) {
      for i in 0..<d.count { XCTAssertEqual(d.storage[i], s.storage[i], accuracy: 1e-6) }
    }
  }
}
