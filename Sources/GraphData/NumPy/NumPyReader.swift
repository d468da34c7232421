import Foundation

/// Reads NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0) from bytes
/// or files.
///
/// Numeric arrays must have one of the `NPYDataType` little-endian types;
/// Fortran-ordered arrays are reordered to C order. Object arrays (`'|O'`)
/// store a pickle of the whole array, which is decoded by `SafeUnpickler`
/// (never executing anything) into one `PickleValue` per element. Every
/// error is a `DatasetError` naming the source (a file, or an archive and its
/// member), what was found and what was expected.
public enum NumPyReader {
  /// The six bytes every `.npy` file starts with.
  static let magic: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]  // \x93NUMPY

  /// The parsed header of a `.npy` file.
  public struct Header: Equatable, Sendable {
    /// Format version (major, minor): (1, 0), (2, 0) or (3, 0).
    public let version: (major: UInt8, minor: UInt8)
    /// The dtype string exactly as in the file (`'<f4'`).
    public let descr: String
    public let fortranOrder: Bool
    public let shape: [Int]
    /// Offset of the first data byte.
    public let dataOffset: Int

    public static func == (a: Header, b: Header) -> Bool {
      a.version == b.version && a.descr == b.descr && a.fortranOrder == b.fortranOrder
        && a.shape == b.shape && a.dataOffset == b.dataOffset
    }

    /// Number of elements (the product of `shape`).
    public var count: Int { shape.reduce(1, *) }
  }

  /// Decodes a whole `.npy` file held in `bytes`. `source` names it in
  /// errors (e.g. `data/easy.npz (member tr_feat.npy)`). Cost O(bytes.count)
  /// time and memory (plus the pickle's decoded tree for object arrays).
  ///
  /// - Throws: `DatasetError.invalidContent` for a bad header, an
  ///   unsupported dtype or a truncated payload; `.malformedPickle` when an
  ///   object array's pickle is rejected.
  public static func decode(_ bytes: [UInt8], source: String) throws -> NPYArray {
    let header = try parseHeader(bytes, source: source)
    let dataType: NPYDataType
    switch NPYDataType.parse(descr: header.descr) {
    case .success(let type): dataType = type
    case .failure(let problem):
      let why: String
      switch problem {
      case .bigEndian: why = " (big-endian)"
      case .unspecifiedOrder: why = " (no explicit little-endian byte order)"
      case .unsupported: why = ""
      }
      throw DatasetError.invalidContent(
        file: source, found: "dtype '\(header.descr)'\(why)",
        expected: NPYDataType.supportedDescription)
    }
    let payload = bytes[header.dataOffset...]
    if dataType == .object {
      return try decodeObjectArray(payload, header: header, source: source)
    }
    let (expectedBytes, overflow) = header.count.multipliedReportingOverflow(
      by: dataType.itemSize)
    guard !overflow, payload.count == expectedBytes else {
      let what = payload.count < expectedBytes ? "truncated data: " : ""
      throw DatasetError.invalidContent(
        file: source,
        found: "\(what)\(payload.count) data bytes for shape \(header.shape) of \(dataType.name)",
        expected:
          "\(overflow ? "an array that fits in memory" : "\(expectedBytes) bytes") "
          + "(\(header.count) elements × \(dataType.itemSize))")
    }
    var elements = decodeElements(payload, type: dataType, count: header.count)
    if header.fortranOrder && header.shape.count > 1 {
      elements = reorderFortran(elements, shape: header.shape)
    }
    return NPYArray(shape: header.shape, elements: elements)
  }

  /// Reads and decodes the `.npy` file at `path`. Cost O(file size).
  ///
  /// - Throws: `DatasetError.fileNotFound` / `.unreadable`, or any error of
  ///   `decode(_:source:)`.
  public static func read(path: String) throws -> NPYArray {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError.fileNotFound(path: path)
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DatasetError.unreadable(path: path, reason: "the file cannot be opened")
    }
    return try decode([UInt8](data), source: path)
  }

  /// Parses the magic string, version and header dictionary of a `.npy`
  /// file. Cost O(header length).
  ///
  /// - Throws: `DatasetError.invalidContent` naming `source`.
  public static func parseHeader(_ bytes: [UInt8], source: String) throws -> Header {
    func fail(_ found: String, _ expected: String) -> DatasetError {
      .invalidContent(file: source, found: found, expected: expected)
    }
    guard bytes.count >= 10 else {
      throw fail(
        "truncated data: \(bytes.count) bytes", "a .npy file (at least a 10-byte preamble)")
    }
    guard Array(bytes[0..<6]) == magic else {
      throw fail("no NumPy magic string at the start", "a .npy file (starting with \\x93NUMPY)")
    }
    let major = bytes[6]
    let minor = bytes[7]
    let lengthSize: Int
    switch (major, minor) {
    case (1, 0): lengthSize = 2
    case (2, 0), (3, 0): lengthSize = 4
    default:
      throw fail(".npy format version \(major).\(minor)", "version 1.0, 2.0 or 3.0")
    }
    guard bytes.count >= 8 + lengthSize else {
      throw fail("truncated data: \(bytes.count) bytes", "a complete .npy preamble")
    }
    var headerLength = 0
    for k in 0..<lengthSize { headerLength |= Int(bytes[8 + k]) << (8 * k) }
    let start = 8 + lengthSize
    guard bytes.count - start >= headerLength else {
      throw fail(
        "truncated data: a \(headerLength)-byte header with \(bytes.count - start) bytes left",
        "the complete header")
    }
    let raw = bytes[start..<(start + headerLength)]
    // Versions 1 and 2 store the header as latin-1, version 3 as UTF-8.
    let text =
      major == 3
      ? String(decoding: raw, as: UTF8.self)
      : String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
    var parser = HeaderParser(text: text)
    let dictionary: [(String, HeaderValue)]
    do {
      guard case .dict(let entries) = try parser.parseValue() else {
        throw HeaderParser.Failure(message: "the header is not a dict")
      }
      try parser.expectEnd()
      dictionary = entries
    } catch let failure as HeaderParser.Failure {
      throw fail(
        "an unreadable header (\(failure.message)): \(text.debugDescription)",
        "a Python dict literal")
    }
    let keys = Set(dictionary.map(\.0))
    guard keys == ["descr", "fortran_order", "shape"], dictionary.count == 3 else {
      throw fail(
        "header keys \(dictionary.map(\.0).sorted())", "exactly descr, fortran_order and shape")
    }
    let values = Dictionary(dictionary, uniquingKeysWith: { first, _ in first })
    let descr: String
    switch values["descr"] {
    case .string(let s): descr = s
    default:
      throw fail(
        "a structured dtype \(values["descr"].map { "\($0)" } ?? "")",
        NPYDataType
          .supportedDescription)
    }
    guard case .bool(let fortranOrder) = values["fortran_order"] else {
      throw fail("fortran_order that is not True or False", "a bool")
    }
    guard case .tuple(let shapeItems) = values["shape"] else {
      throw fail("a shape that is not a tuple", "a tuple of sizes")
    }
    var shape: [Int] = []
    var count = 1
    for item in shapeItems {
      // Every size indexes Int32 CSR arrays downstream; larger ones are corrupt.
      guard case .int(let size) = item, size >= 0, size < Int(Int32.max) else {
        throw fail("shape entry \(item)", "a size in 0..<2^31")
      }
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow else { throw fail("shape \(shapeItems)", "a size that fits in memory") }
      count = product
      shape.append(size)
    }
    return Header(
      version: (major, minor), descr: descr, fortranOrder: fortranOrder, shape: shape,
      dataOffset: start + headerLength)
  }

  // MARK: Numeric payloads

  /// `count` elements of `type` from `payload` (whose length the caller
  /// checked), in file order. A bulk copy on little-endian hosts.
  static func decodeElements(_ payload: ArraySlice<UInt8>, type: NPYDataType, count: Int)
    -> NPYArray.Elements
  {
    switch type {
    case .bool: .bool(payload.map { $0 != 0 })
    case .int8: .int8(payload.map { Int8(bitPattern: $0) })
    case .uint8: .uint8(Array(payload))
    case .int16: .int16(loadLittleEndian(payload, count: count))
    case .uint16: .uint16(loadLittleEndian(payload, count: count))
    case .int32: .int32(loadLittleEndian(payload, count: count))
    case .uint32: .uint32(loadLittleEndian(payload, count: count))
    case .int64: .int64(loadLittleEndian(payload, count: count))
    case .uint64: .uint64(loadLittleEndian(payload, count: count))
    case .float32:
      .float32((loadLittleEndian(payload, count: count) as [UInt32]).map(Float.init(bitPattern:)))
    case .float64:
      .float64((loadLittleEndian(payload, count: count) as [UInt64]).map(Double.init(bitPattern:)))
    case .object: .object([])
    }
  }

  /// The elements of a Fortran-ordered array of `shape`, in C order.
  /// Cost O(count).
  static func reorderFortran(_ elements: NPYArray.Elements, shape: [Int]) -> NPYArray.Elements {
    func reorder<T>(_ values: [T]) -> [T] {
      guard let first = values.first else { return values }
      // Fortran strides: the first axis varies fastest.
      var strides = [Int](repeating: 1, count: shape.count)
      for axis in 1..<shape.count { strides[axis] = strides[axis - 1] * shape[axis - 1] }
      var result = [T](repeating: first, count: values.count)
      var index = [Int](repeating: 0, count: shape.count)
      var offset = 0
      for position in 0..<values.count {
        result[position] = values[offset]
        // Advance the C-order odometer (last axis fastest).
        var axis = shape.count - 1
        while axis >= 0 {
          index[axis] += 1
          offset += strides[axis]
          if index[axis] < shape[axis] { break }
          offset -= strides[axis] * shape[axis]
          index[axis] = 0
          axis -= 1
        }
      }
      return result
    }
    switch elements {
    case .bool(let v): return .bool(reorder(v))
    case .int8(let v): return .int8(reorder(v))
    case .uint8(let v): return .uint8(reorder(v))
    case .int16(let v): return .int16(reorder(v))
    case .uint16(let v): return .uint16(reorder(v))
    case .int32(let v): return .int32(reorder(v))
    case .uint32(let v): return .uint32(reorder(v))
    case .int64(let v): return .int64(reorder(v))
    case .uint64(let v): return .uint64(reorder(v))
    case .float32(let v): return .float32(reorder(v))
    case .float64(let v): return .float64(reorder(v))
    case .object(let v): return .object(reorder(v))
    }
  }

  // MARK: Object payloads

  /// An object array's elements from its pickle: NumPy writes the whole
  /// array, `_reconstruct(ndarray, (0,), b'b')` with the BUILD state
  /// `(1, shape, dtype('O8'), fortran_order, [element, …])`.
  static func decodeObjectArray(_ payload: ArraySlice<UInt8>, header: Header, source: String)
    throws -> NPYArray
  {
    func fail(_ found: String, _ expected: String) -> DatasetError {
      .invalidContent(file: source, found: found, expected: expected)
    }
    guard !payload.isEmpty else {
      throw fail("truncated data: no pickle after the header of an object array", "a pickle")
    }
    let value: PickleValue
    do {
      value = try SafeUnpickler.unpickle(Array(payload), source: source)
    } catch let error as PickleError {
      throw DatasetError.malformedPickle(error)
    }
    guard case .object(let object) = value, object.type == SafeUnpickler.ndarray,
      case .tuple(var state) = object.state
    else {
      throw fail("an object-array pickle holding \(value.kindWithArticle)", "a numpy.ndarray")
    }
    if state.count == 5, state[0].intValue == 1 { state.removeFirst() }
    guard state.count == 4 else {
      throw fail("an array state of \(state.count) items", "(version, shape, dtype, order, data)")
    }
    guard case .tuple(let shapeItems) = state[0], shapeItems.map(\.intValue) == header.shape
    else {
      throw fail(
        "pickled array shape \(state[0].pythonLiteral)",
        "the header's shape (\(header.shape.map(String.init).joined(separator: ", "))\(header.shape.count == 1 ? "," : ""))"
      )
    }
    guard case .object(let dtype) = state[1], dtype.type == SafeUnpickler.dtype,
      let code = dtype.arguments.first?.text, code == "O8" || code == "O"
    else {
      throw fail("a pickled array whose dtype is \(state[1])", "dtype('O')")
    }
    guard let fortran = state[2].intValue else {
      throw fail("an order flag that is \(state[2].kindWithArticle)", "a bool")
    }
    if fortran != 0 && header.shape.count > 1 {
      throw fail("a Fortran-ordered \(header.shape.count)-d object array", "C order")
    }
    guard case .list(let items) = state[3] else {
      throw fail("object-array data that is \(state[3].kindWithArticle)", "a list of the elements")
    }
    guard items.count == header.count else {
      throw fail(
        "\(items.count) pickled elements for shape \(header.shape)", "\(header.count) elements")
    }
    return NPYArray(shape: header.shape, elements: .object(items))
  }
}

/// Reads the arrays of a NumPy `.npz` archive (a zip of `.npy` members,
/// stored or deflated) through `ZipArchiveReader`.
public struct NPZReader {
  /// Path of the archive, for error messages.
  public let path: String
  private let archive: ZipArchiveReader

  /// Opens `path`. Cost O(number of members) (reads the central directory).
  ///
  /// - Throws: `DatasetError.fileNotFound` / `.unreadable` (not a zip).
  public init(path: String) throws {
    archive = try ZipArchiveReader(path: path)
    self.path = path
  }

  /// The array names (member names without `.npy`), in archive order.
  public var arrayNames: [String] {
    archive.memberPaths.filter { $0.hasSuffix(".npy") }.map { String($0.dropLast(4)) }
  }

  /// The members' declared uncompressed sizes, summed (checked against the
  /// archive when it was opened and enforced while reading).
  public var uncompressedBytes: UInt64 {
    archive.memberPaths.reduce(0) { $0 + (archive.declaredSize(of: $1) ?? 0) }
  }

  /// Whether the archive holds the array `name` (member `name.npy`).
  public func contains(_ name: String) -> Bool { archive.contains(name + ".npy") }

  /// The array `name` (member `name.npy`), decoded by
  /// `NumPyReader.decode(_:source:)`; errors name the archive and the
  /// member. Cost O(member size).
  ///
  /// - Throws: `DatasetError.invalidContent` when the member is missing or
  ///   cannot be decoded; `.unreadable` when it cannot be decompressed.
  public func array(_ name: String) throws -> NPYArray {
    let member = name + ".npy"
    guard archive.contains(member) else {
      throw DatasetError.invalidContent(
        file: path,
        found: "no member '\(member)' (members: \(archive.memberPaths.joined(separator: ", ")))",
        expected: "a member named '\(member)'")
    }
    return try NumPyReader.decode(archive.readMember(member), source: source(of: member))
  }

  /// How errors name a member: `path (member name.npy)`.
  public func source(of member: String) -> String { "\(path) (member \(member))" }
}

// MARK: - Header literal parser

/// A value of the Python literal that forms a `.npy` header.
enum HeaderValue: Equatable, CustomStringConvertible {
  case string(String)
  case int(Int)
  case bool(Bool)
  case none
  case tuple([HeaderValue])
  case list([HeaderValue])
  case dict([(String, HeaderValue)])

  static func == (a: HeaderValue, b: HeaderValue) -> Bool { a.description == b.description }

  var description: String {
    switch self {
    case .string(let s): "'\(s)'"
    case .int(let v): "\(v)"
    case .bool(let b): b ? "True" : "False"
    case .none: "None"
    case .tuple(let items):
      "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
    case .dict(let entries):
      "{" + entries.map { "'\($0.0)': \($0.1)" }.joined(separator: ", ") + "}"
    }
  }
}

/// A recursive-descent parser for the Python literals NumPy writes in
/// `.npy` headers: dicts, tuples, lists, quoted strings, integers (with
/// Python 2's `L` suffix), True, False and None. Nothing is evaluated.
struct HeaderParser {
  struct Failure: Error {
    let message: String
  }

  let characters: [Character]
  var position = 0
  var depth = 0

  init(text: String) { characters = Array(text) }

  mutating func skipSpace() {
    while position < characters.count, characters[position].isWhitespace { position += 1 }
  }

  mutating func expectEnd() throws {
    skipSpace()
    guard position == characters.count else {
      throw Failure(message: "unexpected text after the dict")
    }
  }

  mutating func parseValue() throws -> HeaderValue {
    skipSpace()
    guard position < characters.count else { throw Failure(message: "unexpected end") }
    let c = characters[position]
    switch c {
    case "'", "\"": return .string(try parseString())
    case "(": return .tuple(try parseSequence(closing: ")"))
    case "[": return .list(try parseSequence(closing: "]"))
    case "{": return try parseDict()
    case "-", "0"..."9": return .int(try parseInt())
    default:
      var word = ""
      while position < characters.count, characters[position].isLetter {
        word.append(characters[position])
        position += 1
      }
      switch word {
      case "True": return .bool(true)
      case "False": return .bool(false)
      case "None": return .none
      default: throw Failure(message: "unexpected '\(word.isEmpty ? String(c) : word)'")
      }
    }
  }

  mutating func enter() throws {
    depth += 1
    guard depth <= 32 else { throw Failure(message: "nesting deeper than 32 levels") }
  }

  mutating func parseString() throws -> String {
    let quote = characters[position]
    position += 1
    var text = ""
    while position < characters.count {
      let c = characters[position]
      position += 1
      if c == quote { return text }
      if c == "\\" {
        guard position < characters.count else { break }
        text.append(characters[position])
        position += 1
      } else {
        text.append(c)
      }
    }
    throw Failure(message: "unterminated string")
  }

  mutating func parseInt() throws -> Int {
    var digits = ""
    if characters[position] == "-" {
      digits = "-"
      position += 1
    }
    while position < characters.count, characters[position].wholeNumberValue != nil,
      characters[position].isASCII
    {
      digits.append(characters[position])
      position += 1
    }
    if position < characters.count, characters[position] == "L" { position += 1 }
    guard let value = Int(digits) else { throw Failure(message: "invalid integer '\(digits)'") }
    return value
  }

  mutating func parseSequence(closing: Character) throws -> [HeaderValue] {
    try enter()
    defer { depth -= 1 }
    position += 1
    var items: [HeaderValue] = []
    while true {
      skipSpace()
      guard position < characters.count else { throw Failure(message: "unterminated sequence") }
      if characters[position] == closing {
        position += 1
        return items
      }
      items.append(try parseValue())
      skipSpace()
      guard position < characters.count else { throw Failure(message: "unterminated sequence") }
      if characters[position] == "," {
        position += 1
      } else if characters[position] != closing {
        throw Failure(message: "expected ',' or '\(closing)'")
      }
    }
  }

  mutating func parseDict() throws -> HeaderValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var entries: [(String, HeaderValue)] = []
    while true {
      skipSpace()
      guard position < characters.count else { throw Failure(message: "unterminated dict") }
      if characters[position] == "}" {
        position += 1
        return .dict(entries)
      }
      guard case .string(let key) = try parseValue() else {
        throw Failure(message: "a dict key that is not a string")
      }
      skipSpace()
      guard position < characters.count, characters[position] == ":" else {
        throw Failure(message: "expected ':'")
      }
      position += 1
      entries.append((key, try parseValue()))
      skipSpace()
      guard position < characters.count else { throw Failure(message: "unterminated dict") }
      if characters[position] == "," {
        position += 1
      } else if characters[position] != "}" {
        throw Failure(message: "expected ',' or '}'")
      }
    }
  }
}

/// `count` little-endian fixed-width integers from `bytes` (whose length the
/// caller checked). A bulk copy on little-endian hosts.
func loadLittleEndian<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, count: Int) -> [T] {
  [T](unsafeUninitializedCapacity: count) { buffer, initialized in
    bytes.withUnsafeBytes { source in
      UnsafeMutableRawBufferPointer(buffer).copyMemory(
        from: UnsafeRawBufferPointer(rebasing: source[0..<(count * MemoryLayout<T>.size)]))
    }
    if T(1).littleEndian != T(1) {
      for i in 0..<count { buffer[i] = T(littleEndian: buffer[i]) }
    }
    initialized = count
  }
}
