import CBLAS
import CLAPACKE

/// Why a Kron reduction failed.
public struct KronReductionError: Error, Equatable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// The Kron reduction of a graph onto a subset of its nodes (Dörfler & Bullo
/// 2013), the coarse graph of node decimation pooling (NDP, Bianchi et al.):
/// with L = D − A split into kept (p) and dropped (n) nodes,
///
///     L' = L_pp − L_pn · L_nn⁻¹ · L_np,
///
/// the Schur complement, which is again a Laplacian: its off-diagonal
/// entries are minus the weights of the reduced graph, in which two kept
/// nodes are linked when a path through dropped nodes joins them.
///
/// L_nn is positive definite unless some connected component lies entirely
/// among the dropped nodes; then it is singular and, as the NDP code does,
/// 1e-6·I is added to it (such a component has no edge to a kept node, so
/// the shift changes nothing else). Singular means LAPACK's Cholesky
/// (`dpotrf`) fails, or one of its pivots is below 1e-12 of L_nn's largest
/// diagonal entry (rounding can leave a tiny positive pivot where the exact
/// one is 0).
///
/// Everything is computed in Double, densely: cost O(m³/3 + 2m²p + 2p²m)
/// time (Cholesky, solve, product; m dropped, p kept nodes) and O(m² + mp +
/// p²) memory.
public enum KronReduction {
  /// The reduced Laplacian and whether L_nn needed the 1e-6 shift.
  public struct Result: Sendable, Equatable {
    /// L' (p×p, row-major, rows and columns in the order of `kept`),
    /// symmetrised as (L' + L'ᵀ)/2.
    public let laplacian: [Double]
    public let regularised: Bool
  }

  /// Reduces the graph with (weighted, symmetric) adjacency `a` onto the
  /// nodes `kept` (distinct, in range). Self-loops cancel in L = D − A.
  public static func reduce(
    adjacency a: SparseMatrix, keeping kept: [Int], regularisation: Double = 1e-6
  ) throws(KronReductionError) -> Result {
    let n = a.rows
    guard a.columns == n else {
      throw KronReductionError(
        "Kron reduction: the adjacency is \(a.rows)×\(a.columns), not square")
    }
    var position = [Int](repeating: -1, count: n)  // node → index among kept (≥ 0) or dropped (< 0)
    for (index, node) in kept.enumerated() {
      guard (0..<n).contains(node), position[node] == -1 else {
        throw KronReductionError("Kron reduction: kept node \(node) is out of range or repeated")
      }
      position[node] = index
    }
    let p = kept.count
    var dropped = 0
    for node in 0..<n where position[node] == -1 {
      position[node] = -2 - dropped
      dropped += 1
    }
    let m = dropped
    var lpp = [Double](repeating: 0, count: p * p)
    var lnn = [Double](repeating: 0, count: m * m)
    var lnp = [Double](repeating: 0, count: m * p)
    for i in 0..<n {
      var degree = 0.0
      var selfLoop = 0.0
      for q in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
        let j = Int(a.columnIndices[q])
        let w = Double(a.values[q])
        degree += w
        if j == i {
          selfLoop += w
          continue
        }
        let (pi, pj) = (position[i], position[j])
        switch (pi >= 0, pj >= 0) {
        case (true, true): lpp[pi * p + pj] -= w
        case (false, false): lnn[(-2 - pi) * m + (-2 - pj)] -= w
        case (false, true): lnp[(-2 - pi) * p + pj] -= w
        case (true, false): break  // L_pn = L_npᵀ, read from the (n, p) entries
        }
      }
      let diagonal = degree - selfLoop
      if position[i] >= 0 {
        lpp[position[i] * p + position[i]] += diagonal
      } else {
        lnn[(-2 - position[i]) * m + (-2 - position[i])] += diagonal
      }
    }
    guard m > 0, p > 0 else {
      return Result(laplacian: symmetrised(lpp, p), regularised: false)
    }
    var regularised = false
    var factor = lnn
    if !choleskyIsSound(&factor, m) {
      regularised = true
      factor = lnn
      for i in 0..<m { factor[i * m + i] += regularisation }
      guard choleskyIsSound(&factor, m) else {
        throw KronReductionError(
          "Kron reduction: L_nn is not positive definite even with \(regularisation)·I added")
      }
    }
    // X = L_nn⁻¹ L_np (m×p), then L' = L_pp − L_npᵀ X.
    var x = lnp
    let info = factor.withUnsafeBufferPointer { f in
      x.withUnsafeMutableBufferPointer { xp in
        LAPACKE_dpotrs(
          LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(m), Int32(p), f.baseAddress,
          Int32(m), xp.baseAddress, Int32(p))
      }
    }
    guard info == 0 else {
      throw KronReductionError("Kron reduction: dpotrs returned info \(info)")
    }
    lnp.withUnsafeBufferPointer { b in
      x.withUnsafeBufferPointer { xp in
        lpp.withUnsafeMutableBufferPointer { c in
          cblas_dgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(p), Int32(p), Int32(m), -1,
            b.baseAddress, Int32(p), xp.baseAddress, Int32(p), 1, c.baseAddress, Int32(p))
        }
      }
    }
    return Result(laplacian: symmetrised(lpp, p), regularised: regularised)
  }

  /// Factors `a` (m×m, row-major) in place as UᵀU; false when it is not
  /// positive definite or a pivot is negligible (see the type's comment).
  private static func choleskyIsSound(_ a: inout [Double], _ m: Int) -> Bool {
    var largestDiagonal = 0.0
    for i in 0..<m { largestDiagonal = max(largestDiagonal, a[i * m + i]) }
    let info = a.withUnsafeMutableBufferPointer {
      LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(m), $0.baseAddress, Int32(m))
    }
    guard info == 0 else { return false }
    for i in 0..<m where a[i * m + i] * a[i * m + i] <= 1e-12 * largestDiagonal { return false }
    return true
  }

  private static func symmetrised(_ l: [Double], _ p: Int) -> [Double] {
    var s = l
    for i in 0..<p {
      for j in (i + 1)..<max(p, i + 1) {
        let mean = (l[i * p + j] + l[j * p + i]) / 2
        s[i * p + j] = mean
        s[j * p + i] = mean
      }
    }
    return s
  }
}
