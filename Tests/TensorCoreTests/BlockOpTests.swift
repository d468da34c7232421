import TensorCore
import XCTest

/// The per-block (batch of graphs) ops: finite-difference gradient checks,
/// and values equal to the per-block composition of generic ops.
final class BlockOpTests: XCTestCase {
  let checker = GradientCheck()
  /// Three blocks of 2, 0 and 3 rows (an empty block included).
  let offsets = [0, 2, 2, 5]

  /// Rows `range` of `m` as a matrix.
  private func rowsOf(_ m: Matrix, _ range: Range<Int>) -> Matrix {
    Matrix(
      rows: range.count, columns: m.columns,
      storage: Array(m.storage[(range.lowerBound * m.columns)..<(range.upperBound * m.columns)]))
  }

  /// Positive K×K blocks (B of them stacked), so degrees are positive.
  private func positiveBlocks(_ blocks: Int, _ k: Int, seed: UInt64) -> Matrix {
    TestData.matrix(blocks * k, k, seed: seed, range: 0.2...1.5)
  }

  // MARK: Gradients

  func testGradientOfBlockTransposeProduct() {
    checker.check(
      "blockTransposeProduct",
      inputs: [TestData.matrix(5, 2, seed: 1), TestData.matrix(5, 3, seed: 2)]
    ) { blockTransposeProduct($0[0], $0[1], offsets: offsets) }
    checker.check("blockTransposeProduct SᵀS", inputs: [TestData.matrix(5, 3, seed: 3)]) {
      blockTransposeProduct($0[0], $0[0], offsets: offsets)
    }
  }

  func testGradientOfBlockDiagonalProduct() {
    // Blocks 3 columns wide: the 2-row block uses its first 2 columns.
    checker.check(
      "blockDiagonalProduct",
      inputs: [TestData.matrix(5, 3, seed: 4), TestData.matrix(5, 2, seed: 5)]
    ) { blockDiagonalProduct($0[0], $0[1], offsets: offsets) }
  }

  func testGradientOfBlockFrobeniusNorms() {
    checker.check("blockFrobeniusNorms", inputs: [TestData.matrix(5, 3, seed: 6)]) {
      blockFrobeniusNorms($0[0], offsets: offsets)
    }
  }

  func testGradientOfBlockCutRatios() {
    checker.check(
      "blockCutRatios",
      inputs: [
        TestData.matrix(5, 3, seed: 8, range: 0.1...1), TestData.matrix(5, 3, seed: 9),
        TestData.matrix(5, 1, seed: 10, range: 0.5...2),
      ]
    ) { blockCutRatios($0[0], $0[1], weights: $0[2], offsets: [0, 2, 5]) }
  }

  func testGradientOfBlockOrthogonalityDistances() {
    checker.check("blockOrthogonalityDistances", inputs: [TestData.matrix(6, 3, seed: 11)]) {
      blockOrthogonalityDistances($0[0])
    }
  }

  func testGradientOfNormalizedBlocks() {
    for zeroing in [true, false] {
      checker.check("normalizedBlocks zeroing \(zeroing)", inputs: [positiveBlocks(2, 3, seed: 12)])
      {
        normalizedBlocks($0[0], offsets: [0, 3, 6], epsilon: 1e-7, zeroingDiagonal: zeroing)
      }
      // Blocks of 2, 0 and 3 rows, 3 columns wide.
      checker.check(
        "normalizedBlocks ragged zeroing \(zeroing)",
        inputs: [TestData.matrix(5, 3, seed: 18, range: 0.2...1.5)]
      ) {
        normalizedBlocks($0[0], offsets: self.offsets, epsilon: 1e-7, zeroingDiagonal: zeroing)
      }
    }
  }

  func testGradientOfBlockGraphConvolutionWithSkip() {
    let kernels = [
      TestData.matrix(2, 3, seed: 13), TestData.matrix(2, 3, seed: 14),
      TestData.matrix(1, 3, seed: 15),
    ]
    for activation in [PointwiseActivation.linear, .elu, .tanh, .sigmoid] {
      checker.check(
        "blockGraphConvolutionWithSkip \(activation)",
        inputs: [TestData.matrix(5, 2, seed: 16), TestData.matrix(5, 3, seed: 17)] + kernels
      ) { v in
        blockGraphConvolutionWithSkip(
          v[0], blocks: v[1], offsets: offsets, messageKernel: v[2], skipKernel: v[3], bias: v[4],
          activation: activation)
      }
    }
  }

  func testGradientOfActivate() {
    // Inputs away from 0, where ReLU and ELU have kinks.
    let x = Matrix([[-1.2, 0.7, 2.1], [0.4, -0.3, -2.5]])
    for activation in [PointwiseActivation.linear, .relu, .elu, .tanh, .sigmoid] {
      checker.check("activate \(activation)", inputs: [x]) { activate($0[0], activation) }
    }
  }

  // MARK: Values

  func testBlockProductsEqualPerBlockProducts() {
    let tape = Tape()
    let (s, x) = (TestData.matrix(5, 2, seed: 20), TestData.matrix(5, 3, seed: 21))
    let stacked = blockTransposeProduct(tape.constant(s), tape.constant(x), offsets: offsets).value
    XCTAssertEqual([stacked.rows, stacked.columns], [6, 3])
    for g in 0..<3 {
      let range = offsets[g]..<offsets[g + 1]
      let expected =
        range.isEmpty
        ? Matrix(rows: 2, columns: 3)
        : Matrix.product(rowsOf(s, range), rowsOf(x, range), transposeA: true)
      XCTAssertEqual(rowsOf(stacked, (2 * g)..<(2 * g + 2)), expected)
    }
    let blocks = TestData.matrix(5, 3, seed: 22)
    let product = blockDiagonalProduct(tape.constant(blocks), tape.constant(x), offsets: offsets)
    for g in 0..<3 where offsets[g + 1] > offsets[g] {
      let range = offsets[g]..<offsets[g + 1]
      let n = range.count
      let a = Matrix(
        rows: n, columns: n, storage: range.flatMap { i in blocks.storage[(i * 3)..<(i * 3 + n)] })
      XCTAssertEqual(rowsOf(product.value, range), Matrix.product(a, rowsOf(x, range)))
    }
  }

  /// L_c, L_o and the pooled adjacency of two blocks equal the single-graph
  /// compositions of generic ops (the formulas of MinCutPool's paper).
  func testFusedMinCutTermsEqualTheirCompositions() {
    let tape = Tape()
    let s = TestData.matrix(5, 3, seed: 30, range: 0.1...1)
    let p = TestData.matrix(5, 3, seed: 31)
    let d = TestData.matrix(5, 1, seed: 32, range: 0.5...2)
    let blockOffsets = [0, 2, 5]
    let ratios = blockCutRatios(
      tape.constant(s), tape.constant(p), weights: tape.constant(d), offsets: blockOffsets
    ).value
    let sts = blockTransposeProduct(tape.constant(s), tape.constant(s), offsets: blockOffsets)
    let distances = blockOrthogonalityDistances(sts).value
    let pooled = positiveBlocks(2, 3, seed: 33)
    let normalised = normalizedBlocks(
      tape.constant(pooled), offsets: [0, 3, 6], epsilon: 1e-7, zeroingDiagonal: true
    ).value
    let offDiagonal = tape.constant(
      Matrix(rows: 3, columns: 3, repeating: 1) - Matrix.identity(3))
    let scaledIdentity = tape.constant(Matrix.identity(3) * (1 / Float(3).squareRoot()))
    for g in 0..<2 {
      let range = blockOffsets[g]..<blockOffsets[g + 1]
      let (sg, pg, dg) = (
        tape.constant(rowsOf(s, range)), tape.constant(rowsOf(p, range)),
        tape.constant(rowsOf(d, range))
      )
      let ratio = sum(sg * pg) / sum(sg * sg * dg)
      XCTAssertEqual(ratios.storage[g], ratio.value.scalar, accuracy: 1e-5)
      let m = matmul(sg, sg, transposeA: true)
      let distance = frobeniusNorm(m / frobeniusNorm(m) - scaledIdentity)
      XCTAssertEqual(distances.storage[g], distance.value.scalar, accuracy: 1e-5)
      let block = tape.constant(rowsOf(pooled, (3 * g)..<(3 * g + 3)))
      let reference = normalizePooledAdjacencyReference(block * offDiagonal)
      for (a, b) in zip(rowsOf(normalised, (3 * g)..<(3 * g + 3)).storage, reference.storage) {
        XCTAssertEqual(a, b, accuracy: 1e-6)
      }
    }
  }

  /// A_ij / ((√d_i + ε)(√d_j + ε)), d = row sums (ε = 1e-7), composed.
  private func normalizePooledAdjacencyReference(_ a: Variable) -> Matrix {
    let scale = sqrt(relu(sum(a, along: .columns))) + 1e-7
    return (a / scale / transpose(scale)).value
  }

  func testBlockConvolutionEqualsTheComposition() {
    let tape = Tape()
    let x = tape.constant(TestData.matrix(5, 2, seed: 40))
    let blocks = tape.constant(TestData.matrix(5, 3, seed: 41))
    let (wm, ws, b) = (
      tape.constant(TestData.matrix(2, 3, seed: 42)),
      tape.constant(TestData.matrix(2, 3, seed: 43)),
      tape.constant(TestData.matrix(1, 3, seed: 44))
    )
    let fused = blockGraphConvolutionWithSkip(
      x, blocks: blocks, offsets: offsets, messageKernel: wm, skipKernel: ws, bias: b,
      activation: .tanh)
    let composed = tanh(
      blockDiagonalProduct(blocks, matmul(x, wm), offsets: offsets) + matmul(x, ws) + b)
    for (p, q) in zip(fused.value.storage, composed.value.storage) {
      XCTAssertEqual(p, q, accuracy: 1e-6)
    }
  }

  func testEmptyAndZeroBlocksGiveZerosNotNaN() {
    let tape = Tape()
    let zero = Parameter(name: "z", value: Matrix(rows: 6, columns: 3))
    let v = tape.parameter(zero)
    let loss =
      sum(blockOrthogonalityDistances(v)) + sum(blockFrobeniusNorms(v, offsets: [0, 3, 6]))
    XCTAssertEqual(loss.value.scalar, 0)
    let g = tape.gradients(of: loss)[zero]!
    XCTAssertTrue(g.storage.allSatisfy { $0 == 0 })
  }
}
