/// Elementwise maps and reductions. All run in O(count) with no allocation
/// beyond the result.
extension Matrix {
  /// A matrix of the same shape with `transform` applied to each element.
  @inlinable
  public func map(_ transform: (Float) -> Float) -> Matrix {
    var out = self
    out.storage.withUnsafeMutableBufferPointer { o in
      for i in o.indices { o[i] = transform(o[i]) }
    }
    return out
  }

  /// Elementwise combination of two matrices of equal shape.
  @inlinable
  public func zipMap(_ other: Matrix, _ combine: (Float, Float) -> Float) -> Matrix {
    precondition(
      hasSameShape(as: other),
      "Shape mismatch: \(rows)×\(columns) vs \(other.rows)×\(other.columns)")
    var out = self
    out.storage.withUnsafeMutableBufferPointer { o in
      other.storage.withUnsafeBufferPointer { b in
        for i in o.indices { o[i] = combine(o[i], b[i]) }
      }
    }
    return out
  }

  /// Adds `other` (same shape) into `self`, elementwise.
  @inlinable
  public mutating func add(_ other: Matrix) {
    precondition(hasSameShape(as: other), "Shape mismatch in add")
    storage.withUnsafeMutableBufferPointer { o in
      other.storage.withUnsafeBufferPointer { b in
        for i in o.indices { o[i] += b[i] }
      }
    }
  }

  /// Adds `other` (R×C) into rows `firstRow ..< firstRow + R` of this
  /// matrix (same C). Cost O(R·C).
  public mutating func addRows(_ other: Matrix, from firstRow: Int) {
    precondition(
      other.columns == columns && firstRow >= 0 && firstRow + other.rows <= rows,
      "addRows: \(other.rows)×\(other.columns) at row \(firstRow) of \(rows)×\(columns)")
    guard !other.storage.isEmpty else { return }
    storage.withUnsafeMutableBufferPointer { o in
      other.storage.withUnsafeBufferPointer { b in
        let start = o.baseAddress! + firstRow * columns
        for i in b.indices { start[i] += b[i] }
      }
    }
  }

  /// Sum of all elements, accumulated in Double for accuracy.
  public func sum() -> Float {
    storage.withUnsafeBufferPointer { p in
      var s = 0.0
      for v in p { s += Double(v) }
      return Float(s)
    }
  }

  /// Sum of squares of all elements (‖M‖²_F), accumulated in Double.
  public func squaredNorm() -> Float {
    storage.withUnsafeBufferPointer { p in
      var s = 0.0
      for v in p { s += Double(v) * Double(v) }
      return Float(s)
    }
  }

  /// Column sums as a 1×columns row vector. Cost O(count).
  public func columnSums() -> Matrix {
    var out = Matrix(rows: 1, columns: columns)
    out.storage.withUnsafeMutableBufferPointer { o in
      storage.withUnsafeBufferPointer { p in
        for i in 0..<rows {
          let base = i * columns
          for j in 0..<columns { o[j] += p[base + j] }
        }
      }
    }
    return out
  }

  /// Row sums as a rows×1 column vector. Cost O(count).
  public func rowSums() -> Matrix {
    var out = Matrix(rows: rows, columns: 1)
    storage.withUnsafeBufferPointer { p in
      for i in 0..<rows {
        var s: Float = 0
        for j in 0..<columns { s += p[i * columns + j] }
        out.storage[i] = s
      }
    }
    return out
  }

  /// The transpose. Cost O(count).
  public func transposed() -> Matrix {
    var out = Matrix(rows: columns, columns: rows)
    out.storage.withUnsafeMutableBufferPointer { o in
      storage.withUnsafeBufferPointer { p in
        for i in 0..<rows {
          for j in 0..<columns { o[j * rows + i] = p[i * columns + j] }
        }
      }
    }
    return out
  }

  /// Index of the largest element of each row (first one on ties).
  public func argmaxPerRow() -> [Int] {
    (0..<rows).map { i in
      var best = 0
      var bestValue = -Float.infinity
      for j in 0..<columns where self[i, j] > bestValue {
        best = j
        bestValue = self[i, j]
      }
      return best
    }
  }

  /// Sum of the diagonal of a square matrix.
  public func trace() -> Float {
    precondition(rows == columns, "trace of a non-square \(rows)×\(columns) matrix")
    var s: Float = 0
    for i in 0..<rows { s += self[i, i] }
    return s
  }

  public static func + (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.zipMap(rhs, +) }
  public static func - (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.zipMap(rhs, -) }
  public static func * (lhs: Matrix, rhs: Float) -> Matrix { lhs.map { $0 * rhs } }
}
