/// Row and column selection and the sparse × sparse product on CSR, for
/// the selection poolers (Top-K, SAGPool: the kept nodes' connectivity
/// (A·A)[idx, idx] or A[idx, idx]).
extension SparseMatrix {
  /// Rows `indices` in the given order (|indices|×columns). Cost
  /// O(|indices| + their entries).
  public func selectingRows(_ indices: [Int]) -> SparseMatrix {
    var offsets: [Int32] = [0]
    offsets.reserveCapacity(indices.count + 1)
    var columnsKept: [Int32] = []
    var valuesKept: [Float] = []
    for i in indices {
      precondition(i >= 0 && i < rows, "selectingRows: row \(i) outside 0..<\(rows)")
      let (start, end) = (Int(rowOffsets[i]), Int(rowOffsets[i + 1]))
      columnsKept.append(contentsOf: columnIndices[start..<end])
      valuesKept.append(contentsOf: values[start..<end])
      offsets.append(Int32(columnsKept.count))
    }
    return SparseMatrix(
      rows: indices.count, columns: columns, rowOffsets: offsets, columnIndices: columnsKept,
      values: valuesKept)
  }

  /// Columns `indices` (distinct), renumbered by their position in
  /// `indices` (rows×|indices|); entries in other columns are dropped and
  /// each row's entries are sorted by their new column. Cost
  /// O(columns + nnz + its rows' sorting).
  public func selectingColumns(_ indices: [Int]) -> SparseMatrix {
    var position = [Int32](repeating: -1, count: columns)
    for (k, j) in indices.enumerated() {
      precondition(j >= 0 && j < columns, "selectingColumns: column \(j) outside 0..<\(columns)")
      precondition(position[j] < 0, "selectingColumns: column \(j) selected twice")
      position[j] = Int32(k)
    }
    var offsets: [Int32] = [0]
    offsets.reserveCapacity(rows + 1)
    var columnsKept: [Int32] = []
    var valuesKept: [Float] = []
    var row: [(Int32, Float)] = []
    for i in 0..<rows {
      row.removeAll(keepingCapacity: true)
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1])
      where position[Int(columnIndices[p])] >= 0 {
        row.append((position[Int(columnIndices[p])], values[p]))
      }
      row.sort { $0.0 < $1.0 }
      for (j, v) in row {
        columnsKept.append(j)
        valuesKept.append(v)
      }
      offsets.append(Int32(columnsKept.count))
    }
    return SparseMatrix(
      rows: rows, columns: indices.count, rowOffsets: offsets, columnIndices: columnsKept,
      values: valuesKept)
  }

  /// A·B for sparse A (self) and B (Gustavson's row-by-row product with a
  /// dense accumulator over B's columns); each row's entries sorted by
  /// column, products that cancel kept as stored zeros. Cost
  /// O(Σ_i Σ_{k ∈ row i} nnz(B_k) + the output's sorting) time and
  /// O(columns of B) extra memory.
  public func multiply(_ b: SparseMatrix) -> SparseMatrix {
    precondition(
      columns == b.rows, "Sparse product: A is \(rows)×\(columns), B is \(b.rows)×\(b.columns)")
    var accumulator = [Float](repeating: 0, count: b.columns)
    var occupied = [Bool](repeating: false, count: b.columns)
    var touched = [Int32](repeating: 0, count: b.columns)
    var offsets: [Int32] = [0]
    offsets.reserveCapacity(rows + 1)
    var columnsOut: [Int32] = []
    var valuesOut: [Float] = []
    accumulator.withUnsafeMutableBufferPointer { acc in
      occupied.withUnsafeMutableBufferPointer { seen in
        touched.withUnsafeMutableBufferPointer { hit in
          rowOffsets.withUnsafeBufferPointer { ao in
            columnIndices.withUnsafeBufferPointer { ac in
              values.withUnsafeBufferPointer { av in
                b.rowOffsets.withUnsafeBufferPointer { bo in
                  b.columnIndices.withUnsafeBufferPointer { bc in
                    b.values.withUnsafeBufferPointer { bv in
                      for i in 0..<rows {
                        var count = 0
                        for p in Int(ao[i])..<Int(ao[i + 1]) {
                          let (k, a) = (Int(ac[p]), av[p])
                          for q in Int(bo[k])..<Int(bo[k + 1]) {
                            let j = Int(bc[q])
                            if !seen[j] {
                              seen[j] = true
                              hit[count] = Int32(j)
                              count += 1
                            }
                            acc[j] += a * bv[q]
                          }
                        }
                        var row = UnsafeMutableBufferPointer(rebasing: hit[0..<count])
                        row.sort()
                        for j in row {
                          columnsOut.append(j)
                          valuesOut.append(acc[Int(j)])
                          acc[Int(j)] = 0
                          seen[Int(j)] = false
                        }
                        offsets.append(Int32(columnsOut.count))
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return SparseMatrix(
      rows: rows, columns: b.columns, rowOffsets: offsets, columnIndices: columnsOut,
      values: valuesOut)
  }
}
