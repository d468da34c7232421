import Foundation
import TensorCore
import XCTest

final class TapeTests: XCTestCase {
  func testHandComputedForwardAndBackward() {
    // L = Σ (W·x)² with W = [[1, 2], [3, 4]], x = [1, 1]ᵀ: W·x = [3, 7]ᵀ,
    // L = 58, ∂L/∂W = 2(W·x)xᵀ = [[6, 6], [14, 14]].
    let tape = Tape()
    let w = Parameter(name: "w", value: Matrix([[1, 2], [3, 4]]))
    let x = tape.constant(Matrix([[1], [1]]))
    let loss = sumOfSquares(matmul(tape.parameter(w), x))
    XCTAssertEqual(loss.value.scalar, 58)
    let g = tape.gradients(of: loss)
    XCTAssertEqual(g[w], Matrix([[6, 6], [14, 14]]))
    XCTAssertNil(g[x], "constants get no gradient")
  }

  func testParameterUsedTwiceAccumulatesGradient() {
    let tape = Tape()
    let p = Parameter(name: "p", value: Matrix([[3]]))
    let a = tape.parameter(p)
    let b = tape.parameter(p)
    XCTAssertEqual(a.id, b.id)
    let loss = a * b + a  // p² + p → derivative 2p + 1 = 7
    XCTAssertEqual(tape.gradients(of: loss)[p], Matrix([[7]]))
  }

  func testUnusedParameterHasNoGradient() {
    let tape = Tape()
    let used = Parameter(name: "used", value: Matrix([[1]]))
    let unused = Parameter(name: "unused", value: Matrix([[1]]))
    _ = tape.parameter(unused)
    let g = tape.gradients(of: sum(tape.parameter(used) * 2))
    XCTAssertEqual(g[used], Matrix([[2]]))
    XCTAssertNil(g[unused])
  }

  func testHandComputedSoftmaxAndCrossEntropy() {
    let tape = Tape()
    // Row [0, ln 3]: softmax = [1/4, 3/4]; CE with label 1 = −ln(3/4).
    let logits = tape.constant(Matrix([[0, Float(3).squareRootLog]]))
    let s = softmax(logits).value
    XCTAssertEqual(s[0, 0], 0.25, accuracy: 1e-6)
    XCTAssertEqual(s[0, 1], 0.75, accuracy: 1e-6)
    let ce = crossEntropy(logits: logits, labels: [1]).value.scalar
    XCTAssertEqual(ce, -Float(0.75).naturalLog, accuracy: 1e-6)
  }

  func testTraceOfQuadraticFormMatchesDenseFormula() {
    let a = TestData.sparse(6, 6, seed: 5)
    let s = TestData.matrix(6, 3, seed: 6)
    let tape = Tape()
    let sparse = traceOfQuadraticForm(a, tape.constant(s)).value.scalar
    let dense = Matrix.product(s, a.toDense().matmul(s), transposeA: true).trace()
    XCTAssertEqual(sparse, dense, accuracy: 1e-4)
  }

  func testPairwiseL1DistanceByHand() {
    let tape = Tape()
    let x = tape.constant(Matrix([[0, 0], [1, -2], [3, 1]]))
    let d = pairwiseL1Distance(x, sources: [0, 1, 2], targets: [1, 2, 0]).value
    XCTAssertEqual(d, Matrix([[3], [5], [4]]))
  }

  func testSegmentMeanByHand() {
    let tape = Tape()
    let x = tape.constant(Matrix([[1, 2], [3, 4], [5, 6]]))
    let m = segmentMean(x, segments: [0, 0, 1], segmentCount: 3).value
    XCTAssertEqual(m, Matrix([[2, 3], [5, 6], [0, 0]]))
  }
}

extension Float {
  fileprivate var squareRootLog: Float { Float(Foundation.log(Double(self))) }
  fileprivate var naturalLog: Float { Float(Foundation.log(Double(self))) }
}

/// A tape must be freed once its last variable is gone: an op whose
/// pullback captured its input variables would make a cycle (variable →
/// tape → pullback → variable) and leak every step's tape (it did, for
/// concatenateRows, at about 150 MB per PROTEINS epoch).
final class TapeLifetimeTests: XCTestCase {
  func testTapesOfTheBatchOpsAreFreed() {
    weak var released: Tape?
    do {
      let tape = Tape()
      // Parameters: only ops on gradient-requiring inputs keep their pullbacks.
      let a = tape.parameter(Parameter(name: "a", value: Matrix([[1, 2], [3, 4], [5, 6]])))
      let b = tape.parameter(Parameter(name: "b", value: Matrix([[7, 8]])))
      let joined = concatenateRows([rows(a, 1..<3), b, gatherRows(a, [0])])
      let pooled = segmentMean(joined, segments: [0, 0, 1, 1], segmentCount: 2)
      _ = tape.gradients(of: sum(pooled * pooled))
      released = tape
    }
    XCTAssertNil(released, "the tape outlived its variables (a reference cycle)")
  }
}

/// `rows` adds its gradient in place into the sliced input's gradient
/// (no batch-sized zero matrix per slice); the sum must be what the
/// zero-padded pullbacks gave, also when the input has other uses.
final class RowSliceGradientTests: XCTestCase {
  func testSlicesOfABatchSumIntoItsGradient() {
    let values = TestData.matrix(7, 3, seed: 13, range: -1...1)
    let tape = Tape()
    let x = tape.parameter(Parameter(name: "x", value: values))
    let weights = TestData.matrix(7, 3, seed: 17, range: -1...1)
    // Three slices (one of them twice, overlapping another) and a direct use.
    let slices: [Range<Int>] = [0..<2, 2..<5, 5..<7, 1..<4]
    var loss = sum(x * tape.constant(weights))
    for (k, range) in slices.enumerated() {
      loss = loss + sum(rows(x, range) * rows(x, range)) * Float(k + 1)
    }
    let gradient = tape.gradients(of: loss)[x]!
    var expected = weights
    for (k, range) in slices.enumerated() {
      for i in range {
        for j in 0..<3 { expected[i, j] += 2 * values[i, j] * Float(k + 1) }
      }
    }
    for i in 0..<7 {
      for j in 0..<3 { XCTAssertEqual(gradient[i, j], expected[i, j], accuracy: 1e-6) }
    }
  }

  /// A slice of an op's result (not a leaf) passes its gradient on through
  /// that op; a slice with no columns contributes nothing.
  func testSlicesOfAnOpResultAndEmptySlices() {
    let tape = Tape()
    let x = tape.parameter(Parameter(name: "x", value: Matrix([[1, 2], [3, 4], [5, 6]])))
    let doubled = x * 2
    let loss = sum(rows(doubled, 1..<3)) + sum(rows(doubled, 0..<1) * rows(doubled, 0..<1))
    XCTAssertEqual(tape.gradients(of: loss)[x], Matrix([[8, 16], [2, 2], [2, 2]]))
    let wide = tape.parameter(Parameter(name: "w", value: Matrix(rows: 3, columns: 0)))
    let p = tape.parameter(Parameter(name: "p", value: Matrix([[2]])))
    let gradients = tape.gradients(of: sum(rows(wide, 0..<2)) + p)
    XCTAssertEqual(gradients[wide], Matrix(rows: 3, columns: 0))
  }

  func testASliceOfAConstantRecordsNoGradient() {
    let tape = Tape()
    let constant = tape.constant(Matrix([[1, 2], [3, 4]]))
    let p = tape.parameter(Parameter(name: "p", value: Matrix([[0.5, -1]])))
    let gradients = tape.gradients(of: sum(rows(constant, 1..<2) * p))
    XCTAssertNil(gradients[constant])
    XCTAssertEqual(gradients[p], Matrix([[3, 4]]))
  }
}
