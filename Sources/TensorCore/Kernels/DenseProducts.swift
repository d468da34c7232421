import CBLAS

/// Dense matrix products through OpenBLAS `cblas_sgemm`.
///
/// OpenBLAS itself always runs on one thread: its worker threads spin
/// (`sched_yield`) between calls and, on a 2-core machine, took the cores
/// away from the sparse kernels running between the products. Products
/// large enough to share are split here instead, across `Threading` blocks
/// that each call single-threaded `sgemm` on their part.
extension Matrix {
  /// Below this many multiply-adds (m·n·k) a product runs in one call.
  static let minimumParallelProduct = 1 << 20

  /// `op(A) · op(B)` where `op` optionally transposes; the shapes of the
  /// operands after `op` must agree. Cost O(m·n·k) floating-point operations.
  ///
  /// With more than one thread and m·n·k ≥ 2^20, a tall result (m ≥ 64 per
  /// thread) is split into row blocks, each computed as on one thread; a
  /// short, wide-reduction product (such as SᵀS or Hᵀ·G, with k the number
  /// of nodes) is split along k into per-thread partial products that are
  /// added in thread order. Either way the result depends only on the
  /// operands and the thread count.
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
    if m == 0 || n == 0 || k == 0 { return Matrix(rows: m, columns: n) }
    // sgemm with β = 0 writes every element (the k-split's first part included).
    var out = Matrix(uninitializedRows: m, columns: n)
    _ = Threading.openBLASDefaultApplied
    let (lda, ldb) = (Int32(max(1, a.columns)), Int32(max(1, b.columns)))
    let (ta, tb) = (transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans)
    let threads = Threading.threadCount
    let large = threads > 1 && m * n * k >= minimumParallelProduct
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        out.storage.withUnsafeMutableBufferPointer { pc in
          let (aBase, bBase, cBase) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
          if large && m >= 64 * threads {
            // Rows r0..<r1 of op(A): rows of A, or columns of a transposed A.
            Threading.parallelBlocks(threads) { t in
              let (r0, r1) = (m * t / threads, m * (t + 1) / threads)
              let aPart = transposeA ? aBase + r0 : aBase + r0 * Int(lda)
              cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(r1 - r0), Int32(n), Int32(k), 1, aPart, lda, bBase,
                ldb, 0, cBase + r0 * n, Int32(n))
            }
          } else if large && k >= 64 * threads {
            // Columns k0..<k1 of op(A) times rows k0..<k1 of op(B), summed.
            let partials = UnsafeMutablePointer<Float>.allocate(capacity: m * n * (threads - 1))
            defer { partials.deallocate() }
            Threading.parallelBlocks(threads) { t in
              let (k0, k1) = (k * t / threads, k * (t + 1) / threads)
              let aPart = transposeA ? aBase + k0 * Int(lda) : aBase + k0
              let bPart = transposeB ? bBase + k0 : bBase + k0 * Int(ldb)
              let target = t == 0 ? cBase : partials + (t - 1) * m * n
              cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k1 - k0), 1, aPart, lda, bPart,
                ldb, 0, target, Int32(n))
            }
            for t in 1..<threads {
              let partial = partials + (t - 1) * m * n
              for q in 0..<(m * n) { cBase[q] += partial[q] }
            }
          } else {
            cblas_sgemm(
              CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, aBase, lda, bBase, ldb, 0,
              cBase, Int32(n))
          }
        }
      }
    }
    return out
  }

  /// `self · other`. Cost O(rows·other.columns·columns).
  public func matmul(_ other: Matrix) -> Matrix { Matrix.product(self, other) }
}
