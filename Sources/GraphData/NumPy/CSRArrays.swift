import TensorCore

extension SparseMatrix {
  /// A CSR matrix from SciPy's three arrays (`indptr`, `indices`, `data`),
  /// as stored in a pickled `csr_matrix` or an `.npz` file, with every
  /// property checked before anything is built: 1-d integer `indptr` of
  /// rows + 1 entries starting at 0, non-decreasing, ending at nnz;
  /// `indices` and `data` of nnz entries; column indices in range; finite
  /// values. Rows whose columns are unsorted or repeated are sorted and their
  /// duplicates summed (SciPy's meaning). Values are rounded to `Float`.
  /// Cost O(rows + nnz), O(nnz log nnz) only when some row needs sorting.
  ///
  /// - Parameter fail: makes the error thrown for a violation from what was
  ///   found and what was expected (the caller names the file).
  static func validatedCSR(
    rows: Int, columns: Int, indptr indptrArray: NumPyArray, indices indicesArray: NumPyArray,
    data dataArray: NumPyArray, fail: (_ found: String, _ expected: String) -> Error
  ) throws -> SparseMatrix {
    guard rows >= 0, columns >= 0, rows < Int(Int32.max), columns < Int(Int32.max) else {
      throw fail("a \(rows)×\(columns) matrix", "fewer than 2^31 rows and columns")
    }
    for (name, array) in [("indptr", indptrArray), ("indices", indicesArray), ("data", dataArray)]
    where array.shape.count != 1 {
      throw fail("'\(name)' of shape \(array.shape)", "a 1-d array")
    }
    guard let indptr = indptrArray.integerValues() else {
      throw fail("indptr of \(indptrArray.dtypeName)", "an integer array")
    }
    guard let indices = indicesArray.integerValues() else {
      throw fail("indices of \(indicesArray.dtypeName)", "an integer array")
    }
    guard indptr.count == rows + 1 else {
      throw fail("\(indptr.count) indptr entries for \(rows) rows", "\(rows + 1) (rows + 1)")
    }
    let nonzeros = indices.count
    guard dataArray.count == nonzeros else {
      throw fail("\(dataArray.count) data values and \(nonzeros) indices", "equal lengths")
    }
    guard nonzeros < Int(Int32.max) else {
      throw fail("\(nonzeros) stored entries", "fewer than 2^31")
    }
    guard indptr[0] == 0, indptr[rows] == Int64(nonzeros) else {
      throw fail(
        "indptr from \(indptr[0]) to \(indptr[rows])",
        "0 to \(nonzeros) (the number of stored entries)")
    }
    var offsets = [Int32](repeating: 0, count: rows + 1)
    var sorted = true
    for i in 0..<rows {
      let start = indptr[i]
      let end = indptr[i + 1]
      guard start <= end, end <= Int64(nonzeros) else {
        throw fail(
          "indptr \(start) then \(end) at row \(i)", "non-decreasing offsets within 0...\(nonzeros)"
        )
      }
      offsets[i + 1] = Int32(end)
      var previous: Int64 = -1
      for p in Int(start)..<Int(end) {
        let column = indices[p]
        guard column >= 0, column < Int64(columns) else {
          throw fail("column index \(column) in row \(i)", "an index in 0..<\(columns)")
        }
        if column <= previous { sorted = false }
        previous = column
      }
    }
    let values = dataArray.floatValues()
    // A NaN or infinity (or a float64 beyond Float's range) would only
    // surface later as a loss that is not finite, far from its file.
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw fail("a non-finite value (entry \(bad) of the data array)", "finite numbers")
    }
    let columnIndices = indices.map { Int32($0) }
    if sorted {
      return SparseMatrix(
        rows: rows, columns: columns, rowOffsets: offsets, columnIndices: columnIndices,
        values: values)
    }
    var entries: [(row: Int, column: Int, value: Float)] = []
    entries.reserveCapacity(nonzeros)
    for i in 0..<rows {
      for p in Int(offsets[i])..<Int(offsets[i + 1]) {
        entries.append((i, Int(columnIndices[p]), values[p]))
      }
    }
    return SparseMatrix(rows: rows, columns: columns, entries: entries)
  }
}

extension NumPyArray {
  /// The same array from a `.npy` member, when its element type is one a
  /// pickled array can have (int32, int64, float32, float64); else `nil`.
  init?(_ array: NPYArray) {
    switch array.elements {
    case .int32(let v): self.init(shape: array.shape, elements: .int32(v))
    case .int64(let v): self.init(shape: array.shape, elements: .int64(v))
    case .float32(let v): self.init(shape: array.shape, elements: .float32(v))
    case .float64(let v): self.init(shape: array.shape, elements: .float64(v))
    default: return nil
    }
  }
}

extension SparseMatrix {
  /// A CSR matrix stored as an `.npz` of numeric arrays `data`, `indices`,
  /// `indptr` and `shape` (SciPy's `save_npz` layout without the pickled
  /// format string), validated like a pickled one. Errors name the file and
  /// the member. Cost O(file size).
  public static func readNPZ(path: String) throws -> SparseMatrix {
    let archive = try NPZReader(path: path)
    func fail(_ found: String, _ expected: String) -> Error {
      DatasetError.invalidContent(file: path, found: found, expected: expected)
    }
    func member(_ name: String) throws -> NumPyArray {
      let array = try archive.array(name)
      guard let numeric = NumPyArray(array) else {
        throw DatasetError.invalidContent(
          file: archive.source(of: "\(name).npy"), found: "element type \(array.dataType)",
          expected: "int32, int64, float32 or float64")
      }
      return numeric
    }
    let shape = try member("shape")
    guard shape.shape == [2], let dims = shape.integerValues(), dims[0] >= 0, dims[1] >= 0 else {
      throw DatasetError.invalidContent(
        file: archive.source(of: "shape.npy"), found: "shape array \(shape.shape)",
        expected: "two non-negative integers (rows, columns)")
    }
    guard dims[0] < Int64(Int32.max), dims[1] < Int64(Int32.max) else {
      throw fail("a \(dims[0])×\(dims[1]) matrix", "fewer than 2^31 rows and columns")
    }
    return try validatedCSR(
      rows: Int(dims[0]), columns: Int(dims[1]), indptr: try member("indptr"),
      indices: try member("indices"), data: try member("data"), fail: fail)
  }
}
