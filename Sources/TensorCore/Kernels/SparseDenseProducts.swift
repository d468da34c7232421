import Synchronization

/// Sparse × dense products, the hot loop of message passing.
extension SparseMatrix {
  /// `A · X` for CSR `A` (m×k) and dense `X` (k×n).
  ///
  /// Row `i` of the result is `Σ_p values[p] · X[columnIndices[p], :]`,
  /// accumulated in registers 16 (then 4, then 1) columns at a time with the
  /// terms added in storage order. Rows are split across threads and each
  /// output element is computed by one thread, so the result is the same for
  /// every thread count. Cost 2·nnz·n floating-point operations.
  public func multiply(_ x: Matrix) -> Matrix {
    precondition(
      columns == x.rows, "Sparse product: A is \(rows)×\(columns), X is \(x.rows)×\(x.columns)")
    // The gather writes every element (zero for an empty row).
    var out = Matrix(uninitializedRows: rows, columns: x.columns)
    out.storage.withUnsafeMutableBufferPointer { o in
      x.storage.withUnsafeBufferPointer { xs in
        multiply(
          source: xs.baseAddress!, sourceStride: x.columns, width: x.columns,
          into: o.baseAddress!, outputStride: x.columns)
      }
    }
    return out
  }

  /// The gather behind every product: row `i` of the output (at `output +
  /// i·outputStride`, `width` values) = Σ_p values[p] · row `columnIndices[p]`
  /// of the source (at `source + r·sourceStride`, its first `width` values),
  /// so either side may be a column block of a wider matrix. Rows are split
  /// across threads when the work is worth it. Timed by `KernelClock`.
  /// Cost 2·nnz·width floating-point operations.
  public func multiply(
    source: UnsafePointer<Float>, sourceStride: Int, width n: Int,
    into output: UnsafeMutablePointer<Float>, outputStride: Int
  ) {
    if n == 0 { return }
    KernelClock.measure {
      rowOffsets.withUnsafeBufferPointer { offsets in
        columnIndices.withUnsafeBufferPointer { cols in
          values.withUnsafeBufferPointer { vals in
            let avgRowCost = (nonzeroCount / max(1, rows) + 1) * n
            Threading.parallelFor(rows, costPerItem: avgRowCost) { block in
              for i in block {
                gatherRow(
                  Int(offsets[i])..<Int(offsets[i + 1]), columns: cols, values: vals,
                  source: source, width: n, sourceStride: sourceStride,
                  into: output + i * outputStride)
              }
            }
          }
        }
      }
    }
  }

  /// `Aᵀ · G` for CSR `A` (m×k) and dense `G` (m×n).
  ///
  /// Usually computed as a gather with `Aᵀ` in CSR form: `A` itself when it
  /// is known to be symmetric, else its transpose, built once per matrix
  /// (O(nnz)) and kept with it; a gather accumulates each output row in
  /// registers, and its result is the same for every thread count. When G
  /// is large (more than 4 MiB) and the output small (at most 1 MiB), G is
  /// read once in order and scattered instead (`scatterTransposeMultiply`,
  /// whose result depends on the thread count). Cost 2·nnz·n floating-point
  /// operations.
  public func transposeMultiply(_ g: Matrix) -> Matrix {
    precondition(
      rows == g.rows, "Sparse product: Aᵀ is \(columns)×\(rows), G is \(g.rows)×\(g.columns)")
    if isKnownSymmetric { return multiply(g) }  // transposeForGather is self
    // Gathering reads rows of G in random order: fine while G stays in the
    // cache. A large G with a small output (the backward pass of a feature
    // product on a big graph) is better read once in order and scattered
    // into the small output (measured with `gpool bench`, see README).
    if g.count > Self.gatherSourceLimit && columns * g.columns <= Self.scatterOutputLimit {
      return scatterTransposeMultiply(g)
    }
    return transposeForGather.multiply(g)
  }

  /// Aᵀ in CSR form for gathers: the matrix itself when it is known to be
  /// symmetric, else its cached transpose.
  public var transposeForGather: SparseMatrix { isKnownSymmetric ? self : cachedTranspose }

  /// Largest G (in floats, 4 MiB) that `transposeMultiply` gathers from
  /// when the output is small enough to scatter into.
  static let gatherSourceLimit = 1 << 20
  /// Largest output (k·n floats, 1 MiB) that `transposeMultiply` builds by
  /// scattering: small enough to stay in a core's L2 cache.
  static let scatterOutputLimit = 1 << 18

  /// `Aᵀ · G` by scattering row `i` of `A` times `G[i, :]` into the output.
  /// Threads take contiguous blocks of rows, each into its own buffer
  /// (thread 0 into the output), and the buffers are added in thread order:
  /// the result depends only on the problem and the thread count.
  func scatterTransposeMultiply(_ g: Matrix) -> Matrix {
    let n = g.columns
    var out = Matrix(rows: columns, columns: n)
    if n == 0 { return out }
    let clock = KernelClock.beginKernel()
    defer { KernelClock.endKernel(clock) }
    let work = nonzeroCount * n
    let threads =
      work >= Threading.minimumParallelWork ? min(Threading.threadCount, max(1, rows)) : 1
    let size = columns * n
    out.storage.withUnsafeMutableBufferPointer { o in
      g.storage.withUnsafeBufferPointer { gs in
        rowOffsets.withUnsafeBufferPointer { offsets in
          columnIndices.withUnsafeBufferPointer { cols in
            values.withUnsafeBufferPointer { vals in
              let outBase = o.baseAddress!
              let buffers = UnsafeMutablePointer<Float>.allocate(
                capacity: max(1, size * (threads - 1)))
              buffers.initialize(repeating: 0, count: max(1, size * (threads - 1)))
              defer { buffers.deallocate() }
              Threading.parallelBlocks(threads) { t in
                let target = t == 0 ? outBase : buffers + (t - 1) * size
                for i in (rows * t / threads)..<(rows * (t + 1) / threads) {
                  let source = gs.baseAddress! + i * n
                  for p in Int(offsets[i])..<Int(offsets[i + 1]) {
                    let v = vals[p]
                    let row = target + Int(cols[p]) * n
                    for j in 0..<n { row[j] += v * source[j] }
                  }
                }
              }
              for t in 1..<max(1, threads) {
                let buffer = buffers + (t - 1) * size
                for q in 0..<size { outBase[q] += buffer[q] }
              }
            }
          }
        }
      }
    }
    return out
  }

  /// The transpose, computed on first use and shared by copies of this
  /// matrix (thread-safe). Memory O(rows + nnz).
  var cachedTranspose: SparseMatrix {
    transposeCache.value.withLock { cached in
      if let cached { return cached }
      let t = transposed()
      cached = t
      return t
    }
  }
}

/// Holds a matrix's transpose once computed; a class so that copies of the
/// (value-type) matrix share it.
final class TransposeCache: Sendable {
  let value = Mutex<SparseMatrix?>(nil)
}

/// target[0..<width] = Σ_{p ∈ range} values[p] · source[columns[p] * width ..< +width],
/// 16 columns at a time in SIMD registers, then 4, then one; terms are added
/// in the order of `range`.
/// Row `r` of the source starts at `source + r * sourceStride` (default:
/// `width`, a dense matrix of that width).
@inline(__always)
func gatherRow(
  _ range: Range<Int>, columns cols: UnsafeBufferPointer<Int32>,
  values vals: UnsafeBufferPointer<Float>, source: UnsafePointer<Float>, width n: Int,
  sourceStride: Int? = nil, into target: UnsafeMutablePointer<Float>
) {
  let stride = sourceStride ?? n
  var j = 0
  // Columns j..<j+V.scalarCount of the output, accumulated in one register.
  @inline(__always)
  func block<V: SIMD>(_: V.Type) where V.Scalar == Float {
    var acc = V()
    for p in range {
      let row = UnsafeRawPointer(source + Int(cols[p]) * stride + j)
      acc += vals[p] * row.loadUnaligned(as: V.self)
    }
    UnsafeMutableRawPointer(target + j).storeBytes(of: acc, as: V.self)
    j += V.scalarCount
  }
  while j + 16 <= n { block(SIMD16<Float>.self) }
  while j + 4 <= n { block(SIMD4<Float>.self) }
  while j < n {
    var acc: Float = 0
    for p in range { acc += vals[p] * source[Int(cols[p]) * stride + j] }
    target[j] = acc
    j += 1
  }
}
