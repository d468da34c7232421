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

  /// Over dense pooled graphs the layer equals the sparse path graph by
  /// graph, and its gradient in X and in the pooled adjacencies passes a
  /// finite-difference check.
  func testDenseBlocksPathMatchesTheSparsePathAndItsGradients() {
    let graphs = [
      SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2)]),
      SparseMatrix.symmetricAdjacency(nodeCount: 2, edges: [(0, 1)]),
    ].map { $0.symmetricallyNormalized() }
    var random = RandomSource(seed: 5)
    let layer = GCSConv(name: "gcs", inputFeatures: 2, units: 3, activation: .tanh, random: &random)
    let x = Matrix([[1, 0], [0, 2], [1, 1], [3, 0], [0, 1]])
    let segments = GraphSegments(sizes: [3, 2])
    // Stacked as PoolingAdjacency.denseBlocks: rows of graph g, A_g in the
    // first n_g columns.
    var blocks = Matrix(rows: 5, columns: 3)
    for (g, a) in graphs.map({ $0.toDense() }).enumerated() {
      let first = segments.range(of: g).lowerBound
      for i in 0..<a.rows {
        for j in 0..<a.columns {
          blocks.storage[(first + i) * 3 + j] = a.storage[i * a.columns + j]
        }
      }
    }
    let tape = Tape()
    let batched = layer(
      tape.constant(x), denseBlocks: tape.constant(blocks), segments: segments, tape: tape
    ).value
    var expected: [Float] = []
    for (g, a) in graphs.enumerated() {
      let range = segments.range(of: g)
      let rowsOfX = Matrix(
        rows: range.count, columns: 2,
        storage: Array(x.storage[(range.lowerBound * 2)..<(range.upperBound * 2)]))
      expected +=
        layer(.dense(tape.constant(rowsOfX)), normalizedAdjacency: a, tape: tape).value.storage
    }
    for (a, b) in zip(batched.storage, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }

    let check = GradientChecker().compare(
      inputs: [x, blocks]
    ) { v in
      sum(
        layer(v[0], denseBlocks: v[1], segments: segments, tape: v[0].tape)
          * v[0].tape.constant(
            Matrix(rows: 5, columns: 3, storage: (0..<15).map { Float($0 % 4) - 1.5 })))
    }
    XCTAssertNil(check.firstFailure, check.firstFailure ?? "")
  }
}
