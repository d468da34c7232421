import TensorCore

/// A NumPy array decoded from a pickle: its shape and its elements in C
/// (row-major) order, in the array's own element type.
public struct NumPyArray: Equatable, Sendable {
  /// The supported element types (little-endian in the pickle).
  public enum Elements: Equatable, Sendable {
    case int32([Int32])
    case int64([Int64])
    case float32([Float])
    case float64([Double])
  }

  public let shape: [Int]
  public let elements: Elements

  public init(shape: [Int], elements: Elements) {
    self.shape = shape
    self.elements = elements
  }

  /// Number of elements (the product of `shape`).
  public var count: Int {
    switch elements {
    case .int32(let v): v.count
    case .int64(let v): v.count
    case .float32(let v): v.count
    case .float64(let v): v.count
    }
  }

  /// NumPy's name of the element type ("int32", "float64", …).
  public var dtypeName: String {
    switch elements {
    case .int32: "int32"
    case .int64: "int64"
    case .float32: "float32"
    case .float64: "float64"
    }
  }

  /// The elements as `Double` (exact for every supported type except int64
  /// beyond 2^53). Cost O(count).
  public func doubleValues() -> [Double] {
    switch elements {
    case .int32(let v): v.map { Double($0) }
    case .int64(let v): v.map { Double($0) }
    case .float32(let v): v.map { Double($0) }
    case .float64(let v): v
    }
  }

  /// The elements as `Float` (rounded for float64 and large integers).
  /// Cost O(count).
  public func floatValues() -> [Float] {
    switch elements {
    case .int32(let v): v.map { Float($0) }
    case .int64(let v): v.map { Float($0) }
    case .float32(let v): v
    case .float64(let v): v.map { Float($0) }
    }
  }

  /// The elements as `Int64` if the array has an integer type, else `nil`.
  /// Cost O(count).
  public func integerValues() -> [Int64]? {
    switch elements {
    case .int32(let v): v.map { Int64($0) }
    case .int64(let v): v
    case .float32, .float64: nil
    }
  }
}

extension PickleValue {
  /// Interprets the value as a pickled `numpy.ndarray` (`_reconstruct` plus a
  /// BUILD state `(version, shape, dtype, fortran_order, raw_bytes)`).
  /// Accepts little-endian int32/int64/float32/float64 in C order (or any
  /// order for ≤ 1 dimension) and checks the byte count against the shape.
  /// `source` names the data in errors. Cost O(elements).
  ///
  /// - Throws: `PickleError` (`.unexpectedValue`) describing what was found.
  public func numpyArray(source: String) throws -> NumPyArray {
    func fail(_ found: String, _ expected: String) -> PickleError {
      PickleError(
        source: source, offset: nil, reason: .unexpectedValue(found: found, expected: expected))
    }
    guard case .object(let object) = self, object.type == SafeUnpickler.ndarray else {
      throw fail("\(kindWithArticle)", "a NumPy array (numpy.ndarray)")
    }
    guard case .tuple(var state) = object.state else {
      throw fail("a NumPy array without its state", "a (version, shape, dtype, order, data) state")
    }
    // NumPy writes a leading version number (1); very old pickles omit it.
    if state.count == 5 {
      guard state[0].intValue == 1 else {
        throw fail("array state version \(state[0])", "version 1")
      }
      state.removeFirst()
    }
    guard state.count == 4 else {
      throw fail("an array state of \(state.count) items", "4 or 5 items")
    }
    guard case .tuple(let shapeItems) = state[0] else {
      throw fail("an array shape that is \(state[0].kindWithArticle)", "a tuple of sizes")
    }
    var shape: [Int] = []
    var count = 1
    for item in shapeItems {
      guard let size = item.intValue, size >= 0 else {
        throw fail("array shape entry \(item)", "a non-negative size")
      }
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow else { throw fail("array shape \(shapeItems)", "a size that fits in memory") }
      shape.append(size)
      count = product
    }
    let kind = try state[1].numpyDType(source: source)
    guard let fortran = state[2].intValue else {
      throw fail("an order flag that is \(state[2].kindWithArticle)", "a bool")
    }
    if fortran != 0 && shape.count > 1 {
      throw fail("a Fortran-ordered \(shape.count)-d array", "C order")
    }
    guard case .bytes(let raw) = state[3] else {
      throw fail(
        "array data that is \(state[3].kindWithArticle)",
        "a byte string (object arrays are not supported)")
    }
    let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: kind.size)
    guard !overflow, raw.count == expectedBytes else {
      throw fail(
        "\(raw.count) data bytes for shape \(shape) of \(kind.name)",
        "\(expectedBytes) bytes (\(count) elements × \(kind.size))")
    }
    let elements: NumPyArray.Elements
    switch kind {
    case .int32: elements = .int32(decodeLittleEndian(raw, count: count))
    case .int64: elements = .int64(decodeLittleEndian(raw, count: count))
    case .float32:
      let bits: [UInt32] = decodeLittleEndian(raw, count: count)
      elements = .float32(reinterpret(bits, as: Float.self))
    case .float64:
      let bits: [UInt64] = decodeLittleEndian(raw, count: count)
      elements = .float64(reinterpret(bits, as: Double.self))
    }
    return NumPyArray(shape: shape, elements: elements)
  }

  /// Interprets the value as a pickled `numpy.dtype` and returns the
  /// supported element kind.
  fileprivate func numpyDType(source: String) throws -> NumPyKind {
    func fail(_ found: String, _ expected: String) -> PickleError {
      PickleError(
        source: source, offset: nil, reason: .unexpectedValue(found: found, expected: expected))
    }
    let supported =
      "a little-endian int32, int64, float32 or float64 dtype ('<i4', '<i8', '<f4', '<f8')"
    guard case .object(let object) = self, object.type == SafeUnpickler.dtype,
      let code = object.arguments.first?.text
    else {
      throw fail("\(kindWithArticle) as the array's dtype", "a numpy.dtype")
    }
    // The type code may carry its own byte order ('<i4'); the state tuple
    // (version, byteorder, subarray, names, fields, …) carries it otherwise.
    var typeCode = Substring(code)
    var orders: [Character] = []
    if let first = typeCode.first, "<>=|".contains(first) {
      orders.append(first)
      typeCode = typeCode.dropFirst()
    }
    guard case .tuple(let state) = object.state, state.count >= 5, let order = state[1].text else {
      throw fail("dtype '\(code)' without its byte-order state", supported)
    }
    if let character = order.first, order.count == 1 { orders.append(character) }
    guard state[2] == .none, state[3] == .none, state[4] == .none else {
      throw fail("a structured or sub-array dtype '\(code)'", supported)
    }
    guard let kind = NumPyKind(code: typeCode) else {
      throw fail("dtype '\(order)\(typeCode)'", supported)
    }
    // Multi-byte types must be explicitly little-endian: '>' is big-endian
    // and '=' would mean "native to the machine that wrote the file".
    guard !orders.isEmpty, orders.allSatisfy({ $0 == "<" }) else {
      throw fail("dtype '\(order)\(typeCode)' (byte order '\(order)')", supported)
    }
    return kind
  }

  /// Interprets the value as a pickled `scipy.sparse.csr_matrix` and returns
  /// it as a `SparseMatrix` (values rounded to `Float`). Checks the shape,
  /// the lengths of `indptr` / `indices` / `data`, that `indptr` starts at 0
  /// and never decreases, and that every column index is in range; rows
  /// whose columns are unsorted or repeated are sorted and their duplicates
  /// summed (SciPy's meaning). Cost O(rows + nnz), O(nnz log nnz) only when
  /// some row needs sorting.
  ///
  /// - Throws: `PickleError` (`.unexpectedValue`) describing what was found.
  public func sparseMatrix(source: String) throws -> SparseMatrix {
    func fail(_ found: String, _ expected: String) -> PickleError {
      PickleError(
        source: source, offset: nil, reason: .unexpectedValue(found: found, expected: expected))
    }
    guard case .object(let object) = self, object.type == SafeUnpickler.csrMatrix else {
      throw fail("\(kindWithArticle)", "a SciPy CSR matrix (scipy.sparse.csr.csr_matrix)")
    }
    guard let state = object.state, case .dict = state else {
      throw fail("a CSR matrix without its attribute dict", "_shape, indices, indptr and data")
    }
    if let format = state["format"], format.text != "csr" {
      throw fail("sparse format \(format.text.map { "'\($0)'" } ?? format.kindName)", "'csr'")
    }
    guard let shapeValue = state["_shape"] ?? state["shape"],
      case .tuple(let shapeItems) = shapeValue,
      shapeItems.count == 2, let rows = shapeItems[0].intValue,
      let columns = shapeItems[1].intValue,
      rows >= 0, columns >= 0
    else {
      throw fail("no valid _shape entry", "a (rows, columns) tuple")
    }
    guard rows < Int(Int32.max), columns < Int(Int32.max) else {
      throw fail("a \(rows)×\(columns) matrix", "fewer than 2^31 rows and columns")
    }
    func array(_ key: String) throws -> NumPyArray {
      guard let value = state[key] else {
        throw fail("no '\(key)' entry", "CSR arrays indptr, indices, data")
      }
      let array = try value.numpyArray(source: source)
      guard array.shape.count == 1 else {
        throw fail("'\(key)' of shape \(array.shape)", "a 1-d array")
      }
      return array
    }
    return try SparseMatrix.validatedCSR(
      rows: rows, columns: columns, indptr: try array("indptr"), indices: try array("indices"),
      data: try array("data"), fail: fail)
  }

  /// Interprets the value as a graph stored as a dict (or
  /// `collections.defaultdict(list)`) from node id to a list of neighbour
  /// ids, in the pickle's key order. Cost O(nodes + edges).
  ///
  /// - Throws: `PickleError` (`.unexpectedValue`) for a non-dict, a key that
  ///   is not a non-negative int, or a value that is not a list of such ints.
  public func adjacencyLists(source: String) throws -> [(node: Int, neighbours: [Int])] {
    func fail(_ found: String, _ expected: String) -> PickleError {
      PickleError(
        source: source, offset: nil, reason: .unexpectedValue(found: found, expected: expected))
    }
    guard case .dict(let entries, _) = self else {
      throw fail("\(kindWithArticle)", "a dict of node id → list of neighbour ids")
    }
    var result: [(node: Int, neighbours: [Int])] = []
    result.reserveCapacity(entries.count)
    for entry in entries {
      guard case .int(let node) = entry.key, node >= 0 else {
        throw fail("graph key \(entry.key)", "a non-negative node id")
      }
      guard case .list(let items) = entry.value else {
        throw fail(
          "\(entry.value.kindWithArticle) as the neighbours of node \(node)", "a list of node ids")
      }
      var neighbours: [Int] = []
      neighbours.reserveCapacity(items.count)
      for item in items {
        guard case .int(let neighbour) = item, neighbour >= 0 else {
          throw fail("neighbour \(item) of node \(node)", "a non-negative node id")
        }
        neighbours.append(neighbour)
      }
      result.append((node, neighbours))
    }
    return result
  }
}

/// The NumPy element types the reader decodes.
private enum NumPyKind {
  case int32, int64, float32, float64

  init?(code: Substring) {
    switch code {
    case "i4", "int32": self = .int32
    case "i8", "int64": self = .int64
    case "f4", "float32": self = .float32
    case "f8", "float64": self = .float64
    default: return nil
    }
  }

  var size: Int {
    switch self {
    case .int32, .float32: 4
    case .int64, .float64: 8
    }
  }

  var name: String {
    switch self {
    case .int32: "int32"
    case .int64: "int64"
    case .float32: "float32"
    case .float64: "float64"
    }
  }
}

/// `count` little-endian fixed-width integers from `raw` (whose length the
/// caller has checked). A bulk copy on little-endian hosts, so decoding a
/// large buffer costs one memcpy even in debug builds.
private func decodeLittleEndian<T: FixedWidthInteger>(_ raw: [UInt8], count: Int) -> [T] {
  [T](unsafeUninitializedCapacity: count) { buffer, initialized in
    raw.withUnsafeBytes { source in
      let destination = UnsafeMutableRawBufferPointer(buffer)
      destination.copyMemory(
        from: UnsafeRawBufferPointer(rebasing: source[0..<(count * MemoryLayout<T>.size)]))
    }
    if T(1).littleEndian != T(1) {
      for i in 0..<count { buffer[i] = T(littleEndian: buffer[i]) }
    }
    initialized = count
  }
}

/// The same bits viewed as another 4- or 8-byte type (a bulk copy).
private func reinterpret<Bits: FixedWidthInteger, T: BinaryFloatingPoint>(
  _ bits: [Bits], as type: T.Type
) -> [T] {
  precondition(MemoryLayout<Bits>.size == MemoryLayout<T>.size)
  return [T](unsafeUninitializedCapacity: bits.count) { buffer, initialized in
    bits.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
    initialized = bits.count
  }
}
