import TensorCore
import XCTest

/// GTVConv's propagation and the column order statistic of the
/// asymmetric-norm loss: values by hand, gradients by finite differences.
final class TotalVariationOpTests: XCTestCase {
  let checker = GradientCheck()

  /// Path 0–1–2, X̃ = [[0, 0], [1, −1], [3, 1]], δ = 0.5: d_01 = 2, d_12 = 4,
  /// so Γ_01 = ½, Γ_12 = ¼, and y_i = x̃_i − δ Σ_j Γ_ij (x̃_i − x̃_j):
  ///   y_0 = −0.25·(−1, 1)                         = (0.25, −0.25)
  ///   y_1 = (1, −1) − 0.5·(½(1, −1) + ¼(−2, −2))  = (1, −0.5)
  ///   y_2 = (3, 1) − 0.5·¼·(2, 2)                 = (2.75, 0.75)
  /// A self-loop on node 1 changes nothing (it cancels in L_Γ).
  func testPropagationOnAPathByHand() {
    let path = SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2)])
    for a in [path, path.addingIdentity()] {
      let tape = Tape()
      let x = tape.constant(Matrix([[0, 0], [1, -1], [3, 1]]))
      let y = totalVariationPropagation(x, adjacency: a, delta: 0.5)
      XCTAssertEqual(y.value, Matrix([[0.25, -0.25], [1, -0.5], [2.75, 0.75]]))
    }
    // Nodes closer than ε use the floor: Γ = a/ε. x̃ = (0, 0.0005), δ = 1e-4,
    // ε = 1e-3: y_0 = 0 − 1e-4·(1/1e-3)·(0 − 0.0005) = 5e-5.
    let tape = Tape()
    let close = tape.constant(Matrix([[0], [0.0005]]))
    let edge = SparseMatrix.symmetricAdjacency(nodeCount: 2, edges: [(0, 1)])
    let y = totalVariationPropagation(close, adjacency: edge, delta: 1e-4, epsilon: 1e-3)
    XCTAssertEqual(y.value[0, 0], 5e-5, accuracy: 1e-9)
  }

  func testPropagationGradient() {
    // Entries spread so every difference stays ≥ 0.1 from the kink of |·|.
    var x = TestData.matrix(5, 3, seed: 61, range: 0...0.05)
    for i in 0..<5 {
      for j in 0..<3 { x[i, j] += Float(i) * 0.4 * (j % 2 == 0 ? 1 : -1) + Float(j) * 0.13 }
    }
    var entries: [(row: Int, column: Int, value: Float)] = [(2, 2, 0.7)]  // a self-loop
    for (i, j, w) in [(0, 1, 1.0), (1, 2, 0.5), (2, 3, 2.0), (3, 4, 1.5), (0, 4, 0.8)]
      as [(Int, Int, Float)]
    {
      entries += [(i, j, w), (j, i, w)]
    }
    let a = SparseMatrix(rows: 5, columns: 5, entries: entries)
    // Every distance above ε: the gradient flows through Γ too.
    checker.check("totalVariationPropagation", inputs: [x]) {
      totalVariationPropagation($0[0], adjacency: a, delta: 0.7)
    }
    // Every distance below the floor ε = 50: Γ = a/ε is constant.
    checker.check("totalVariationPropagation (ε floor)", inputs: [x]) {
      totalVariationPropagation($0[0], adjacency: a, delta: 0.7, epsilon: 50)
    }
  }

  /// Column 0 = (0.2, 0.9, 0.5, 0.7): descending 0.9, 0.7, 0.5, 0.2, so
  /// rank 1 is 0.7 (row 3). Column 1 ties: (0.4, 0.4, 0.1, 0.4): rank 1 is
  /// the second 0.4 in row order, row 1, which alone gets the gradient.
  func testOrderStatisticByHandWithTies() {
    let tape = Tape()
    let parameter = Parameter(
      name: "x", value: Matrix([[0.2, 0.4], [0.9, 0.4], [0.5, 0.1], [0.7, 0.4]]))
    let x = tape.parameter(parameter)
    let q = columnOrderStatistic(x, rankFromTop: 1)
    XCTAssertEqual(q.value, Matrix([[0.7, 0.4]]))
    let gradient = tape.gradients(of: sum(q * tape.constant(Matrix([[2, 3]]))))[x]!
    XCTAssertEqual(gradient, Matrix([[0, 0], [0, 3], [0, 0], [2, 0]]))
  }

  /// The running top list (rank < 32) and the sort (rank ≥ 32) agree with
  /// a reference sort, ties included.
  func testOrderStatisticAgreesWithASortAtEveryRank() {
    var random = RandomSource(seed: 5)
    // Values on a coarse grid, so ties are frequent.
    let x = Matrix(
      rows: 80, columns: 3, storage: (0..<240).map { _ in Float(random.nextInt(below: 12)) / 4 })
    let tape = Tape()
    for rank in [0, 1, 5, 31, 32, 50, 79] {
      let q = columnOrderStatistic(tape.constant(x), rankFromTop: rank).value
      for column in 0..<3 {
        let order = (0..<80).sorted {
          (x[$0, column], -$0) > (x[$1, column], -$1)
        }
        XCTAssertEqual(q[0, column], x[order[rank], column], "rank \(rank) column \(column)")
      }
    }
  }

  func testOrderStatisticGradient() {
    // Distinct values at least 0.05 apart, so ±h never reorders a column.
    let values: [Float] = [0.1, 0.9, 0.45, 0.3, 0.75, 0.6, 0.2, 0.05, 0.55]
    let x = Matrix(rows: 3, columns: 3, storage: values)
    for rank in 0..<3 {
      checker.check("columnOrderStatistic rank \(rank)", inputs: [x]) {
        columnOrderStatistic($0[0], rankFromTop: rank)
      }
    }
  }

  /// Rows (0, 0), (1, −1), (3, 1): distances 2, 4, 4 by hand; gradient by
  /// finite differences on spread-out rows.
  func testDensePairwiseDistances() {
    let tape = Tape()
    let d = pairwiseL1Distances(tape.constant(Matrix([[0, 0], [1, -1], [3, 1]])))
    XCTAssertEqual(d.value, Matrix([[0, 2, 4], [2, 0, 4], [4, 4, 0]]))
    var x = TestData.matrix(4, 3, seed: 67, range: 0...0.05)
    for i in 0..<4 {
      for j in 0..<3 { x[i, j] += Float(i) * 0.45 * (j % 2 == 0 ? 1 : -1) + Float(j) * 0.11 }
    }
    checker.check("pairwiseL1Distances", inputs: [x]) { pairwiseL1Distances($0[0]) }
    // 11 columns: one 8-lane SIMD block and a scalar tail, against the same
    // distances summed here in Double.
    var wide = TestData.matrix(5, 11, seed: 71, range: 0...0.05)
    for i in 0..<5 {
      for j in 0..<11 { wide[i, j] += Float(i) * 0.45 * (j % 3 == 0 ? 1 : -1) + Float(j) * 0.07 }
    }
    checker.check("pairwiseL1Distances (SIMD)", inputs: [wide]) { pairwiseL1Distances($0[0]) }
    let distances = pairwiseL1Distances(tape.constant(wide)).value
    for i in 0..<5 {
      for j in 0..<5 {
        let expected = (0..<11).reduce(0.0) { $0 + abs(Double(wide[i, $1]) - Double(wide[j, $1])) }
        XCTAssertEqual(Double(distances[i, j]), expected, accuracy: 1e-5)
      }
    }
  }

  /// The pullback visits each unordered pair once; it must equal, bit for
  /// bit, the per-row loop it replaced (row i summing its terms in
  /// increasing j), so earlier runs stay reproducible.
  func testDensePairwiseGradientEqualsThePerRowLoopBitForBit() {
    let (n, c) = (13, 19)  // two 8-lane blocks and a tail of 3
    var values = TestData.matrix(n, c, seed: 5, range: -1...1)
    values[3, 4] = values[7, 4]  // a tie: sign 0
    let weights = TestData.matrix(n, n, seed: 9, range: -1...1)
    let tape = Tape()
    let x = tape.parameter(Parameter(name: "x", value: values))
    let loss = sum(pairwiseL1Distances(x) * tape.constant(weights))
    let gradient = tape.gradients(of: loss)[x]!
    var expected = Matrix(rows: n, columns: c)
    for i in 0..<n {
      for j in 0..<n where j != i {
        let weight = weights[i, j] + weights[j, i]
        for k in 0..<c {
          let diff = values[i, k] - values[j, k]
          expected[i, k] += diff > 0 ? weight : (diff < 0 ? -weight : 0)
        }
      }
    }
    XCTAssertEqual(gradient, expected)
  }

  /// Register blocking (four rows per load forward, 16-column chunks
  /// backward) must not change a bit: forward against one 8-lane sum per
  /// pair, backward against the per-row loop, at widths that exercise
  /// every path (16-column chunk, 8-column chunk, scalar tail).
  func testDensePairwiseBlockingChangesNoBit() {
    for (n, c) in [(13, 27), (6, 8), (9, 3), (5, 16), (7, 43)] {
      var values = TestData.matrix(n, c, seed: UInt64(n * c), range: -1...1)
      values[1, c - 1] = values[4, c - 1]  // a tie: sign 0
      var weights = TestData.matrix(n, n, seed: 21, range: -1...1)
      weights[2, 4] = -weights[4, 2]  // a pair of weight 0: skipped
      let tape = Tape()
      let x = tape.parameter(Parameter(name: "x", value: values))
      let distances = pairwiseL1Distances(x)
      let gradient = tape.gradients(of: sum(distances * tape.constant(weights)))[x]!
      var expectedGradient = Matrix(rows: n, columns: c)
      for i in 0..<n {
        for j in 0..<n where j != i {
          var lanes = SIMD8<Float>(repeating: 0)
          var k = 0
          while k + 8 <= c {
            for lane in 0..<8 { lanes[lane] += abs(values[i, k + lane] - values[j, k + lane]) }
            k += 8
          }
          var d = lanes.sum()
          while k < c {
            d += abs(values[i, k] - values[j, k])
            k += 1
          }
          XCTAssertEqual(
            distances.value[i, j].bitPattern, d.bitPattern, "n \(n) c \(c) pair (\(i), \(j))")
          let weight = weights[i, j] + weights[j, i]
          for k in 0..<c {
            let diff = values[i, k] - values[j, k]
            expectedGradient[i, k] += diff > 0 ? weight : (diff < 0 ? -weight : 0)
          }
        }
      }
      XCTAssertEqual(bits(gradient), bits(expectedGradient), "n \(n) c \(c)")
    }
  }

  /// A NaN difference contributes sign 0 to the pullback, as the branchy
  /// `d > 0 ? w : (d < 0 ? −w : 0)` gives, in the SIMD lanes and the tail.
  func testDensePairwisePullbackGivesNaNDifferencesSignZero() {
    let (n, c) = (5, 11)
    var values = TestData.matrix(n, c, seed: 3, range: -1...1)
    values[2, 1] = .nan  // a SIMD lane
    values[3, 9] = .infinity  // the tail: ∞ − ∞ is NaN
    values[4, 9] = .infinity
    let weights = TestData.matrix(n, n, seed: 4, range: -1...1)
    let tape = Tape()
    let x = tape.parameter(Parameter(name: "x", value: values))
    // Weights as a constant factor on the pullback only: G = weights.
    let gradient = tape.gradients(of: sum(pairwiseL1Distances(x) * tape.constant(weights)))[x]!
    for i in 0..<n {
      for k in 0..<c {
        var expected: Float = 0
        for j in 0..<n where j != i {
          let weight = weights[i, j] + weights[j, i]
          let diff = values[i, k] - values[j, k]
          expected += diff > 0 ? weight : (diff < 0 ? -weight : 0)
        }
        XCTAssertEqual(gradient[i, k].bitPattern, expected.bitPattern, "(\(i), \(k))")
      }
    }
  }

  /// The interleaved propagation must equal, bit for bit, the plain
  /// per-edge loop (so runs made before it stay reproducible): rows with 1
  /// to 9 neighbours (every group remainder), self-loops, widths with and
  /// without a SIMD tail, and edges under the ε floor.
  func testPropagationEqualsThePerEdgeLoopBitForBit() {
    let n = 12
    var entries: [(row: Int, column: Int, value: Float)] = [(3, 3, 1), (7, 7, 0.5)]
    for i in 0..<n {
      // Row i has i % 9 + 1 neighbours: groups of four plus every remainder.
      for step in 1...(i % 9 + 1) {
        entries.append((i, (i + step) % n, 0.25 + Float((i + step) % 8) / 4))
      }
    }
    let a = SparseMatrix(rows: n, columns: n, entries: entries)
    for c in [3, 8, 19, 32, 64] {
      var values = TestData.matrix(n, c, seed: UInt64(c), range: -1...1)
      for k in 0..<c { values[5, k] = values[6, k] + 1e-5 }  // under the ε floor
      let upstream = TestData.matrix(n, c, seed: 31, range: -1...1)
      let (delta, epsilon): (Float, Float) = (0.7, 1e-3)
      let tape = Tape()
      let x = tape.parameter(Parameter(name: "x", value: values))
      let y = totalVariationPropagation(x, adjacency: a, delta: delta, epsilon: epsilon)
      let gradient = tape.gradients(of: sum(y * tape.constant(upstream)))[x]!
      // The reference: one edge at a time, every sum in column order.
      var expectedY = values
      var expectedGradient = upstream
      for i in 0..<n {
        for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
          let j = Int(a.columnIndices[p])
          guard j != i else { continue }
          var d: Float = 0
          for k in 0..<c { d += abs(values[i, k] - values[j, k]) }
          let gamma = a.values[p] / max(d, epsilon)
          for k in 0..<c { expectedY[i, k] -= delta * gamma * (values[i, k] - values[j, k]) }
          var inner: Float = 0
          for k in 0..<c {
            let g = upstream[i, k]
            expectedGradient[i, k] -= delta * gamma * g
            expectedGradient[j, k] += delta * gamma * g
            inner += g * (values[i, k] - values[j, k])
          }
          guard d > epsilon else { continue }
          let through = delta * a.values[p] * inner / (d * d)
          for k in 0..<c {
            let diff = values[i, k] - values[j, k]
            let signed: Float = diff > 0 ? through : (diff < 0 ? -through : 0)
            expectedGradient[i, k] += signed
            expectedGradient[j, k] -= signed
          }
        }
      }
      XCTAssertEqual(bits(y.value), bits(expectedY), "width \(c)")
      XCTAssertEqual(bits(gradient), bits(expectedGradient), "width \(c)")
    }
  }

  /// The per-edge distances with four edges interleaved and the SIMD
  /// pullback must equal, bit for bit, the plain per-edge loop they
  /// replaced: edge counts 0 to 9 (every remainder of four), self-loops,
  /// repeated edges, widths with and without an 8-lane tail, equal rows
  /// (sign 0), ±0, and NaN/∞ entries (a NaN difference has sign 0).
  func testEdgeDistancesEqualThePerEdgeLoopBitForBit() {
    let n = 7
    let allSources = [0, 1, 2, 3, 4, 4, 5, 6, 2]
    let allTargets = [1, 0, 2, 6, 5, 5, 3, 3, 1]  // (2, 2) a self-loop, (4, 5) twice
    for c in [1, 3, 8, 16, 27, 43] {
      var values = TestData.matrix(n, c, seed: UInt64(c), range: -1...1)
      for k in 0..<c { values[6, k] = values[3, k] }  // equal rows: sign 0
      values[4, 0] = -0.0
      values[5, 0] = 0.0
      values[0, c - 1] = .nan
      values[1, c / 2] = .infinity
      for edges in 0...allSources.count {
        let (sources, targets) = (Array(allSources[..<edges]), Array(allTargets[..<edges]))
        let upstream = TestData.matrix(edges, 1, seed: 5, range: -1...1)
        let tape = Tape()
        let x = tape.parameter(Parameter(name: "x", value: values))
        let d = pairwiseL1Distance(x, sources: sources, targets: targets)
        let gradient = tape.gradients(of: sum(d * tape.constant(upstream)))[x]!
        var expectedD = Matrix(rows: edges, columns: 1)
        var expectedGradient = Matrix(rows: n, columns: c)
        for e in 0..<edges {
          let (u, v) = (sources[e], targets[e])
          for k in 0..<c { expectedD[e, 0] += abs(values[u, k] - values[v, k]) }
          for k in 0..<c {
            let diff = values[u, k] - values[v, k]
            let signed: Float = diff > 0 ? upstream[e, 0] : (diff < 0 ? -upstream[e, 0] : 0)
            expectedGradient[u, k] += signed
            expectedGradient[v, k] -= signed
          }
        }
        XCTAssertEqual(bits(d.value), bits(expectedD), "width \(c), \(edges) edges")
        XCTAssertEqual(bits(gradient), bits(expectedGradient), "width \(c), \(edges) edges")
      }
    }
  }

  /// Graphs without nodes or features (an empty pooled level) pass through.
  func testEmptyInputsPassThrough() {
    for (n, c) in [(0, 3), (3, 0), (0, 0)] {
      let tape = Tape()
      let x = tape.parameter(Parameter(name: "x", value: Matrix(rows: n, columns: c)))
      let distances = pairwiseL1Distances(x)
      XCTAssertEqual(distances.value, Matrix(rows: n, columns: n))
      let a = SparseMatrix(
        rows: n, columns: n, entries: n > 1 ? [(0, 1, 1), (1, 0, 1)] : [])
      let y = totalVariationPropagation(x, adjacency: a, delta: 0.5)
      XCTAssertEqual(y.value, x.value)
      let (sources, targets) = n > 1 ? ([0, 1], [1, 0]) : ([], [])
      let edgeDistances = pairwiseL1Distance(x, sources: sources, targets: targets)
      XCTAssertEqual(edgeDistances.value, Matrix(rows: sources.count, columns: 1))
      let gradients = tape.gradients(of: sum(distances) + sum(y) + sum(edgeDistances))
      XCTAssertEqual(gradients[x], Matrix(rows: n, columns: c))
    }
  }

  /// Bit patterns, so a bit-for-bit comparison tells −0 from +0.
  private func bits(_ m: Matrix) -> [UInt32] { m.storage.map(\.bitPattern) }
}
