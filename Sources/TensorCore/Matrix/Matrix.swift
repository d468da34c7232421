/// A dense, row-major matrix of `Float` values.
///
/// Element `(i, j)` is stored at `storage[i * columns + j]`. Vectors are
/// matrices with one row (row vectors) or one column (column vectors); a
/// scalar is a 1×1 matrix. `Matrix` is a value type with copy-on-write
/// storage, so passing it around costs nothing until it is mutated.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let columns: Int
  /// The elements in row-major order; `storage.count == rows * columns`.
  public var storage: [Float]

  /// A matrix with every element equal to `value`. Cost O(rows·columns).
  public init(rows: Int, columns: Int, repeating value: Float = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.storage = [Float](repeating: value, count: rows * columns)
  }

  /// A matrix whose elements are not initialised, for kernels that write
  /// every element before anything reads it (saves the zero fill, which on a
  /// 200,000 × 32 product is a single-threaded pass over 25 MB).
  init(uninitializedRows rows: Int, columns: Int) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.storage = [Float](unsafeUninitializedCapacity: rows * columns) { _, count in
      count = rows * columns
    }
  }

  /// A zero matrix when `zeroed`, else one with uninitialised elements for
  /// a kernel that writes every element (see `init(uninitializedRows:columns:)`).
  init(rows: Int, columns: Int, zeroedIf zeroed: Bool) {
    if zeroed {
      self.init(rows: rows, columns: columns)
    } else {
      self.init(uninitializedRows: rows, columns: columns)
    }
  }

  /// A matrix over existing row-major `storage`.
  public init(rows: Int, columns: Int, storage: [Float]) {
    precondition(
      storage.count == rows * columns,
      "Matrix storage has \(storage.count) elements, expected \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// A matrix from nested rows (all the same length); handy in tests.
  public init(_ nestedRows: [[Float]]) {
    let columns = nestedRows.first?.count ?? 0
    precondition(nestedRows.allSatisfy { $0.count == columns }, "Ragged rows")
    self.init(rows: nestedRows.count, columns: columns, storage: nestedRows.flatMap { $0 })
  }

  /// A 1×1 matrix holding `value`.
  public init(scalar value: Float) {
    self.init(rows: 1, columns: 1, storage: [value])
  }

  /// The n×n identity matrix.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m.storage[i * n + i] = 1 }
    return m
  }

  /// `(rows, columns)`.
  @inlinable public var shape: (rows: Int, columns: Int) { (rows, columns) }

  /// Number of elements.
  @inlinable public var count: Int { rows * columns }

  /// The single element of a 1×1 matrix.
  public var scalar: Float {
    precondition(rows == 1 && columns == 1, "scalar of a \(rows)×\(columns) matrix")
    return storage[0]
  }

  @inlinable public subscript(row: Int, column: Int) -> Float {
    get { storage[row * columns + column] }
    set { storage[row * columns + column] = newValue }
  }

  /// Row `i` as an array. Cost O(columns).
  public func row(_ i: Int) -> [Float] {
    Array(storage[(i * columns)..<((i + 1) * columns)])
  }

  /// Whether both shapes are equal.
  @inlinable public func hasSameShape(as other: Matrix) -> Bool {
    rows == other.rows && columns == other.columns
  }

  /// Whether every element is finite (no NaN or infinity). Cost O(count).
  public var isFinite: Bool {
    storage.withUnsafeBufferPointer { p in p.allSatisfy { $0.isFinite } }
  }

  public var description: String {
    let shown = (0..<min(rows, 6)).map { i in
      "[" + row(i).prefix(8).map { String($0) }.joined(separator: ", ")
        + (columns > 8 ? ", …" : "") + "]"
    }
    return "Matrix \(rows)×\(columns) [" + shown.joined(separator: ", ")
      + (rows > 6 ? ", …" : "") + "]"
  }
}
