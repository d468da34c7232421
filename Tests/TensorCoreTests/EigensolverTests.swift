import Foundation
import TensorCore
import XCTest

/// Known spectra are met to 1e-6 only: SparseMatrix stores Float, so the
/// normalised entries 1/√(d_i d_j) carry a relative rounding of ~6e-8 and the
/// matrix actually solved differs from the exact one by that much.
final class EigensolverTests: XCTestCase {
  private let lanczos = SymmetricEigensolver(method: .lanczos)

  /// C_n: every degree is 2, so Ã = A/2 and its eigenvalues are
  /// cos(2πj/n), j = 0..<n: 1 once, then pairs cos(2π/n), cos(4π/n), ….
  func testCycleGraphSpectrum() throws {
    let n = 100
    let a = SparseMatrix.symmetricAdjacency(
      nodeCount: n, edges: (0..<n).map { ($0, ($0 + 1) % n) }
    ).symmetricallyNormalized()
    let pairs = try lanczos.largestEigenpairs(of: a, count: 5)
    let c1 = cos(2 * Double.pi / Double(n))
    let c2 = cos(4 * Double.pi / Double(n))
    let expected = [1, c1, c1, c2, c2]
    for (got, want) in zip(pairs.eigenvalues, expected) {
      XCTAssertEqual(got, want, accuracy: 1e-6)
    }
    assertEigenpairs(pairs, of: a, tolerance: 1e-5)
    // The eigenvector of 1 is constant: 1/√n, positive by the sign convention.
    for i in 0..<n {
      XCTAssertEqual(pairs.eigenvectors[i, 0], Float(1 / Double(n).squareRoot()), accuracy: 1e-6)
    }
  }

  /// P_n: the normalised adjacency of a path has the simple eigenvalues
  /// cos(πj/(n−1)), j = 0..<n (those of the random walk D⁻¹A, similar to Ã).
  func testPathGraphSpectrumMatchesDenseSolver() throws {
    let n = 50
    let a = SparseMatrix.symmetricAdjacency(
      nodeCount: n, edges: (0..<(n - 1)).map { ($0, $0 + 1) }
    ).symmetricallyNormalized()
    let pairs = try lanczos.largestEigenpairs(of: a, count: 4)
    for j in 0..<4 {
      XCTAssertEqual(
        pairs.eigenvalues[j], cos(Double.pi * Double(j) / Double(n - 1)), accuracy: 1e-6)
    }
    assertEigenpairs(pairs, of: a, tolerance: 1e-5)
    let dense = try SymmetricEigensolver.denseLargestEigenpairs(of: a.toDense(), count: 4)
    assertSameEigenpairs(pairs, dense)
  }

  /// ARPACK against LAPACK's dsyevd on a random sparse symmetric matrix
  /// (≈ 2 % dense, Gaussian values): eigenvalues to 1e-4 and eigenvectors
  /// up to sign, |⟨u, v⟩| ≈ 1.
  func testLanczosMatchesDenseOnRandomSparseSymmetricMatrix() throws {
    let n = 300
    var rng = RandomSource(seed: 42)
    var entries: [(row: Int, column: Int, value: Float)] = []
    for i in 0..<n {
      for j in i..<n where rng.nextUniformDouble() < 0.02 {
        let v = Float(rng.nextGaussian())
        entries.append((i, j, v))
        if i != j { entries.append((j, i, v)) }
      }
    }
    let a = SparseMatrix(rows: n, columns: n, entries: entries)
    XCTAssertTrue(a.isSymmetric)
    let k = 6
    let sparse = try lanczos.largestEigenpairs(of: a, count: k)
    let dense = try SymmetricEigensolver(method: .dense).largestEigenpairs(of: a, count: k)
    XCTAssertEqual(sparse.eigenvalues, sparse.eigenvalues.sorted(by: >))
    assertSameEigenpairs(sparse, dense)
    // Both solve the same (Float-valued) matrix in Double: far closer than 1e-4.
    for (x, y) in zip(sparse.eigenvalues, dense.eigenvalues) {
      XCTAssertEqual(x, y, accuracy: 1e-10)
    }
    assertEigenpairs(sparse, of: a, tolerance: 1e-4)
  }

  /// Three disjoint 10-cliques: eigenvalue 1 has multiplicity 3 and the rest
  /// is −1/9. A Krylov space from one start vector holds one direction per
  /// eigenspace, so ARPACK must restart after the (exact) breakdown to find
  /// all three copies of 1.
  func testLanczosFindsARepeatedEigenvalue() throws {
    var edges: [(Int, Int)] = []
    for c in 0..<3 {
      for i in 0..<10 { for j in (i + 1)..<10 { edges.append((10 * c + i, 10 * c + j)) } }
    }
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 30, edges: edges).symmetricallyNormalized()
    let pairs = try lanczos.largestEigenpairs(of: a, count: 3)
    for value in pairs.eigenvalues { XCTAssertEqual(value, 1, accuracy: 1e-6) }
    assertEigenpairs(pairs, of: a, tolerance: 1e-5)
  }

  /// 30 disjoint "kites" (a triangle with a pendant node: degrees 2, 3, 3, 1,
  /// so 1/√3 is not representable) plus 3 isolated nodes: eigenvalue 1 has
  /// multiplicity 30. Scaling in Double keeps those copies equal to 1 within
  /// Double rounding (1e-12 here). The Float-stored normalisation gives
  /// 0.99999996 instead; on graphs whose components differ (Cora) the copies
  /// then split by ~1e-8 and ARPACK at machine precision stops converging.
  func testDoubleScaledNormalisationResolvesManyComponents() throws {
    var edges: [(Int, Int)] = []
    for c in 0..<30 {
      let b = 4 * c
      edges += [(b, b + 1), (b + 1, b + 2), (b + 2, b), (b + 2, b + 3)]
    }
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 123, edges: edges)
    let scaling = a.degreeScaling()
    XCTAssertEqual(scaling[0], 1 / 2.0.squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(scaling[2], 1 / 3.0.squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(scaling[122], 0)
    let pairs = try lanczos.largestEigenpairs(of: a, symmetricScaling: scaling, count: 5)
    for value in pairs.eigenvalues { XCTAssertEqual(value, 1, accuracy: 1e-12) }
    assertEigenpairs(pairs, of: a.symmetricallyNormalized(), tolerance: 1e-5)
    // Same matrix as SparseMatrix.symmetricallyNormalized, up to Float rounding.
    let dense = try SymmetricEigensolver(method: .dense).largestEigenpairs(
      of: a, symmetricScaling: scaling, count: 31)
    for j in 0..<30 { XCTAssertEqual(dense.eigenvalues[j], 1, accuracy: 1e-12) }
    XCTAssertLessThan(dense.eigenvalues[30], 1 - 1e-3)
  }

  func testSameSeedGivesIdenticalResults() throws {
    let n = 120
    let a = SparseMatrix.symmetricAdjacency(
      nodeCount: n,
      edges: (0..<n).map { ($0, ($0 * 7 + 3) % n) } + (0..<n).map { ($0, ($0 + 1) % n) }
    ).symmetricallyNormalized()
    let solver = SymmetricEigensolver(method: .lanczos, seed: 7)
    XCTAssertEqual(
      try solver.largestEigenpairs(of: a, count: 4), try solver.largestEigenpairs(of: a, count: 4))
  }

  func testAutomaticMethodUsesDenseForSmallMatrices() throws {
    // n = 4 ≤ max(2k + 1, 20): dense, which also allows k = n.
    let a = SparseMatrix(
      dense: Matrix([[2, 1, 0, 0], [1, 2, 0, 0], [0, 0, 5, 0], [0, 0, 0, -1]]))
    let pairs = try SymmetricEigensolver().largestEigenpairs(of: a, count: 4)
    for (got, want) in zip(pairs.eigenvalues, [5.0, 3, 1, -1]) {
      XCTAssertEqual(got, want, accuracy: 1e-12)
    }
    assertEigenpairs(pairs, of: a, tolerance: 1e-6)
  }

  func testInvalidRequestsAndNonConvergenceThrowClearErrors() {
    let path = SparseMatrix.symmetricAdjacency(
      nodeCount: 400, edges: (0..<399).map { ($0, $0 + 1) }
    ).symmetricallyNormalized()
    XCTAssertThrowsError(try lanczos.largestEigenpairs(of: path, count: 400)) { error in
      guard case EigensolverError.invalidArgument = error else { return XCTFail("\(error)") }
    }
    XCTAssertThrowsError(
      try lanczos.largestEigenpairs(
        of: SparseMatrix(rows: 2, columns: 3, entries: []), count: 1))
    // One restart cannot resolve eigenvalues that close to each other.
    let starved = SymmetricEigensolver(method: .lanczos, maxIterations: 1)
    XCTAssertThrowsError(try starved.largestEigenpairs(of: path, count: 6)) { error in
      guard case EigensolverError.noConvergence(let info, _, _, let requested, _) = error else {
        return XCTFail("expected noConvergence, got \(error)")
      }
      XCTAssertEqual(info, 1)
      XCTAssertEqual(requested, 6)
      XCTAssertTrue("\(error)".contains("info = 1"), "\(error)")
    }
  }

  // MARK: - Helpers

  /// ‖A v_j − λ_j v_j‖∞ ≤ tolerance and VᵀV = I (to `tolerance`).
  private func assertEigenpairs(
    _ pairs: SymmetricEigenpairs, of a: SparseMatrix, tolerance: Double,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let v = pairs.eigenvectors
    let av = a.multiply(v)
    for j in 0..<v.columns {
      var worst = 0.0
      for i in 0..<v.rows {
        worst = max(worst, abs(Double(av[i, j]) - pairs.eigenvalues[j] * Double(v[i, j])))
      }
      XCTAssertLessThan(worst, tolerance, "residual of eigenpair \(j)", file: file, line: line)
      for l in 0..<v.columns {
        var dot = 0.0
        for i in 0..<v.rows { dot += Double(v[i, j]) * Double(v[i, l]) }
        XCTAssertEqual(dot, j == l ? 1 : 0, accuracy: tolerance, file: file, line: line)
      }
    }
  }

  /// Same eigenvalues (1e-4) and, for these simple eigenvalues, the same
  /// eigenvectors up to sign: |⟨u, v⟩| ≈ 1.
  private func assertSameEigenpairs(
    _ x: SymmetricEigenpairs, _ y: SymmetricEigenpairs,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(x.eigenvalues.count, y.eigenvalues.count, file: file, line: line)
    for (a, b) in zip(x.eigenvalues, y.eigenvalues) {
      XCTAssertEqual(a, b, accuracy: 1e-4, file: file, line: line)
    }
    for j in 0..<x.eigenvectors.columns {
      var dot = 0.0
      for i in 0..<x.eigenvectors.rows {
        dot += Double(x.eigenvectors[i, j]) * Double(y.eigenvectors[i, j])
      }
      XCTAssertEqual(abs(dot), 1, accuracy: 1e-4, "eigenvector \(j)", file: file, line: line)
    }
  }
}
