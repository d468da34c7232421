import CARPACK
import CLAPACKE
import Synchronization

/// The `k` eigenpairs of largest algebraic value of a real symmetric matrix.
public struct SymmetricEigenpairs: Sendable, Equatable {
  /// λ_1 ≥ λ_2 ≥ … ≥ λ_k, in Double as computed.
  public let eigenvalues: [Double]
  /// n×k; column j is the unit eigenvector of `eigenvalues[j]`. Each column's
  /// sign is fixed so that its entry of largest magnitude (the first such) is
  /// positive, which makes results comparable across methods when an
  /// eigenvalue is simple; for a repeated eigenvalue the columns are *some*
  /// orthonormal basis of its eigenspace.
  public let eigenvectors: Matrix

  public init(eigenvalues: [Double], eigenvectors: Matrix) {
    precondition(eigenvectors.columns == eigenvalues.count, "one eigenvector column per eigenvalue")
    self.eigenvalues = eigenvalues
    self.eigenvectors = eigenvectors
  }
}

/// Why an eigen-decomposition failed.
public enum EigensolverError: Error, Equatable, CustomStringConvertible {
  /// The request itself is invalid (non-square matrix, k out of range, …).
  case invalidArgument(String)
  /// ARPACK's `dsaupd` or `dseupd` returned a non-zero `info`;
  /// `meaning` is ARPACK's own explanation of that code.
  case arpack(routine: String, info: Int, meaning: String)
  /// `dsaupd` stopped (max iterations, or no shifts could be applied) with
  /// only `converged` of the `requested` Ritz pairs accurate enough.
  case noConvergence(info: Int, meaning: String, converged: Int, requested: Int, iterations: Int)
  /// LAPACK's `dsyevd` returned a non-zero `info`.
  case lapack(routine: String, info: Int)

  public var description: String {
    switch self {
    case .invalidArgument(let message):
      return "eigensolver: \(message)"
    case .arpack(let routine, let info, let meaning):
      return "ARPACK \(routine) failed with info = \(info): \(meaning)"
    case .noConvergence(let info, let meaning, let converged, let requested, let iterations):
      return "ARPACK dsaupd did not converge (info = \(info): \(meaning)); "
        + "\(converged) of \(requested) Ritz pairs converged after \(iterations) restarts"
    case .lapack(let routine, let info):
      return "LAPACK \(routine) failed with info = \(info)"
        + (info > 0 ? " (the algorithm failed to converge)" : " (argument \(-info) was invalid)")
    }
  }
}

/// Computes the `k` eigenpairs of largest algebraic value of a real symmetric
/// matrix A, A·v_j = λ_j·v_j with λ_1 ≥ … ≥ λ_k and ‖v_j‖₂ = 1.
///
/// Two methods:
/// - `.lanczos`: ARPACK's implicitly restarted Lanczos method (`dsaupd_c` /
///   `dseupd_c`, `which = "LA"`, mode 1, exact shifts) driven by reverse
///   communication; only products A·x are needed. Cost per restart
///   O((ncv − k)·nnz + n·ncv²) (the products plus the re-orthogonalisation
///   and the implicit QR shifts), memory O(n·ncv). The number of restarts
///   depends on the gap between λ_k and λ_{k+1}; it is bounded by
///   `maxIterations`.
/// - `.dense`: LAPACK's divide-and-conquer `dsyevd` on the dense matrix,
///   all n eigenpairs. Cost O(n³) time and O(n²) memory: for small n and for
///   cross-checks.
///
/// Everything is computed in Double; the sparse matrix's Float values are
/// widened once. The Lanczos starting vector is drawn from a
/// `RandomSource(seed:)` (uniform in [−1, 1), ARPACK's `info = 1`), so the
/// same seed gives the same result.
public struct SymmetricEigensolver: Sendable {
  public enum Method: Sendable, Equatable {
    /// `.dense` when n ≤ max(2k + 1, 20), else `.lanczos`.
    case automatic
    /// ARPACK implicitly restarted Lanczos.
    case lanczos
    /// LAPACK `dsyevd` on the dense matrix.
    case dense
  }

  public var method: Method
  /// ARPACK's relative accuracy of the Ritz values; 0 means machine precision.
  public var tolerance: Double
  /// Maximum number of implicit restarts (ARPACK `iparam[2]`); nil = 10·n.
  public var maxIterations: Int?
  /// Number of Lanczos vectors (ARPACK `ncv`); nil = min(n, max(2k + 1, 20)).
  public var lanczosVectorCount: Int?
  /// Seed of the Lanczos starting vector.
  public var seed: UInt64

  public init(
    method: Method = .automatic, tolerance: Double = 0, maxIterations: Int? = nil,
    lanczosVectorCount: Int? = nil, seed: UInt64 = 0
  ) {
    self.method = method
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.lanczosVectorCount = lanczosVectorCount
    self.seed = seed
  }

  /// The `k` eigenpairs of largest algebraic value of the symmetric matrix
  /// `a` (n×n, 1 ≤ k ≤ n; the Lanczos method needs k < n). Symmetry is the
  /// caller's promise: only products with `a` are used, and a non-symmetric
  /// `a` gives meaningless results. Cost: see the type's documentation.
  public func largestEigenpairs(of a: SparseMatrix, count k: Int) throws(EigensolverError)
    -> SymmetricEigenpairs
  {
    try largestEigenpairs(of: DoubleCSR(a, scaling: nil), count: k)
  }

  /// The `k` eigenpairs of largest algebraic value of S·A·S with
  /// S = diag(`scaling`), whose entries s_i·a_ij·s_j are formed in Double.
  ///
  /// This is how to solve the normalised adjacency D^-1/2 A D^-1/2
  /// (s_i = 1/√d_i, or 0 for d_i = 0; see `SparseMatrix.degreeScaling`):
  /// storing that matrix in Float rounds each entry by ~6e-8 relative, which
  /// splits a repeated eigenvalue (1, once per connected component) into a
  /// cluster ~1e-8 wide that Lanczos cannot resolve to machine precision; on
  /// Cora it then stops after 10·n restarts with no converged Ritz pair.
  /// Formed in Double, the cluster stays within rounding of Double and
  /// converges in well under a second. Cost: as `largestEigenpairs(of:count:)`.
  public func largestEigenpairs(
    of a: SparseMatrix, symmetricScaling scaling: [Double], count k: Int
  ) throws(EigensolverError) -> SymmetricEigenpairs {
    guard scaling.count == a.rows && a.rows == a.columns else {
      throw .invalidArgument(
        "scaling has \(scaling.count) entries for a \(a.rows)×\(a.columns) matrix")
    }
    return try largestEigenpairs(of: DoubleCSR(a, scaling: scaling), count: k)
  }

  private func largestEigenpairs(of a: DoubleCSR, count k: Int) throws(EigensolverError)
    -> SymmetricEigenpairs
  {
    guard a.rows == a.columns else {
      throw .invalidArgument("the matrix is \(a.rows)×\(a.columns), not square")
    }
    let n = a.rows
    guard k >= 1 && k <= n else {
      throw .invalidArgument("asked for \(k) eigenpairs of a \(n)×\(n) matrix")
    }
    let useDense: Bool
    switch method {
    case .dense: useDense = true
    case .lanczos: useDense = false
    case .automatic: useDense = n <= max(2 * k + 1, 20)
    }
    if useDense { return try Self.denseLargest(a.toDense(), n: n, count: k) }
    return try lanczosLargest(a, count: k)
  }

  /// The `k` eigenpairs of largest algebraic value of the dense symmetric
  /// matrix `a` (only its upper triangle is read), with LAPACK `dsyevd`.
  /// Cost O(n³) time, O(n²) memory.
  public static func denseLargestEigenpairs(of a: Matrix, count k: Int) throws(EigensolverError)
    -> SymmetricEigenpairs
  {
    guard a.rows == a.columns else {
      throw .invalidArgument("the matrix is \(a.rows)×\(a.columns), not square")
    }
    guard k >= 1 && k <= a.rows else {
      throw .invalidArgument("asked for \(k) eigenpairs of a \(a.rows)×\(a.rows) matrix")
    }
    return try denseLargest(a.storage.map(Double.init), n: a.rows, count: k)
  }

  // MARK: - Dense (LAPACK)

  /// `a`: n×n row-major Double.
  private static func denseLargest(_ a: [Double], n: Int, count k: Int) throws(EigensolverError)
    -> SymmetricEigenpairs
  {
    var work = a
    var w = [Double](repeating: 0, count: n)
    // Row-major with jobz = 'V': on exit row i, column j of `work` is
    // component i of the eigenvector of w[j]; w is ascending.
    let info = work.withUnsafeMutableBufferPointer { ap in
      w.withUnsafeMutableBufferPointer { wp in
        LAPACKE_dsyevd(
          LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
          Int32(n), ap.baseAddress, Int32(n), wp.baseAddress)
      }
    }
    guard info == 0 else { throw .lapack(routine: "dsyevd", info: Int(info)) }
    // The k largest are the last k, taken in descending order.
    let columns = (0..<k).map { n - 1 - $0 }
    return assemble(
      n: n, eigenvalues: columns.map { w[$0] },
      component: { i, j in work[i * n + columns[j]] })
  }

  // MARK: - Lanczos (ARPACK)

  /// ARPACK keeps its state in Fortran SAVE variables, so it is not
  /// re-entrant: one reverse-communication loop may run at a time.
  private static let arpackLock = Mutex<Void>(())

  private func lanczosLargest(_ a: DoubleCSR, count k: Int) throws(EigensolverError)
    -> SymmetricEigenpairs
  {
    let n = a.rows
    guard k < n else {
      throw .invalidArgument("ARPACK needs k < n (asked for \(k) of \(n)); use the dense method")
    }
    let ncv = lanczosVectorCount ?? min(n, max(2 * k + 1, 20))
    guard ncv > k && ncv <= n else {
      throw .invalidArgument("ncv = \(ncv) must satisfy k = \(k) < ncv ≤ n = \(n)")
    }
    let maxIter = maxIterations ?? 10 * n
    guard maxIter >= 1 else { throw .invalidArgument("maxIterations must be positive") }
    guard n <= Int(Int32.max) / max(1, ncv) else {
      throw .invalidArgument("n·ncv = \(n)·\(ncv) overflows ARPACK's 32-bit indices")
    }

    let offsets = a.rowOffsets
    let cols = a.columnIndices
    let vals = a.values
    let rowCost = vals.count / max(1, n) + 1

    var rng = RandomSource(seed: seed)
    var resid = (0..<n).map { _ in 2 * rng.nextUniformDouble() - 1 }
    var v = [Double](repeating: 0, count: n * ncv)
    var workd = [Double](repeating: 0, count: 3 * n)
    let lworkl = ncv * (ncv + 8)
    var workl = [Double](repeating: 0, count: lworkl)
    var iparam = [Int32](repeating: 0, count: 11)
    var ipntr = [Int32](repeating: 0, count: 14)
    iparam[0] = 1  // exact shifts
    iparam[2] = Int32(clamping: maxIter)
    iparam[6] = 1  // mode 1: A·x = λ·x
    var ido: Int32 = 0
    var info: Int32 = 1  // resid holds the starting vector
    let tol = tolerance

    let result: (values: [Double], vectors: [Double]) = try Self.arpackLock.withLock {
      _ throws(EigensolverError) in
      while true {
        dsaupd_c(
          &ido, "I", Int32(n), "LA", Int32(k), tol, &resid, Int32(ncv), &v, Int32(n),
          &iparam, &ipntr, &workd, &workl, Int32(lworkl), &info)
        guard ido == -1 || ido == 1 else { break }
        // y = A·x with x = workd[ipntr[0]-1 ..< +n], y = workd[ipntr[1]-1 ..< +n]
        // (ARPACK's 1-based offsets). Rows are split across threads, each
        // written once, so the product is deterministic.
        let xStart = Int(ipntr[0]) - 1
        let yStart = Int(ipntr[1]) - 1
        workd.withUnsafeMutableBufferPointer { wd in
          let base = wd.baseAddress!
          let x = UnsafePointer(base + xStart)
          let y = base + yStart
          Threading.parallelFor(n, costPerItem: rowCost) { block in
            for i in block {
              var s = 0.0
              for p in offsets[i]..<offsets[i + 1] { s += vals[p] * x[cols[p]] }
              y[i] = s
            }
          }
        }
      }
      if info < 0 {
        throw .arpack(routine: "dsaupd", info: Int(info), meaning: Self.dsaupdMeaning(info))
      }
      if info != 0 {
        throw .noConvergence(
          info: Int(info), meaning: Self.dsaupdMeaning(info), converged: Int(iparam[4]),
          requested: k, iterations: Int(iparam[2]))
      }
      let select = [Int32](repeating: 0, count: ncv)
      var d = [Double](repeating: 0, count: k)
      var z = [Double](repeating: 0, count: n * k)
      var einfo: Int32 = 0
      dseupd_c(
        1, "A", select, &d, &z, Int32(n), 0, "I", Int32(n), "LA", Int32(k), tol, &resid,
        Int32(ncv), &v, Int32(n), &iparam, &ipntr, &workd, &workl, Int32(lworkl), &einfo)
      if einfo != 0 {
        throw .arpack(routine: "dseupd", info: Int(einfo), meaning: Self.dseupdMeaning(einfo))
      }
      return (d, z)
    }
    // dseupd returns the Ritz values ascending; z is column-major (n per column).
    let order = (0..<k).sorted { result.values[$0] > result.values[$1] }
    return Self.assemble(
      n: n, eigenvalues: order.map { result.values[$0] },
      component: { i, j in result.vectors[order[j] * n + i] })
  }

  /// Builds the n×k Float eigenvector matrix from `component(i, j)` (entry
  /// i of eigenvector j), fixing each column's sign (see `eigenvectors`).
  private static func assemble(
    n: Int, eigenvalues: [Double], component: (Int, Int) -> Double
  ) -> SymmetricEigenpairs {
    let k = eigenvalues.count
    var m = Matrix(rows: n, columns: k)
    for j in 0..<k {
      var pivot = 0.0
      for i in 0..<n where abs(component(i, j)) > abs(pivot) { pivot = component(i, j) }
      let sign: Double = pivot < 0 ? -1 : 1
      for i in 0..<n { m[i, j] = Float(sign * component(i, j)) }
    }
    return SymmetricEigenpairs(eigenvalues: eigenvalues, eigenvectors: m)
  }

  /// ARPACK's documented meaning of `dsaupd`'s `info` (dsaupd.f).
  static func dsaupdMeaning(_ info: Int32) -> String {
    switch info {
    case 0: return "normal exit"
    case 1:
      return
        "maximum number of iterations taken; iparam[4] holds the number of converged Ritz values"
    case 3:
      return "no shifts could be applied during a cycle of the implicitly restarted Lanczos "
        + "iteration; try increasing ncv relative to nev"
    case -1: return "N must be positive"
    case -2: return "NEV must be positive"
    case -3: return "NCV must be greater than NEV and less than or equal to N"
    case -4: return "the maximum number of Arnoldi update iterations must be greater than zero"
    case -5: return "WHICH must be one of 'LM', 'SM', 'LA', 'SA' or 'BE'"
    case -6: return "BMAT must be one of 'I' or 'G'"
    case -7: return "length of private work array WORKL is not sufficient"
    case -8: return "error return from the tridiagonal eigenvalue calculation (LAPACK dsteqr)"
    case -9: return "starting vector is zero"
    case -10: return "IPARAM(7) must be 1, 2, 3, 4 or 5"
    case -11: return "IPARAM(7) = 1 and BMAT = 'G' are incompatible"
    case -12: return "IPARAM(1) must be equal to 0 or 1"
    case -13: return "NEV and WHICH = 'BE' are incompatible"
    case -9999:
      return "could not build a Lanczos factorization; iparam[4] holds its current size"
    default: return "unknown ARPACK code"
    }
  }

  /// ARPACK's documented meaning of `dseupd`'s `info` (dseupd.f).
  static func dseupdMeaning(_ info: Int32) -> String {
    switch info {
    case 0: return "normal exit"
    case -1: return "N must be positive"
    case -2: return "NEV must be positive"
    case -3: return "NCV must be greater than NEV and less than or equal to N"
    case -5: return "WHICH must be one of 'LM', 'SM', 'LA', 'SA' or 'BE'"
    case -6: return "BMAT must be one of 'I' or 'G'"
    case -7: return "length of private work WORKL array is not sufficient"
    case -8: return "error return from the tridiagonal eigenvalue calculation (LAPACK dsteqr)"
    case -9: return "starting vector is zero"
    case -10: return "IPARAM(7) must be 1, 2, 3, 4 or 5"
    case -11: return "IPARAM(7) = 1 and BMAT = 'G' are incompatible"
    case -12: return "NEV and WHICH = 'BE' are incompatible"
    case -14: return "dsaupd did not find any eigenvalues to sufficient accuracy"
    case -15: return "HOWMNY must be one of 'A' or 'S' if RVEC = true"
    case -16: return "HOWMNY = 'S' not yet implemented"
    case -17:
      return "dseupd got a different count of converged Ritz values than dsaupd "
        + "(the data passed between them was modified)"
    default: return "unknown ARPACK code"
    }
  }
}

/// A CSR matrix widened to Double (optionally scaled to S·A·S) once, so that
/// every product in the Lanczos loop runs in Double. Memory O(n + nnz).
private struct DoubleCSR {
  let rows: Int
  let columns: Int
  let rowOffsets: [Int]
  let columnIndices: [Int]
  let values: [Double]

  init(_ a: SparseMatrix, scaling: [Double]?) {
    rows = a.rows
    columns = a.columns
    rowOffsets = a.rowOffsets.map(Int.init)
    columnIndices = a.columnIndices.map(Int.init)
    var values = a.values.map(Double.init)
    if let s = scaling {
      for i in 0..<a.rows {
        for p in rowOffsets[i]..<rowOffsets[i + 1] { values[p] *= s[i] * s[columnIndices[p]] }
      }
    }
    self.values = values
  }

  /// Row-major n×n Double. Cost O(n² + nnz).
  func toDense() -> [Double] {
    var out = [Double](repeating: 0, count: rows * columns)
    for i in 0..<rows {
      for p in rowOffsets[i]..<rowOffsets[i + 1] {
        out[i * columns + columnIndices[p]] += values[p]
      }
    }
    return out
  }
}

extension SparseMatrix {
  /// s_i = 1/√(Σ_j a_ij) in Double, 0 for an empty (isolated) row: the
  /// diagonal of D^-1/2, for `SymmetricEigensolver.largestEigenpairs(of:
  /// symmetricScaling:count:)`. Cost O(rows + nnz).
  public func degreeScaling() -> [Double] {
    (0..<rows).map { i in
      var d = 0.0
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1]) { d += Double(values[p]) }
      return d > 0 ? 1 / d.squareRoot() : 0
    }
  }
}
