/// The element type of an array stored in a `.npy` file (the header's
/// `descr`): the little-endian numeric types NumPy writes on every common
/// machine, booleans, and object arrays (whose payload is a pickle).
public enum NPYDataType: String, Equatable, Sendable, CaseIterable {
  case bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64, object

  /// The `descr` NumPy writes for the type on a little-endian machine
  /// (`'<f4'`, `'|b1'`, `'|O'`).
  public var descr: String {
    switch self {
    case .bool: "|b1"
    case .int8: "|i1"
    case .uint8: "|u1"
    case .int16: "<i2"
    case .uint16: "<u2"
    case .int32: "<i4"
    case .uint32: "<u4"
    case .int64: "<i8"
    case .uint64: "<u8"
    case .float32: "<f4"
    case .float64: "<f8"
    case .object: "|O"
    }
  }

  /// Bytes per element in the file (0 for object arrays, which store a
  /// pickle instead of fixed-size elements).
  public var itemSize: Int {
    switch self {
    case .bool, .int8, .uint8: 1
    case .int16, .uint16: 2
    case .int32, .uint32, .float32: 4
    case .int64, .uint64, .float64: 8
    case .object: 0
    }
  }

  /// NumPy's name of the type (`float32`), as used in messages.
  public var name: String { rawValue }

  /// Every `descr` this reader accepts, for error messages.
  static let supportedDescription =
    "a little-endian numeric dtype ('|b1', '|i1', '|u1', '<i2', '<u2', '<i4', '<u4', '<i8', "
    + "'<u8', '<f4', '<f8') or an object array ('|O')"

  /// The type a header `descr` names, or a description of why it is not
  /// supported (complex, strings, big-endian, native '=' order, …).
  /// Cost O(descr length).
  static func parse(descr: String) -> Result<NPYDataType, DescrProblem> {
    var code = Substring(descr)
    var order: Character?
    if let first = code.first, "<>|=".contains(first) {
      order = first
      code = code.dropFirst()
    }
    let type: NPYDataType
    switch code {
    case "b1", "?": type = .bool
    case "i1", "b": type = .int8
    case "u1", "B": type = .uint8
    case "i2": type = .int16
    case "u2": type = .uint16
    case "i4": type = .int32
    case "u4": type = .uint32
    case "i8": type = .int64
    case "u8": type = .uint64
    case "f4": type = .float32
    case "f8": type = .float64
    case "O", "O8": type = .object
    default: return .failure(.unsupported)
    }
    // Byte order only matters for multi-byte numeric types, which must be
    // explicitly little-endian: '>' is big-endian and '=' would mean "native
    // to the machine that wrote the file".
    if type.itemSize > 1 && order != "<" {
      return .failure(order == ">" ? .bigEndian : .unspecifiedOrder)
    }
    return .success(type)
  }

  enum DescrProblem: Error {
    case unsupported, bigEndian, unspecifiedOrder
  }
}

/// An array read from a `.npy` file (or an `.npz` member): its shape and
/// its elements in C (row-major) order.
public struct NPYArray: Equatable, Sendable {
  /// The elements, in the file's own element type. Object arrays hold the
  /// decoded (never executed) pickle value of each element.
  public enum Elements: Equatable, Sendable {
    case bool([Bool])
    case int8([Int8])
    case uint8([UInt8])
    case int16([Int16])
    case uint16([UInt16])
    case int32([Int32])
    case uint32([UInt32])
    case int64([Int64])
    case uint64([UInt64])
    case float32([Float])
    case float64([Double])
    case object([PickleValue])
  }

  public let shape: [Int]
  public let elements: Elements

  /// An array; `shape`'s product must equal the number of elements.
  public init(shape: [Int], elements: Elements) {
    self.shape = shape
    self.elements = elements
    precondition(shape.reduce(1, *) == count, "NPYArray: shape \(shape) holds \(count) elements")
  }

  /// The element type.
  public var dataType: NPYDataType {
    switch elements {
    case .bool: .bool
    case .int8: .int8
    case .uint8: .uint8
    case .int16: .int16
    case .uint16: .uint16
    case .int32: .int32
    case .uint32: .uint32
    case .int64: .int64
    case .uint64: .uint64
    case .float32: .float32
    case .float64: .float64
    case .object: .object
    }
  }

  /// Number of elements (the product of `shape`).
  public var count: Int {
    switch elements {
    case .bool(let v): v.count
    case .int8(let v): v.count
    case .uint8(let v): v.count
    case .int16(let v): v.count
    case .uint16(let v): v.count
    case .int32(let v): v.count
    case .uint32(let v): v.count
    case .int64(let v): v.count
    case .uint64(let v): v.count
    case .float32(let v): v.count
    case .float64(let v): v.count
    case .object(let v): v.count
    }
  }

  /// The elements as `Double` (booleans as 0/1; exact except for 64-bit
  /// integers beyond 2^53), or `nil` for an object array. Cost O(count).
  public func doubleValues() -> [Double]? {
    switch elements {
    case .bool(let v): v.map { $0 ? 1 : 0 }
    case .int8(let v): v.map { Double($0) }
    case .uint8(let v): v.map { Double($0) }
    case .int16(let v): v.map { Double($0) }
    case .uint16(let v): v.map { Double($0) }
    case .int32(let v): v.map { Double($0) }
    case .uint32(let v): v.map { Double($0) }
    case .int64(let v): v.map { Double($0) }
    case .uint64(let v): v.map { Double($0) }
    case .float32(let v): v.map { Double($0) }
    case .float64(let v): v
    case .object: nil
    }
  }

  /// The elements as `Float` (rounded where needed), or `nil` for an
  /// object array. Cost O(count).
  public func floatValues() -> [Float]? {
    if case .float32(let v) = elements { return v }
    return doubleValues()?.map { Float($0) }
  }

  /// The elements of an object array (decoded pickle values), else `nil`.
  public var objects: [PickleValue]? {
    if case .object(let v) = elements { return v }
    return nil
  }
}
