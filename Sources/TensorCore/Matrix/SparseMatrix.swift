/// A sparse matrix in compressed sparse row (CSR) form with `Float` values.
///
/// Row `i` holds the entries `values[p]` at columns `columnIndices[p]` for
/// `p` in `rowOffsets[i]..<rowOffsets[i + 1]`; column indices are sorted and
/// unique within each row. Memory O(rows + nonzeros).
public struct SparseMatrix: Equatable, Sendable {
  public let rows: Int
  public let columns: Int
  /// `rows + 1` offsets into `columnIndices` / `values`.
  public let rowOffsets: [Int32]
  public let columnIndices: [Int32]
  public let values: [Float]
  /// Whether the matrix is known to equal its transpose (set by the
  /// constructors of symmetric matrices, kept by the operations that preserve
  /// symmetry). Lets `transposeMultiply` use `multiply` directly instead
  /// of a transpose. Not part of equality.
  public private(set) var isKnownSymmetric = false
  /// The transpose, once a transposed product has needed it.
  let transposeCache = TransposeCache()

  public static func == (a: SparseMatrix, b: SparseMatrix) -> Bool {
    a.rows == b.rows && a.columns == b.columns && a.rowOffsets == b.rowOffsets
      && a.columnIndices == b.columnIndices && a.values == b.values
  }

  /// The same matrix marked as symmetric, for callers that built it
  /// symmetric. Checked (O(nnz)) in debug builds.
  public func assumingSymmetric() -> SparseMatrix {
    assert(isSymmetric, "assumingSymmetric() on a matrix that is not symmetric")
    var copy = self
    copy.isKnownSymmetric = true
    return copy
  }

  /// The same matrix marked symmetric when it is (compared with its
  /// transpose, O(rows + nnz)); unchanged otherwise.
  public func detectingSymmetry() -> SparseMatrix {
    isKnownSymmetric || !isSymmetric ? self : assumingSymmetric()
  }

  /// The same pattern with new values, keeping the symmetry mark when
  /// `keepsSymmetry`.
  private func withValues(_ newValues: [Float], keepsSymmetry: Bool) -> SparseMatrix {
    var out = SparseMatrix(
      rows: rows, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices,
      values: newValues)
    out.isKnownSymmetric = keepsSymmetry && isKnownSymmetric
    return out
  }

  /// Number of stored entries.
  @inlinable public var nonzeroCount: Int { values.count }

  /// A CSR matrix from its three arrays. The arrays must be consistent:
  /// offsets non-decreasing from 0 to `values.count`, columns in range.
  public init(
    rows: Int, columns: Int, rowOffsets: [Int32], columnIndices: [Int32], values: [Float]
  ) {
    precondition(rowOffsets.count == rows + 1, "CSR needs rows + 1 offsets")
    precondition(columnIndices.count == values.count, "CSR columns/values length differ")
    precondition(rowOffsets.first == 0 && Int(rowOffsets.last!) == values.count, "CSR offsets")
    self.rows = rows
    self.columns = columns
    self.rowOffsets = rowOffsets
    self.columnIndices = columnIndices
    self.values = values
  }

  /// A matrix from coordinate triplets; duplicate `(row, column)` pairs are
  /// summed. Cost O(nnz log nnz) for the sort.
  ///
  /// - Precondition: every index is in range (callers validate user input
  ///   first and report the offending file and line).
  public init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Float)]) {
    let sorted = entries.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
    var offsets = [Int32](repeating: 0, count: rows + 1)
    var cols: [Int32] = []
    var vals: [Float] = []
    cols.reserveCapacity(sorted.count)
    vals.reserveCapacity(sorted.count)
    var lastRow = -1
    var lastColumn = -1
    for e in sorted {
      precondition(
        e.row >= 0 && e.row < rows && e.column >= 0 && e.column < columns,
        "Sparse entry (\(e.row), \(e.column)) outside \(rows)×\(columns)")
      if e.row == lastRow && e.column == lastColumn {
        vals[vals.count - 1] += e.value
      } else {
        cols.append(Int32(e.column))
        vals.append(e.value)
        offsets[e.row + 1] += 1
        lastRow = e.row
        lastColumn = e.column
      }
    }
    for i in 0..<rows { offsets[i + 1] += offsets[i] }
    self.init(
      rows: rows, columns: columns, rowOffsets: offsets, columnIndices: cols, values: vals)
  }

  /// The binary adjacency matrix of an undirected graph on `nodeCount` nodes:
  /// every edge `(u, v)` sets entries `(u, v)` and `(v, u)` to 1 (duplicates
  /// collapse to 1). Self-loops are kept only if `keepSelfLoops`.
  public static func symmetricAdjacency(
    nodeCount: Int, edges: [(Int, Int)], keepSelfLoops: Bool = false
  ) -> SparseMatrix {
    var entries: [(row: Int, column: Int, value: Float)] = []
    entries.reserveCapacity(edges.count * 2)
    for (u, v) in edges {
      if u == v {
        if keepSelfLoops { entries.append((u, u, 1)) }
        continue
      }
      entries.append((u, v, 1))
      entries.append((v, u, 1))
    }
    let summed = SparseMatrix(rows: nodeCount, columns: nodeCount, entries: entries)
    return summed.mapValues { _ in 1 }.assumingSymmetric()
  }

  /// The same sparsity pattern with `transform` applied to each stored value.
  public func mapValues(_ transform: (Float) -> Float) -> SparseMatrix {
    SparseMatrix(
      rows: rows, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices,
      values: values.map(transform))
  }

  /// A sparse copy of a dense matrix keeping its nonzero entries.
  public init(dense: Matrix) {
    var entries: [(row: Int, column: Int, value: Float)] = []
    for i in 0..<dense.rows {
      for j in 0..<dense.columns where dense[i, j] != 0 { entries.append((i, j, dense[i, j])) }
    }
    self.init(rows: dense.rows, columns: dense.columns, entries: entries)
  }

  /// The dense equivalent. Cost O(rows·columns).
  public func toDense() -> Matrix {
    var out = Matrix(rows: rows, columns: columns)
    for i in 0..<rows {
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1]) {
        out[i, Int(columnIndices[p])] = values[p]
      }
    }
    return out
  }

  /// The transpose, in CSR form (a counting sort). Cost O(rows + columns + nnz).
  public func transposed() -> SparseMatrix {
    var offsets = [Int32](repeating: 0, count: columns + 1)
    for c in columnIndices { offsets[Int(c) + 1] += 1 }
    for j in 0..<columns { offsets[j + 1] += offsets[j] }
    var next = offsets
    var cols = [Int32](repeating: 0, count: nonzeroCount)
    var vals = [Float](repeating: 0, count: nonzeroCount)
    for i in 0..<rows {
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1]) {
        let j = Int(columnIndices[p])
        let q = Int(next[j])
        cols[q] = Int32(i)
        vals[q] = values[p]
        next[j] += 1
      }
    }
    return SparseMatrix(
      rows: columns, columns: rows, rowOffsets: offsets, columnIndices: cols, values: vals)
  }

  /// Row sums (weighted degrees) as an array. Cost O(rows + nnz).
  public func rowSums() -> [Float] {
    (0..<rows).map { i in
      var s: Float = 0
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1]) { s += values[p] }
      return s
    }
  }

  /// Whether the stored pattern and values equal those of the transpose.
  public var isSymmetric: Bool { rows == columns && self == transposed() }

  /// The symmetric normalisation D^-1/2 A D^-1/2 with D = diag(row sums).
  /// Rows (and columns) whose degree is 0 stay 0; no self-loops are added.
  /// Cost O(rows + nnz).
  public func symmetricallyNormalized() -> SparseMatrix {
    precondition(rows == columns, "normalising a non-square \(rows)×\(columns) matrix")
    return scaledSymmetrically(by: rowSums().map { $0 > 0 ? 1 / $0.squareRoot() : 0 })
  }

  /// The pooled-adjacency normalisation of MinCutPool/DiffPool (Spektral's
  /// `normalize_A`): A_ij / ((√d_i + ε)(√d_j + ε)), d = row sums, ε added
  /// after the square root. Zeros stay zero. Cost O(rows + nnz).
  public func normalizedWithEpsilon(_ epsilon: Float) -> SparseMatrix {
    precondition(rows == columns, "normalising a non-square \(rows)×\(columns) matrix")
    return scaledSymmetrically(by: rowSums().map { 1 / ($0.squareRoot() + epsilon) })
  }

  /// diag(s) A diag(s): entry (i, j) multiplied by s_i·s_j; keeps symmetry.
  /// Cost O(rows + nnz).
  private func scaledSymmetrically(by scale: [Float]) -> SparseMatrix {
    var vals = values
    for i in 0..<rows {
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1]) {
        vals[p] *= scale[i] * scale[Int(columnIndices[p])]
      }
    }
    return withValues(vals, keepsSymmetry: true)
  }

  /// A + I for a square matrix: 1 added to each diagonal entry, inserted
  /// where absent; columns stay sorted. Cost O(rows + nnz).
  public func addingIdentity() -> SparseMatrix {
    precondition(rows == columns, "A + I of a non-square \(rows)×\(columns) matrix")
    var offsets = [Int32](repeating: 0, count: rows + 1)
    var cols: [Int32] = []
    var vals: [Float] = []
    cols.reserveCapacity(nonzeroCount + rows)
    vals.reserveCapacity(nonzeroCount + rows)
    for i in 0..<rows {
      var diagonalDone = false
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1]) {
        let j = Int(columnIndices[p])
        if j == i {
          cols.append(Int32(i))
          vals.append(values[p] + 1)
          diagonalDone = true
          continue
        }
        if j > i && !diagonalDone {  // the diagonal belongs before the first column past it
          cols.append(Int32(i))
          vals.append(1)
          diagonalDone = true
        }
        cols.append(Int32(j))
        vals.append(values[p])
      }
      if !diagonalDone {
        cols.append(Int32(i))
        vals.append(1)
      }
      offsets[i + 1] = Int32(cols.count)
    }
    var out = SparseMatrix(
      rows: rows, columns: columns, rowOffsets: offsets, columnIndices: cols, values: vals)
    out.isKnownSymmetric = isKnownSymmetric
    return out
  }

  /// ‖A‖²_F = Σ a_ij². Cost O(nnz).
  public func squaredFrobeniusNorm() -> Float {
    var s = 0.0
    for v in values { s += Double(v) * Double(v) }
    return Float(s)
  }
}

extension SparseMatrix {
  /// Rows `range` with all columns (a batch's graph g of its stacked
  /// features). Cost O(|range| + their entries).
  public func rowBlock(_ range: Range<Int>) -> SparseMatrix {
    precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rowBlock: \(range)")
    let start = Int(rowOffsets[range.lowerBound])
    let end = Int(rowOffsets[range.upperBound])
    return SparseMatrix(
      rows: range.count, columns: columns,
      rowOffsets: rowOffsets[range.lowerBound...range.upperBound].map { $0 - Int32(start) },
      columnIndices: Array(columnIndices[start..<end]), values: Array(values[start..<end]))
  }

  /// The square block `range` × `range`, re-indexed from 0 (graph g of a
  /// block-diagonal batch adjacency); entries outside the block's columns
  /// are dropped. A symmetric matrix gives a symmetric block. Cost
  /// O(|range| + their entries).
  public func diagonalBlock(_ range: Range<Int>) -> SparseMatrix {
    precondition(
      range.lowerBound >= 0 && range.upperBound <= min(rows, columns), "diagonalBlock: \(range)")
    var offsets: [Int32] = [0]
    var indices: [Int32] = []
    var kept: [Float] = []
    let low = Int32(range.lowerBound)
    let high = Int32(range.upperBound)
    for i in range {
      for p in Int(rowOffsets[i])..<Int(rowOffsets[i + 1]) {
        let j = columnIndices[p]
        if j >= low && j < high {
          indices.append(j - low)
          kept.append(values[p])
        }
      }
      offsets.append(Int32(indices.count))
    }
    let block = SparseMatrix(
      rows: range.count, columns: range.count, rowOffsets: offsets, columnIndices: indices,
      values: kept)
    return isKnownSymmetric ? block.assumingSymmetric() : block
  }
}
