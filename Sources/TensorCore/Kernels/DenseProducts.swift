import CBLAS

/// Dense matrix products through OpenBLAS `cblas_sgemm`.
extension Matrix {
  /// `op(A) · op(B)` where `op` optionally transposes; the shapes of the
  /// operands after `op` must agree. Cost O(m·n·k) floating-point operations.
  public static func product(
    _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false
  ) -> Matrix {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let kb = transposeB ? b.columns : b.rows
    let n = transposeB ? b.rows : b.columns
    precondition(
      k == kb,
      "Inner dimensions differ: \(transposeA ? "Aᵀ" : "A") is \(m)×\(k), "
        + "\(transposeB ? "Bᵀ" : "B") is \(kb)×\(n)")
    var out = Matrix(rows: m, columns: n)
    if m == 0 || n == 0 || k == 0 { return out }
    _ = Threading.openBLASDefaultApplied
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        out.storage.withUnsafeMutableBufferPointer { pc in
          cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            1, pa.baseAddress, Int32(max(1, a.columns)),
            pb.baseAddress, Int32(max(1, b.columns)),
            0, pc.baseAddress, Int32(max(1, n)))
        }
      }
    }
    return out
  }

  /// `self · other`. Cost O(rows·other.columns·columns).
  public func matmul(_ other: Matrix) -> Matrix { Matrix.product(self, other) }
}
