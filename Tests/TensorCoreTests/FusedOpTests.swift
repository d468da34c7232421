import Foundation
import XCTest

@testable import TensorCore

/// The fused graph convolution and the kernels behind it: finite-difference
/// gradient checks, and agreement with the unfused composition and with dense
/// references.
final class FusedOpTests: XCTestCase {
  let checker = GradientCheck()
  let activations: [PointwiseActivation] = [.linear, .relu, .elu, .tanh, .sigmoid]

  /// Z = act(Ã X Θ_m + X Θ_s + b) by the generic ops, for comparison.
  private func unfused(
    _ x: Variable, _ a: SparseMatrix, _ v: [Variable], _ activation: PointwiseActivation
  ) -> Variable {
    let pre = matmul(a, matmul(x, v[0])) + matmul(x, v[1]) + v[2]
    switch activation {
    case .linear: return pre
    case .relu: return relu(pre)
    case .elu: return elu(pre)
    case .tanh: return tanh(pre)
    case .sigmoid: return sigmoid(pre)
    }
  }

  private var kernels: [Matrix] {
    [
      TestData.matrix(3, 4, seed: 61), TestData.matrix(3, 4, seed: 62),
      TestData.matrix(1, 4, seed: 63),
    ]
  }

  func testGradientOfFusedGraphConvolutionWithSparseFeatures() {
    let features = TestData.sparse(6, 3, seed: 64)
    let general = TestData.sparse(6, 6, seed: 65)  // not symmetric: the cached transpose
    let symmetric = SparseMatrix(dense: general.toDense() + general.toDense().transposed())
      .detectingSymmetry()
    XCTAssertTrue(symmetric.isKnownSymmetric)
    XCTAssertFalse(general.detectingSymmetry().isKnownSymmetric)
    for adjacency in [general, symmetric] {
      for activation in activations {
        // ReLU's kink makes finite differences unreliable near 0; its
        // gradient is compared with the unfused composition's below.
        if activation != .relu {
          checker.check("fused GCS sparse X \(activation)", inputs: kernels) { v in
            let z = graphConvolutionWithSkip(
              features, adjacency: adjacency, messageKernel: v[0], skipKernel: v[1], bias: v[2],
              activation: activation)
            return frobeniusNorm(softmax(z)) + sum(tanh(z))
          }
        }
        // Same gradients as the composition of generic ops.
        let parameters = kernels.enumerated().map {
          Parameter(name: "p\($0.offset)", value: $0.element)
        }
        func gradients(fusedOp: Bool) -> [Matrix] {
          let tape = Tape()
          let v = parameters.map { tape.parameter($0) }
          let z =
            fusedOp
            ? graphConvolutionWithSkip(
              features, adjacency: adjacency, messageKernel: v[0], skipKernel: v[1], bias: v[2],
              activation: activation)
            : unfused(tape.constant(features.toDense()), adjacency, v, activation)
          let g = tape.gradients(of: frobeniusNorm(softmax(z)) + sum(tanh(z)))
          return parameters.map { g[$0]! }
        }
        for (f, u) in zip(gradients(fusedOp: true), gradients(fusedOp: false)) {
          for (p, q) in zip(f.storage, u.storage) {
            XCTAssertEqual(p, q, accuracy: 1e-4, "gradient, \(activation)")
          }
        }
        // Same values as the composition of generic ops.
        let tape = Tape()
        let v = kernels.map { tape.constant($0) }
        let fused = graphConvolutionWithSkip(
          features, adjacency: adjacency, messageKernel: v[0], skipKernel: v[1], bias: v[2],
          activation: activation)
        let reference = unfused(tape.constant(features.toDense()), adjacency, v, activation)
        for (p, q) in zip(fused.value.storage, reference.value.storage) {
          XCTAssertEqual(p, q, accuracy: 1e-5, "\(activation)")
        }
      }
    }
  }

  func testGradientOfFusedGraphConvolutionWithDenseFeatures() {
    let adjacency = TestData.sparse(5, 5, seed: 66)
    for activation in activations where activation != .relu {
      checker.check(
        "fused GCS dense X \(activation)", inputs: [TestData.matrix(5, 3, seed: 67)] + kernels
      ) { v in
        let z = graphConvolutionWithSkip(
          v[0], adjacency: adjacency, messageKernel: v[1], skipKernel: v[2], bias: v[3],
          activation: activation)
        return frobeniusNorm(softmax(z)) + sum(tanh(z))
      }
    }
  }

  func testGradientOfWeightedSumOfSquaredRows() {
    let weights: [Float] = [0.5, 2, 0, 1.5]
    checker.check("Σ w_i ‖s_i‖²", inputs: [TestData.matrix(4, 3, seed: 68)]) {
      weightedSumOfSquaredRows($0[0], weights: weights)
    }
    let s = TestData.matrix(4, 3, seed: 68)
    var expected: Float = 0
    for i in 0..<4 { for j in 0..<3 { expected += weights[i] * s[i, j] * s[i, j] } }
    XCTAssertEqual(
      weightedSumOfSquaredRows(Tape().constant(s), weights: weights).value.scalar, expected,
      accuracy: 1e-5)
  }

  /// Sparse products of every width (SIMD blocks of 16 and 4 plus the rest),
  /// both transposed strategies, one and two threads, against dense products.
  func testSparseProductsMatchDenseReferencesForEveryWidthAndThreadCount() {
    defer { Threading.setThreadCount(1) }
    let a = TestData.sparse(2000, 300, seed: 69)
    let dense = a.toDense()
    for width in [1, 3, 4, 7, 16, 17, 32, 37] {
      let x = TestData.matrix(300, width, seed: 70)
      let g = TestData.matrix(2000, width, seed: 71)
      let reference = Matrix.product(dense, x)
      let referenceT = Matrix.product(dense, g, transposeA: true)
      var perThreadCount: [[Float]] = []
      for threads in [1, 2] {
        Threading.setThreadCount(threads)
        let product = a.multiply(x)
        for (p, q) in zip(product.storage, reference.storage) {
          XCTAssertEqual(p, q, accuracy: 1e-4)
        }
        for t in [a.transposeMultiply(g), a.scatterTransposeMultiply(g)] {
          for (p, q) in zip(t.storage, referenceT.storage) { XCTAssertEqual(p, q, accuracy: 1e-4) }
        }
        perThreadCount.append(product.storage + a.transposeMultiply(g).storage)
      }
      // Gathers give the same bits for every thread count.
      XCTAssertEqual(perThreadCount[0], perThreadCount[1], "width \(width)")
    }
  }

  /// Dense products split across threads (row blocks for a tall result, a
  /// split reduction for SᵀS-like shapes) agree with one sgemm call.
  func testDenseProductsSplitAcrossThreadsAgreeWithOneCall() {
    defer { Threading.setThreadCount(1) }
    let tall = TestData.matrix(20_000, 16, seed: 72)
    let small = TestData.matrix(16, 7, seed: 73)
    let s = TestData.matrix(20_000, 7, seed: 74)
    let cases: [(Matrix, Matrix, Bool, Bool)] = [
      (tall, small, false, false),  // rows split
      (s, s, true, false),  // SᵀS: reduction split
      (tall, s, true, false),  // Hᵀ·G
      (s, small, false, true),  // S·Wᵀ
    ]
    for (a, b, ta, tb) in cases {
      Threading.setThreadCount(1)
      let one = Matrix.product(a, b, transposeA: ta, transposeB: tb)
      Threading.setThreadCount(2)
      let two = Matrix.product(a, b, transposeA: ta, transposeB: tb)
      XCTAssertTrue(one.hasSameShape(as: two))
      for (p, q) in zip(one.storage, two.storage) {
        XCTAssertEqual(p, q, accuracy: 1e-3 * max(1, Swift.abs(p)))
      }
    }
  }
}
