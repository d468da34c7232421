import Foundation
import TensorCore
import XCTest

/// One finite-difference gradient check per differentiable op (see
/// `GradientCheck` for the tolerance argument).
final class GradientTests: XCTestCase {
  let checker = GradientCheck()

  // MARK: Arithmetic with broadcasting

  func testGradientOfAdd() {
    checker.check("add", inputs: [TestData.matrix(3, 4, seed: 1), TestData.matrix(3, 4, seed: 2)]) {
      $0[0] + $0[1]
    }
    checker.check(
      "add row-vector", inputs: [TestData.matrix(3, 4, seed: 1), TestData.matrix(1, 4, seed: 2)]
    ) {
      $0[0] + $0[1]
    }
    checker.check(
      "add column-vector", inputs: [TestData.matrix(3, 1, seed: 1), TestData.matrix(3, 4, seed: 2)]
    ) {
      $0[0] + $0[1]
    }
  }

  func testGradientOfSubtract() {
    checker.check(
      "subtract row-vector",
      inputs: [TestData.matrix(3, 4, seed: 3), TestData.matrix(1, 4, seed: 4)]
    ) {
      $0[0] - $0[1]
    }
    checker.check(
      "subtract scalar", inputs: [TestData.matrix(1, 1, seed: 3), TestData.matrix(2, 3, seed: 4)]
    ) {
      $0[0] - $0[1]
    }
  }

  func testGradientOfMultiply() {
    checker.check(
      "multiply", inputs: [TestData.matrix(3, 4, seed: 5), TestData.matrix(3, 4, seed: 6)]
    ) {
      $0[0] * $0[1]
    }
    checker.check(
      "multiply row-vector",
      inputs: [TestData.matrix(3, 4, seed: 5), TestData.matrix(1, 4, seed: 6)]
    ) {
      $0[0] * $0[1]
    }
    checker.check(
      "multiply column-vector",
      inputs: [TestData.matrix(3, 4, seed: 5), TestData.matrix(3, 1, seed: 6)]
    ) {
      $0[0] * $0[1]
    }
  }

  func testGradientOfDivide() {
    let denominator = TestData.matrix(1, 4, seed: 8, range: 0.5...2)
    checker.check("divide row-vector", inputs: [TestData.matrix(3, 4, seed: 7), denominator]) {
      $0[0] / $0[1]
    }
    checker.check(
      "divide",
      inputs: [TestData.matrix(2, 3, seed: 7), TestData.matrix(2, 3, seed: 9, range: 0.5...2)]
    ) { $0[0] / $0[1] }
    // The shapes the pooled-adjacency normalisation and L_o divide by.
    checker.check(
      "divide column-vector",
      inputs: [TestData.matrix(3, 3, seed: 7), TestData.matrix(3, 1, seed: 8, range: 0.5...2)]
    ) { $0[0] / $0[1] }
    checker.check(
      "divide scalar",
      inputs: [TestData.matrix(3, 3, seed: 7), TestData.matrix(1, 1, seed: 8, range: 0.5...2)]
    ) { $0[0] / $0[1] }
  }

  func testGradientOfScalarOps() {
    checker.check("scalar add/multiply/divide", inputs: [TestData.matrix(3, 3, seed: 10)]) {
      ((($0[0] + 0.5) * 3) / 2 - 1.5) * -1
    }
    checker.check("scalar minus variable, negate", inputs: [TestData.matrix(2, 3, seed: 11)]) {
      2 - (-$0[0]) * 0.5
    }
  }

  // MARK: Elementwise nonlinearities

  func testGradientOfRelu() {
    checker.check("relu", inputs: [TestData.awayFromZero(4, 5, seed: 12)]) { relu($0[0]) }
  }

  func testGradientOfElu() {
    checker.check("elu", inputs: [TestData.awayFromZero(4, 5, seed: 13)]) { elu($0[0]) }
  }

  func testGradientOfTanh() {
    checker.check("tanh", inputs: [TestData.matrix(4, 5, seed: 14, range: -2...2)]) { tanh($0[0]) }
  }

  func testGradientOfSigmoid() {
    checker.check("sigmoid", inputs: [TestData.matrix(4, 5, seed: 15, range: -3...3)]) {
      sigmoid($0[0])
    }
  }

  func testGradientOfLog() {
    checker.check("log", inputs: [TestData.matrix(4, 5, seed: 16, range: 0.5...3)]) { log($0[0]) }
  }

  func testGradientOfExp() {
    checker.check("exp", inputs: [TestData.matrix(4, 5, seed: 17)]) { exp($0[0]) }
  }

  func testGradientOfSqrt() {
    checker.check("sqrt", inputs: [TestData.matrix(4, 5, seed: 18, range: 0.5...3)]) { sqrt($0[0]) }
  }

  func testGradientOfAbs() {
    checker.check("abs", inputs: [TestData.awayFromZero(4, 5, seed: 19)]) { abs($0[0]) }
  }

  // MARK: Softmax family

  func testGradientOfSoftmax() {
    checker.check("softmax", inputs: [TestData.matrix(4, 5, seed: 20, range: -3...3)]) {
      softmax($0[0])
    }
  }

  func testGradientOfLogSoftmax() {
    checker.check("logSoftmax", inputs: [TestData.matrix(4, 5, seed: 21, range: -3...3)]) {
      logSoftmax($0[0])
    }
  }

  func testGradientOfCrossEntropy() {
    let labels = [0, 4, 2, 2, 1]
    checker.check("crossEntropy", inputs: [TestData.matrix(5, 5, seed: 22, range: -3...3)]) {
      crossEntropy(logits: $0[0], labels: labels)
    }
    checker.check(
      "crossEntropy on a row subset", inputs: [TestData.matrix(5, 5, seed: 23, range: -3...3)]
    ) {
      crossEntropy(logits: $0[0], labels: labels, rows: [1, 3])
    }
  }

  // MARK: Linear algebra

  func testGradientOfMatmul() {
    let a = TestData.matrix(3, 4, seed: 24)
    let b = TestData.matrix(4, 2, seed: 25)
    checker.check("matmul A·B", inputs: [a, b]) { matmul($0[0], $0[1]) }
    checker.check("matmul Aᵀ·B", inputs: [a.transposed(), b]) {
      matmul($0[0], $0[1], transposeA: true)
    }
    checker.check("matmul A·Bᵀ", inputs: [a, b.transposed()]) {
      matmul($0[0], $0[1], transposeB: true)
    }
    checker.check("matmul Aᵀ·Bᵀ", inputs: [a.transposed(), b.transposed()]) {
      matmul($0[0], $0[1], transposeA: true, transposeB: true)
    }
  }

  func testGradientOfSparseMatmul() {
    let a = TestData.sparse(5, 4, seed: 26)
    checker.check("sparse × dense", inputs: [TestData.matrix(4, 3, seed: 27)]) { matmul(a, $0[0]) }
  }

  func testGradientOfTranspose() {
    checker.check("transpose", inputs: [TestData.matrix(3, 5, seed: 28)]) { transpose($0[0]) }
  }

  func testGradientOfTraceOfQuadraticForm() {
    let a = TestData.sparse(5, 5, seed: 29)  // not symmetric: exercises A + Aᵀ
    checker.check("Tr(SᵀAS)", inputs: [TestData.matrix(5, 3, seed: 30)]) {
      traceOfQuadraticForm(a, $0[0])
    }
  }

  // MARK: Reductions

  func testGradientOfSum() {
    checker.check("sum", inputs: [TestData.matrix(3, 4, seed: 31)]) { sum($0[0]) }
    checker.check("sum along rows", inputs: [TestData.matrix(3, 4, seed: 32)]) {
      sum($0[0], along: .rows)
    }
    checker.check("sum along columns", inputs: [TestData.matrix(3, 4, seed: 33)]) {
      sum($0[0], along: .columns)
    }
  }

  func testGradientOfMean() {
    checker.check("mean", inputs: [TestData.matrix(3, 4, seed: 34)]) { mean($0[0]) }
  }

  func testGradientOfFrobeniusNorm() {
    checker.check("frobeniusNorm", inputs: [TestData.matrix(3, 4, seed: 35)]) {
      frobeniusNorm($0[0])
    }
  }

  func testGradientOfSumOfSquaresAndL2Penalty() {
    checker.check("sumOfSquares", inputs: [TestData.matrix(3, 4, seed: 36)]) { sumOfSquares($0[0]) }
    checker.check(
      "l2Penalty", inputs: [TestData.matrix(3, 4, seed: 37), TestData.matrix(2, 2, seed: 38)]
    ) {
      l2Penalty([$0[0], $0[1]], lambda: 0.1)
    }
  }

  // MARK: Indexing and segments

  func testGradientOfGatherRows() {
    checker.check("gatherRows (with repeats)", inputs: [TestData.matrix(4, 3, seed: 39)]) {
      gatherRows($0[0], [2, 0, 2, 3])
    }
  }

  func testGradientOfRowsAndConcatenateRows() {
    checker.check("rows 1..<3", inputs: [TestData.matrix(4, 3, seed: 43)]) {
      rows($0[0], 1..<3)
    }
    checker.check(
      "concatenateRows",
      inputs: [
        TestData.matrix(2, 3, seed: 44), TestData.matrix(1, 3, seed: 45),
        TestData.matrix(3, 3, seed: 46),
      ]
    ) {
      concatenateRows([$0[0], $0[1], $0[2]])
    }
  }

  func testGradientOfScatterAddRows() {
    checker.check("scatterAddRows", inputs: [TestData.matrix(5, 3, seed: 40)]) {
      scatterAddRows($0[0], to: [1, 0, 1, 3, 1], outputRows: 4)
    }
  }

  func testGradientOfSegmentMax() {
    // Distinct values, so the maxima do not move under the perturbation.
    checker.check("segmentMax", inputs: [TestData.matrix(6, 3, seed: 47)]) {
      segmentMax($0[0], segments: [0, 2, 0, 2, 2, 0], segmentCount: 4)
    }
    let tape = Tape()
    let m = segmentMax(
      tape.constant(Matrix([[1, 5], [3, -2], [2, 7]])), segments: [0, 0, 1], segmentCount: 3)
    XCTAssertEqual(m.value, Matrix([[3, 5], [2, 7], [0, 0]]))
  }

  func testGradientOfSegmentSum() {
    checker.check("segmentSum", inputs: [TestData.matrix(6, 2, seed: 41)]) {
      segmentSum($0[0], segments: [0, 0, 1, 1, 1, 2], segmentCount: 3)
    }
  }

  func testGradientOfSegmentMean() {
    checker.check("segmentMean (with an empty segment)", inputs: [TestData.matrix(6, 2, seed: 42)])
    {
      segmentMean($0[0], segments: [0, 0, 2, 2, 2, 3], segmentCount: 4)
    }
  }

  // MARK: Graph ops

  func testGradientOfPairwiseL1Distance() {
    // Rows offset by 0.5 per node, jitter < 0.1: every coordinate difference
    // is at least 0.3 away from the kink of |·|.
    var x = TestData.matrix(4, 3, seed: 43, range: 0...0.1)
    for i in 0..<4 { for j in 0..<3 { x[i, j] += Float(i) * 0.5 * (j % 2 == 0 ? 1 : -1) } }
    checker.check("pairwiseL1Distance", inputs: [x]) {
      pairwiseL1Distance($0[0], sources: [0, 1, 2, 3, 0], targets: [1, 0, 3, 1, 2])
    }
  }

  // MARK: The checker itself

  func testGradientCheckRejectsAWrongPullback() {
    // tanh with the derivative 1 − y (instead of 1 − y²): must be caught.
    let wrongTanh: ([Variable]) -> Variable = { v in
      let x = v[0]
      let y = x.value.map { Float(Foundation.tanh(Double($0))) }
      return x.tape.record(y, inputs: [x]) { g, _ in [g.zipMap(y) { $0 * (1 - $1) }] }
    }
    let result = checker.compare(inputs: [TestData.matrix(3, 3, seed: 49)], wrongTanh)
    XCTAssertNotNil(result.firstFailure, "a wrong pullback passed the gradient check")
  }

  // MARK: Composition

  func testGradientOfComposedGraphLayer() {
    // A GCS-like layer, softmax and a Frobenius-norm loss: checks that the
    // tape sums gradients of a parameter used along several paths.
    let adjacency = TestData.sparse(5, 5, seed: 44)
    let features = TestData.matrix(5, 3, seed: 45)
    checker.check(
      "composed layer",
      inputs: [
        TestData.matrix(3, 4, seed: 46), TestData.matrix(3, 4, seed: 47),
        TestData.matrix(1, 4, seed: 48),
      ]
    ) { v in
      let x = v[0].tape.constant(features)
      let z = elu(matmul(adjacency, matmul(x, v[0])) + matmul(x, v[1]) + v[2])
      return frobeniusNorm(softmax(z)) + sum(tanh(matmul(z, v[0], transposeB: true)))
    }
  }
}
