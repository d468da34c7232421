/// Sparse × dense products, the hot loop of message passing.
extension SparseMatrix {
  /// `A · X` for CSR `A` (m×k) and dense `X` (k×n).
  ///
  /// Row `i` of the result is `Σ_p values[p] · X[columnIndices[p], :]`; rows
  /// are split across threads, each written by one thread in a fixed order.
  /// Cost 2·nnz·n floating-point operations.
  public func multiply(_ x: Matrix) -> Matrix {
    precondition(
      columns == x.rows, "Sparse product: A is \(rows)×\(columns), X is \(x.rows)×\(x.columns)")
    let n = x.columns
    var out = Matrix(rows: rows, columns: n)
    if n == 0 { return out }
    out.storage.withUnsafeMutableBufferPointer { o in
      let outBase = o.baseAddress!
      x.storage.withUnsafeBufferPointer { xs in
        rowOffsets.withUnsafeBufferPointer { offsets in
          columnIndices.withUnsafeBufferPointer { cols in
            values.withUnsafeBufferPointer { vals in
              let avgRowCost = (nonzeroCount / max(1, rows) + 1) * n
              Threading.parallelFor(rows, costPerItem: avgRowCost) { block in
                for i in block {
                  let target = outBase + i * n
                  for p in Int(offsets[i])..<Int(offsets[i + 1]) {
                    let v = vals[p]
                    let source = xs.baseAddress! + Int(cols[p]) * n
                    for j in 0..<n { target[j] += v * source[j] }
                  }
                }
              }
            }
          }
        }
      }
    }
    return out
  }

  /// `Aᵀ · G` for CSR `A` (m×k) and dense `G` (m×n), without forming `Aᵀ`.
  ///
  /// Scatters `values[p] · G[i, :]` into row `columnIndices[p]`; threads
  /// split the n output columns, so each element is written by one thread in
  /// a fixed order. Cost 2·nnz·n floating-point operations.
  public func transposeMultiply(_ g: Matrix) -> Matrix {
    precondition(
      rows == g.rows, "Sparse product: Aᵀ is \(columns)×\(rows), G is \(g.rows)×\(g.columns)")
    let n = g.columns
    var out = Matrix(rows: columns, columns: n)
    if n == 0 { return out }
    out.storage.withUnsafeMutableBufferPointer { o in
      let outBase = o.baseAddress!
      g.storage.withUnsafeBufferPointer { gs in
        rowOffsets.withUnsafeBufferPointer { offsets in
          columnIndices.withUnsafeBufferPointer { cols in
            values.withUnsafeBufferPointer { vals in
              let columnBlocks = n >= 16 ? n / 8 : 1
              Threading.parallelFor(columnBlocks, costPerItem: nonzeroCount * 8) { blocks in
                let j0 = blocks.lowerBound * n / columnBlocks
                let j1 = blocks.upperBound * n / columnBlocks
                for i in 0..<rows {
                  let source = gs.baseAddress! + i * n
                  for p in Int(offsets[i])..<Int(offsets[i + 1]) {
                    let v = vals[p]
                    let target = outBase + Int(cols[p]) * n
                    for j in j0..<j1 { target[j] += v * source[j] }
                  }
                }
              }
            }
          }
        }
      }
    }
    return out
  }
}
