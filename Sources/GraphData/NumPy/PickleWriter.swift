import TensorCore

/// Writes `PickleValue` trees as protocol-2 pickles the way Python 3 writes
/// them (byte strings as `_codecs.encode(text, 'latin1')`), so that both
/// `SafeUnpickler` and Python (`pickle.load`, `numpy.load(allow_pickle=True)`)
/// read them back. Only data is written: objects are the allow-listed NumPy
/// and SciPy classes the readers accept.
///
/// Objects are written as the unpickler records them: `numpy.ndarray` via
/// `numpy.core.multiarray._reconstruct(ndarray, *arguments)`, SciPy CSR
/// matrices via NEWOBJ, any other class via REDUCE, each followed by BUILD
/// with its state. Classes, dtypes and the `'latin1'` literal are memoised
/// (written once, then fetched with BINGET), as Python's pickler does.
public struct PickleWriter {
  private(set) var bytes: [UInt8] = []
  private var memo: [PickleValue: Int] = [:]

  /// Pickles `value` (protocol 2). Cost O(size of the output).
  public static func pickle(_ value: PickleValue) -> [UInt8] {
    var writer = PickleWriter()
    writer.bytes = [0x80, 0x02]
    writer.write(value)
    writer.bytes.append(0x2e)  // STOP
    return writer.bytes
  }

  // MARK: Values

  mutating func write(_ value: PickleValue) {
    let memoisable = Self.isMemoisable(value)
    if memoisable, let key = memo[value] {
      get(key)
      return
    }
    defer { if memoisable { put(value) } }
    switch value {
    case .none: bytes.append(0x4e)
    case .bool(let b): bytes.append(b ? 0x88 : 0x89)
    case .int(let n): writeInt(n)
    case .float(let x):
      bytes.append(0x47)  // BINFLOAT, big-endian
      bytes += (0..<8).map { UInt8(truncatingIfNeeded: x.bitPattern >> (56 - 8 * UInt64($0))) }
    case .bytes(let raw):
      if raw.isEmpty {
        write(.global(SafeUnpickler.emptyBytes))
        bytes += [0x29, 0x52]  // EMPTY_TUPLE, REDUCE
      } else {
        write(.global(SafeUnpickler.codecsEncode))
        writeLatin1(raw)
        write(.string("latin1"))
        bytes += [0x86, 0x52]  // TUPLE2, REDUCE
      }
    case .string(let text): writeUnicode(text)
    case .tuple(let items): writeTuple(items)
    case .list(let items):
      bytes.append(0x5d)  // EMPTY_LIST
      if !items.isEmpty {
        bytes.append(0x28)  // MARK
        for item in items { write(item) }
        bytes.append(0x65)  // APPENDS
      }
    case .dict(let entries, let factory):
      if let factory {
        write(.global(SafeUnpickler.defaultdict))
        write(.global(factory))
        bytes += [0x85, 0x52]  // TUPLE1, REDUCE
      } else {
        bytes.append(0x7d)  // EMPTY_DICT
      }
      if !entries.isEmpty {
        bytes.append(0x28)
        for entry in entries {
          write(entry.key)
          write(entry.value)
        }
        bytes.append(0x75)  // SETITEMS
      }
    case .global(let global):
      bytes.append(0x63)
      bytes += Array("\(global.module)\n\(global.name)\n".utf8)
    case .object(let object): writeObject(object)
    }
  }

  /// Values written once and then fetched from the memo: classes, dtypes
  /// and the `'latin1'` literal (all small, so hashing them is cheap).
  static func isMemoisable(_ value: PickleValue) -> Bool {
    switch value {
    case .global: true
    case .string(let text): text == "latin1"
    case .object(let object): object.type == SafeUnpickler.dtype
    default: false
    }
  }

  mutating func writeObject(_ object: PickleObject) {
    switch object.type {
    case SafeUnpickler.ndarray:
      write(.global(SafeUnpickler.reconstruct))
      writeTuple([.global(SafeUnpickler.ndarray)] + object.arguments)
      bytes.append(0x52)  // REDUCE
    case SafeUnpickler.csrMatrix:
      write(.global(object.type))
      writeTuple(object.arguments)
      bytes.append(0x81)  // NEWOBJ
    default:
      write(.global(object.type))
      writeTuple(object.arguments)
      bytes.append(0x52)  // REDUCE
    }
    if let state = object.state {
      write(state)
      bytes.append(0x62)  // BUILD
    }
  }

  mutating func writeTuple(_ items: [PickleValue]) {
    switch items.count {
    case 0: bytes.append(0x29)
    case 1...3:
      for item in items { write(item) }
      bytes.append(0x84 + UInt8(items.count))  // TUPLE1-3
    default:
      bytes.append(0x28)
      for item in items { write(item) }
      bytes.append(0x74)  // TUPLE
    }
  }

  mutating func writeInt(_ n: Int) {
    switch n {
    case 0..<256: bytes += [0x4b, UInt8(n)]
    case 256..<65536: bytes += [0x4d, UInt8(n & 0xff), UInt8(n >> 8)]
    case Int(Int32.min)...Int(Int32.max): bytes += [0x4a] + littleEndianBytes(Int32(n))
    default: bytes += [0x8a, 8] + littleEndianBytes(Int64(n))  // LONG1
    }
  }

  mutating func writeUnicode(_ text: String) {
    let utf8 = Array(text.utf8)
    bytes.append(0x58)  // BINUNICODE
    bytes += littleEndianBytes(UInt32(utf8.count))
    bytes += utf8
  }

  /// BINUNICODE of the text whose code points are `raw`'s bytes (latin-1),
  /// encoded as UTF-8 directly.
  mutating func writeLatin1(_ raw: [UInt8]) {
    let length = raw.reduce(0) { $0 + ($1 < 0x80 ? 1 : 2) }
    bytes.append(0x58)
    bytes += littleEndianBytes(UInt32(length))
    for b in raw {
      if b < 0x80 {
        bytes.append(b)
      } else {
        bytes.append(0xc0 | (b >> 6))
        bytes.append(0x80 | (b & 0x3f))
      }
    }
  }

  /// Memoises the value just written (BINPUT / LONG_BINPUT).
  mutating func put(_ value: PickleValue) {
    let key = memo.count
    memo[value] = key
    if key < 256 {
      bytes += [0x71, UInt8(key)]
    } else {
      bytes += [0x72] + littleEndianBytes(UInt32(key))
    }
  }

  mutating func get(_ key: Int) {
    if key < 256 {
      bytes += [0x68, UInt8(key)]
    } else {
      bytes += [0x6a] + littleEndianBytes(UInt32(key))
    }
  }
}

/// The little-endian bytes of a fixed-width integer.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// The little-endian bytes of every value, in order. A bulk copy on
/// little-endian hosts. Cost O(values.count).
func littleEndianBytes<T: FixedWidthInteger>(of values: [T]) -> [UInt8] {
  let converted = T(1).littleEndian == T(1) ? values : values.map(\.littleEndian)
  return converted.withUnsafeBytes { Array($0) }
}

// MARK: - NumPy and SciPy values

extension PickleValue {
  /// A pickled `numpy.dtype` for `code` (`"f4"`, `"i4"`, `"O8"`) with its
  /// byte order (`"<"`, or `"|"` for one-byte and object types), as NumPy
  /// pickles it.
  static func numpyDType(code: String, order: String) -> PickleValue {
    let flags = code.hasPrefix("O") ? 63 : 0
    return .object(
      PickleObject(
        type: SafeUnpickler.dtype, arguments: [.string(code), .int(0), .int(1)],
        state: .tuple([
          .int(3), .string(order), .none, .none, .none, .int(-1), .int(-1), .int(flags),
        ])))
  }

  /// A pickled C-ordered `numpy.ndarray` with raw little-endian `data`.
  static func numpyArray(shape: [Int], code: String, data: [UInt8]) -> PickleValue {
    numpyArray(shape: shape, dtype: numpyDType(code: code, order: "<"), payload: .bytes(data))
  }

  /// `_reconstruct(ndarray, (0,), b'b')` with the BUILD state
  /// `(1, shape, dtype, False, payload)`: how NumPy pickles a C-ordered array.
  static func numpyArray(shape: [Int], dtype: PickleValue, payload: PickleValue) -> PickleValue {
    .object(
      PickleObject(
        type: SafeUnpickler.ndarray, arguments: [.tuple([.int(0)]), .bytes([0x62])],
        state: .tuple([.int(1), .tuple(shape.map { .int($0) }), dtype, .bool(false), payload])))
  }

  /// A pickled float32 `numpy.ndarray` of `shape`.
  public static func numpyFloat32Array(_ values: [Float], shape: [Int]) -> PickleValue {
    numpyArray(shape: shape, code: "f4", data: littleEndianBytes(of: values.map(\.bitPattern)))
  }

  /// A pickled int32 `numpy.ndarray` of `shape` (Planetoid's one-hot labels).
  public static func numpyInt32Array(_ values: [Int32], shape: [Int]) -> PickleValue {
    numpyArray(shape: shape, code: "i4", data: littleEndianBytes(of: values))
  }

  /// A pickled `scipy.sparse.csr.csr_matrix` with float32 data and int32
  /// indices, laid out as SciPy pickles one (`_shape`, `maxprint`, `data`,
  /// `indices`, `indptr`, `_has_sorted_indices`). Cost O(rows + nnz).
  public static func scipyCSRMatrix(_ matrix: SparseMatrix) -> PickleValue {
    let data = numpyArray(
      shape: [matrix.nonzeroCount], code: "f4",
      data: littleEndianBytes(of: matrix.values.map(\.bitPattern)))
    let indices = numpyArray(
      shape: [matrix.nonzeroCount], code: "i4",
      data: littleEndianBytes(of: matrix.columnIndices))
    let indptr = numpyArray(
      shape: [matrix.rows + 1], code: "i4",
      data: littleEndianBytes(of: matrix.rowOffsets))
    let state: PickleValue = .dict(
      [
        PickleDictEntry(
          key: .string("_shape"), value: .tuple([.int(matrix.rows), .int(matrix.columns)])),
        PickleDictEntry(key: .string("maxprint"), value: .int(50)),
        PickleDictEntry(key: .string("data"), value: data),
        PickleDictEntry(key: .string("indices"), value: indices),
        PickleDictEntry(key: .string("indptr"), value: indptr),
        PickleDictEntry(key: .string("_has_sorted_indices"), value: .bool(true)),
      ], defaultFactory: nil)
    return .object(PickleObject(type: SafeUnpickler.csrMatrix, arguments: [], state: state))
  }
}
