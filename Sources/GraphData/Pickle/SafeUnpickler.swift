/// A reader for the small pickle subset the Planetoid `ind.*` files use
/// (protocol 2 as written by Python 2) and the object arrays of the Bench
/// `.npz` files use (protocol 2 as written by Python 3): it decodes opcodes into a
/// `PickleValue` tree and never executes or imports anything.
///
/// Classes are accepted only from an allow-list (`allowedGlobals`); a GLOBAL
/// naming anything else (`os.system`, `builtins.eval`, …) is an error, as is
/// any opcode outside the subset. "Calling" an allowed class (REDUCE, NEWOBJ)
/// only records the class and its arguments in a `PickleObject`; BUILD
/// records the state.
///
/// Supported opcodes: PROTO (≤ 2), STOP, MARK, NONE, NEWTRUE, NEWFALSE,
/// BININT, BININT1, BININT2, LONG1, BINFLOAT, BINSTRING, SHORT_BINSTRING,
/// BINUNICODE, EMPTY_TUPLE, TUPLE, TUPLE1-3, EMPTY_LIST, APPEND, APPENDS,
/// EMPTY_DICT, SETITEM, SETITEMS, GLOBAL, REDUCE, NEWOBJ, BUILD, PUT, BINPUT,
/// LONG_BINPUT, GET, BINGET, LONG_BINGET.
public enum SafeUnpickler {
  /// The classes and functions a GLOBAL opcode may name: exactly those the
  /// Planetoid files use (checked with `pickletools`), plus Python 3's
  /// spelling of `list`, plus the two ways Python 3 writes a byte string in
  /// a protocol-2 pickle (`_codecs.encode(text, 'latin1')`, and
  /// `__builtin__.bytes()` for an empty one), which the NumPy object arrays
  /// of the Bench `.npz` files use.
  public static let allowedGlobals: Set<PickleGlobal> = [
    reconstruct, ndarray, dtype, csrMatrix, defaultdict, codecsEncode, emptyBytes,
    PickleGlobal(module: "__builtin__", name: "list"),
    PickleGlobal(module: "builtins", name: "list"),
  ]

  static let reconstruct = PickleGlobal(module: "numpy.core.multiarray", name: "_reconstruct")
  static let ndarray = PickleGlobal(module: "numpy", name: "ndarray")
  static let dtype = PickleGlobal(module: "numpy", name: "dtype")
  static let csrMatrix = PickleGlobal(module: "scipy.sparse.csr", name: "csr_matrix")
  static let defaultdict = PickleGlobal(module: "collections", name: "defaultdict")
  static let codecsEncode = PickleGlobal(module: "_codecs", name: "encode")
  static let emptyBytes = PickleGlobal(module: "__builtin__", name: "bytes")

  /// Deepest nesting accepted; deeper data is rejected rather than risking
  /// the stack while converting or freeing it (Python's own limit is
  /// similar).
  public static let maximumDepth = 500

  /// Decodes the pickle in `bytes`. `source` names the data in errors
  /// (usually the file name). Cost O(bytes.count) time and memory.
  ///
  /// - Throws: `PickleError` for truncated or malformed data, an opcode
  ///   outside the subset, a class outside `allowedGlobals`, or bytes after
  ///   the STOP opcode.
  public static func unpickle(_ bytes: [UInt8], source: String) throws -> PickleValue {
    var machine = Machine(bytes: bytes, source: source)
    defer { machine.tearDown() }
    return try machine.run()
  }
}

// MARK: - Parse-time values

// Mutable containers are reference types while parsing because the pickle
// machine mutates an object after memoising it (EMPTY_LIST, BINPUT, …,
// APPENDS): a later GET must see the filled object, as in Python.
private final class ListBox {
  var items: [Raw] = []
}

private final class DictBox {
  var entries: [(key: Raw, value: Raw)] = []
  let factory: PickleGlobal?
  init(factory: PickleGlobal?) { self.factory = factory }
}

private final class ObjectBox {
  let type: PickleGlobal
  var arguments: [Raw]
  var state: Raw?
  init(type: PickleGlobal, arguments: [Raw]) {
    self.type = type
    self.arguments = arguments
  }
}

private indirect enum Raw {
  case leaf(PickleValue)
  /// A tuple and its nesting depth counting tuples only: tuples are values,
  /// so a deep chain of them would be freed recursively. (Boxes are emptied
  /// one by one in `Machine.tearDown`, so they do not count.)
  case tuple([Raw], depth: Int)
  case list(ListBox)
  case dict(DictBox)
  case object(ObjectBox)
  case global(PickleGlobal)

  var kindWithArticle: String { withIndefiniteArticle(kindName) }

  var kindName: String {
    switch self {
    case .leaf(let v): v.kindName
    case .tuple(let items, _): "tuple of \(items.count)"
    case .list: "list"
    case .dict: "dict"
    case .object(let o): "\(o.type) object"
    case .global(let g): "class \(g)"
    }
  }
}

// MARK: - The pickle machine

private struct Machine {
  let bytes: [UInt8]
  let source: String
  var position = 0
  /// Offset of the opcode being executed, for error messages.
  var opcodeOffset = 0
  var opcode: UInt8 = 0
  var stack: [Raw] = []
  /// Stack heights at each open MARK.
  var marks: [Int] = []
  var memo: [Int: Raw] = [:]
  /// Every container created, so `tearDown` can empty them iteratively.
  var boxes: [AnyObject] = []

  init(bytes: [UInt8], source: String) {
    self.bytes = bytes
    self.source = source
  }

  mutating func run() throws -> PickleValue {
    while position < bytes.count {
      opcodeOffset = position
      opcode = bytes[position]
      position += 1
      switch opcode {
      case 0x80:  // PROTO
        let version = Int(try readByte())
        if version > 2 { throw failure(.unsupportedProtocol(version)) }
      case 0x2e:  // STOP
        return try finish()
      case 0x28:  // MARK
        marks.append(stack.count)
      case 0x4e:  // NONE
        stack.append(.leaf(.none))
      case 0x88:  // NEWTRUE
        stack.append(.leaf(.bool(true)))
      case 0x89:  // NEWFALSE
        stack.append(.leaf(.bool(false)))
      case 0x4a:  // BININT: 4-byte signed little-endian
        stack.append(.leaf(.int(Int(Int32(bitPattern: try readUInt32())))))
      case 0x4b:  // BININT1
        stack.append(.leaf(.int(Int(try readByte()))))
      case 0x4d:  // BININT2: 2-byte unsigned little-endian
        let r = try take(2)
        stack.append(.leaf(.int(Int(bytes[r.lowerBound]) | Int(bytes[r.lowerBound + 1]) << 8)))
      case 0x8a:  // LONG1
        stack.append(.leaf(.int(try readLong1())))
      case 0x47:  // BINFLOAT: 8-byte big-endian IEEE double
        var bits: UInt64 = 0
        for i in try take(8) { bits = bits << 8 | UInt64(bytes[i]) }
        stack.append(.leaf(.float(Double(bitPattern: bits))))
      case 0x54:  // BINSTRING: 4-byte signed length
        let length = Int(Int32(bitPattern: try readUInt32()))
        if length < 0 { throw failure(.malformed("BINSTRING with negative length \(length)")) }
        stack.append(.leaf(.bytes(Array(bytes[try take(length)]))))
      case 0x55:  // SHORT_BINSTRING: 1-byte length
        let length = Int(try readByte())
        stack.append(.leaf(.bytes(Array(bytes[try take(length)]))))
      case 0x58:  // BINUNICODE: 4-byte unsigned length, UTF-8
        let length = Int(try readUInt32())
        let range = try take(length)
        guard let text = String(validatingUTF8Bytes: bytes[range]) else {
          throw failure(.malformed("BINUNICODE string is not valid UTF-8"))
        }
        stack.append(.leaf(.string(text)))
      case 0x29:  // EMPTY_TUPLE
        stack.append(.tuple([], depth: 1))
      case 0x74:  // TUPLE
        stack.append(try tuple(try popToMark()))
      case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
        let n = Int(opcode - 0x84)
        try requireStack(n)
        let items = Array(stack[(stack.count - n)...])
        stack.removeLast(n)
        stack.append(try tuple(items))
      case 0x5d:  // EMPTY_LIST
        stack.append(.list(register(ListBox())))
      case 0x61:  // APPEND
        let value = try pop()
        try listOnTop().items.append(value)
      case 0x65:  // APPENDS
        let values = try popToMark()
        try listOnTop().items.append(contentsOf: values)
      case 0x7d:  // EMPTY_DICT
        stack.append(.dict(register(DictBox(factory: nil))))
      case 0x73:  // SETITEM
        let value = try pop()
        let key = try pop()
        try dictOnTop().entries.append((key, value))
      case 0x75:  // SETITEMS
        let items = try popToMark()
        guard items.count % 2 == 0 else {
          throw failure(
            .malformed("SETITEMS with an odd number (\(items.count)) of keys and values"))
        }
        let dict = try dictOnTop()
        dict.entries.reserveCapacity(dict.entries.count + items.count / 2)
        for i in stride(from: 0, to: items.count, by: 2) {
          dict.entries.append((items[i], items[i + 1]))
        }
      case 0x63:  // GLOBAL: "module\nname\n"
        let module = try readLine()
        let name = try readLine()
        let global = PickleGlobal(module: module, name: name)
        guard SafeUnpickler.allowedGlobals.contains(global) else {
          throw failure(.forbiddenGlobal(module: module, name: name))
        }
        stack.append(.global(global))
      case 0x52:  // REDUCE: callable(*args)
        let arguments = try popTuple(for: "REDUCE")
        let callable = try popGlobal(for: "REDUCE")
        stack.append(try reduce(callable, arguments))
      case 0x81:  // NEWOBJ: cls.__new__(cls, *args)
        let arguments = try popTuple(for: "NEWOBJ")
        let type = try popGlobal(for: "NEWOBJ")
        guard type == SafeUnpickler.csrMatrix else {
          throw failure(.malformed("NEWOBJ of \(type) is not supported by this reader"))
        }
        stack.append(.object(register(ObjectBox(type: type, arguments: arguments))))
      case 0x62:  // BUILD: set the state of the object below
        let state = try pop()
        guard case .object(let object) = try peek() else {
          throw failure(.malformed("BUILD applied to \(try peek().kindWithArticle), not an object"))
        }
        guard object.state == nil else {
          throw failure(.malformed("BUILD applied twice to a \(object.type) object"))
        }
        object.state = state
      case 0x70:  // PUT: decimal memo key
        memo[try readDecimalLine()] = try peek()
      case 0x71:  // BINPUT
        memo[Int(try readByte())] = try peek()
      case 0x72:  // LONG_BINPUT
        memo[Int(try readUInt32())] = try peek()
      case 0x67:  // GET
        stack.append(try memoValue(try readDecimalLine()))
      case 0x68:  // BINGET
        stack.append(try memoValue(Int(try readByte())))
      case 0x6a:  // LONG_BINGET
        stack.append(try memoValue(Int(try readUInt32())))
      default:
        throw failure(.unsupportedOpcode(opcode))
      }
    }
    throw PickleError(source: source, offset: bytes.count, reason: .missingStop)
  }

  // MARK: Constructors

  /// What REDUCE does for each allow-listed callable: record, never call.
  mutating func reduce(_ callable: PickleGlobal, _ arguments: [Raw]) throws -> Raw {
    switch callable {
    case SafeUnpickler.reconstruct:
      // numpy.core.multiarray._reconstruct(ndarray, shape, typecode)
      guard arguments.count == 3, case .global(let type) = arguments[0],
        type == SafeUnpickler.ndarray
      else {
        throw failure(.malformed("_reconstruct expects (numpy.ndarray, shape, typecode)"))
      }
      return .object(register(ObjectBox(type: type, arguments: Array(arguments[1...]))))
    case SafeUnpickler.dtype:
      return .object(register(ObjectBox(type: callable, arguments: arguments)))
    case SafeUnpickler.defaultdict:
      // defaultdict(factory): the factory must itself be allow-listed.
      switch arguments.first {
      case .global(let factory) where arguments.count == 1:
        return .dict(register(DictBox(factory: factory)))
      case .leaf(.none) where arguments.count == 1, nil:
        return .dict(register(DictBox(factory: nil)))
      default:
        throw failure(.malformed("defaultdict expects one class argument (e.g. list)"))
      }
    case SafeUnpickler.codecsEncode:
      // _codecs.encode(text, 'latin1'): code points 0-255 map 1:1 to bytes.
      guard arguments.count == 2, case .leaf(.string(let text)) = arguments[0],
        case .leaf(.string(let encoding)) = arguments[1], encoding == "latin1"
      else {
        throw failure(.malformed("_codecs.encode expects (unicode, 'latin1')"))
      }
      var raw: [UInt8] = []
      raw.reserveCapacity(text.utf8.count)
      for scalar in text.unicodeScalars {
        guard scalar.value < 256 else {
          throw failure(
            .malformed("latin-1 text holds code point U+\(String(scalar.value, radix: 16))"))
        }
        raw.append(UInt8(scalar.value))
      }
      return .leaf(.bytes(raw))
    case SafeUnpickler.emptyBytes:
      guard arguments.isEmpty else {
        throw failure(.malformed("__builtin__.bytes is accepted only without arguments"))
      }
      return .leaf(.bytes([]))
    default:
      throw failure(.malformed("\(callable) cannot be called with REDUCE in this reader"))
    }
  }

  // MARK: Containers

  mutating func register<Box: AnyObject>(_ box: Box) -> Box {
    boxes.append(box)
    return box
  }

  /// A tuple of `items`, refusing nesting beyond `maximumDepth`.
  func tuple(_ items: [Raw]) throws -> Raw {
    var depth = 1
    for case .tuple(_, let inner) in items { depth = max(depth, inner + 1) }
    guard depth <= SafeUnpickler.maximumDepth else {
      throw failure(.malformed("tuples nested deeper than \(SafeUnpickler.maximumDepth) levels"))
    }
    return .tuple(items, depth: depth)
  }

  /// Empties every container so that freeing them never recurses deeply
  /// (a hostile pickle can chain millions of lists through the memo).
  mutating func tearDown() {
    for box in boxes {
      switch box {
      case let list as ListBox: list.items = []
      case let dict as DictBox: dict.entries = []
      case let object as ObjectBox:
        object.arguments = []
        object.state = nil
      default: break
      }
    }
    stack = []
    memo = [:]
    boxes = []
  }

  // MARK: Stack helpers

  func failure(_ reason: PickleError.Reason) -> PickleError {
    PickleError(source: source, offset: opcodeOffset, reason: reason)
  }

  /// Items above the innermost MARK (those an opcode may pop).
  var poppable: Int { stack.count - (marks.last ?? 0) }

  func requireStack(_ n: Int) throws {
    guard poppable >= n else {
      let name = PickleOpcode.names[opcode] ?? "opcode"
      throw failure(
        .malformed("\(name) needs \(n) stack item\(n == 1 ? "" : "s"), found \(poppable)"))
    }
  }

  mutating func pop() throws -> Raw {
    try requireStack(1)
    return stack.removeLast()
  }

  func peek() throws -> Raw {
    try requireStack(1)
    return stack[stack.count - 1]
  }

  mutating func popToMark() throws -> [Raw] {
    guard let mark = marks.popLast() else {
      let name = PickleOpcode.names[opcode] ?? "opcode"
      throw failure(.malformed("\(name) without a preceding MARK"))
    }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  mutating func popTuple(for name: String) throws -> [Raw] {
    guard case .tuple(let items, _) = try pop() else {
      throw failure(.malformed("\(name) expects an argument tuple"))
    }
    return items
  }

  mutating func popGlobal(for name: String) throws -> PickleGlobal {
    let value = try pop()
    guard case .global(let global) = value else {
      throw failure(.malformed("\(name) expects a class, found \(value.kindWithArticle)"))
    }
    return global
  }

  func listOnTop() throws -> ListBox {
    let top = try peek()
    guard case .list(let list) = top else {
      throw failure(.malformed("appending to \(top.kindWithArticle), not a list"))
    }
    return list
  }

  func dictOnTop() throws -> DictBox {
    let top = try peek()
    guard case .dict(let dict) = top else {
      throw failure(.malformed("setting items of \(top.kindWithArticle), not a dict"))
    }
    return dict
  }

  func memoValue(_ key: Int) throws -> Raw {
    guard let value = memo[key] else {
      throw failure(.malformed("memo key \(key) was never stored"))
    }
    return value
  }

  // MARK: Argument readers

  /// The next `n` bytes' indices, or a truncation error.
  mutating func take(_ n: Int) throws -> Range<Int> {
    let remaining = bytes.count - position
    guard n <= remaining else {
      throw failure(.truncated(opcode: opcode, needed: n, remaining: remaining))
    }
    defer { position += n }
    return position..<(position + n)
  }

  mutating func readByte() throws -> UInt8 {
    bytes[try take(1).lowerBound]
  }

  mutating func readUInt32() throws -> UInt32 {
    let start = try take(4).lowerBound
    return UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16
      | UInt32(bytes[start + 3]) << 24
  }

  /// LONG1: a length byte, then that many bytes of little-endian two's
  /// complement. Values outside Int64 are rejected (none occur in the data).
  mutating func readLong1() throws -> Int {
    let length = Int(try readByte())
    let range = try take(length)
    guard length > 0 else { return 0 }
    let negative = bytes[range.upperBound - 1] & 0x80 != 0
    // Bytes beyond the 8th must only repeat the sign.
    if length > 8 {
      let fill: UInt8 = negative ? 0xff : 0x00
      guard bytes[(range.lowerBound + 8)..<range.upperBound].allSatisfy({ $0 == fill }),
        (bytes[range.lowerBound + 7] & 0x80 != 0) == negative
      else {
        throw failure(.malformed("LONG1 integer of \(length) bytes does not fit in 64 bits"))
      }
    }
    var bits: UInt64 = negative ? ~0 : 0
    for (k, i) in range.prefix(8).enumerated() {
      bits &= ~(UInt64(0xff) << UInt64(8 * k))
      bits |= UInt64(bytes[i]) << UInt64(8 * k)
    }
    return Int(Int64(bitPattern: bits))
  }

  /// A newline-terminated ASCII argument (GLOBAL, PUT, GET).
  mutating func readLine() throws -> String {
    guard let newline = bytes[position...].firstIndex(of: 0x0a) else {
      let remaining = bytes.count - position
      throw failure(.truncated(opcode: opcode, needed: remaining + 1, remaining: remaining))
    }
    let range = try take(newline - position + 1)
    let line = bytes[range.lowerBound..<(range.upperBound - 1)]
    guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
      throw failure(.malformed("non-ASCII text in a \(PickleOpcode.names[opcode] ?? "") argument"))
    }
    return String(decoding: line, as: UTF8.self)
  }

  mutating func readDecimalLine() throws -> Int {
    let line = try readLine()
    guard let key = Int(line), key >= 0 else {
      throw failure(.malformed("memo key '\(line)' is not a non-negative integer"))
    }
    return key
  }

  // MARK: Finishing

  mutating func finish() throws -> PickleValue {
    guard marks.isEmpty else { throw failure(.malformed("STOP with \(marks.count) unclosed MARK")) }
    guard stack.count == 1 else {
      throw failure(.malformed("STOP with \(stack.count) values on the stack, expected 1"))
    }
    guard position == bytes.count else {
      throw failure(.malformed("\(bytes.count - position) bytes follow the STOP opcode"))
    }
    var visiting = Set<ObjectIdentifier>()
    // Shared references are copied into the tree; a budget proportional to
    // the input stops "billion laughs" pickles (each level referencing the
    // previous one twice) from expanding exponentially.
    // The budget counts values and the bytes of strings, so one large string
    // referenced many times cannot blow up memory either.
    var budget = 4 * bytes.count + 1_000_000
    return try resolve(stack[0], depth: 0, visiting: &visiting, budget: &budget)
  }

  /// Converts the parse-time graph into a value tree, rejecting cycles,
  /// excessive nesting and excessive expansion of shared references.
  func resolve(
    _ raw: Raw, depth: Int, visiting: inout Set<ObjectIdentifier>, budget: inout Int
  ) throws -> PickleValue {
    guard depth <= SafeUnpickler.maximumDepth else {
      throw failure(.malformed("values nested deeper than \(SafeUnpickler.maximumDepth) levels"))
    }
    budget -= 1
    guard budget >= 0 else {
      throw failure(.malformed("shared references expand to more values than the reader allows"))
    }
    switch raw {
    case .leaf(let value):
      switch value {
      case .bytes(let b): budget -= b.count
      case .string(let text): budget -= text.utf8.count
      default: break
      }
      guard budget >= 0 else {
        throw failure(.malformed("shared references expand to more data than the reader allows"))
      }
      return value
    case .global(let global):
      return .global(global)
    case .tuple(let items, _):
      return .tuple(
        try items.map { try resolve($0, depth: depth + 1, visiting: &visiting, budget: &budget) })
    case .list(let box):
      try enter(box, &visiting)
      defer { visiting.remove(ObjectIdentifier(box)) }
      return .list(
        try box.items.map {
          try resolve($0, depth: depth + 1, visiting: &visiting, budget: &budget)
        })
    case .dict(let box):
      try enter(box, &visiting)
      defer { visiting.remove(ObjectIdentifier(box)) }
      // Python dict semantics: a repeated key keeps its first position and
      // takes the last value.
      var entries: [PickleDictEntry] = []
      entries.reserveCapacity(box.entries.count)
      var position: [PickleValue: Int] = [:]
      for (rawKey, rawValue) in box.entries {
        let key = try resolve(rawKey, depth: depth + 1, visiting: &visiting, budget: &budget)
        // The files use int and short string keys; anything else would only
        // make hashing expensive.
        switch key {
        case .int: break
        case .string(let text) where text.utf8.count <= 1024: break
        case .bytes(let b) where b.count <= 1024: break
        default:
          throw failure(
            .malformed("dict key of kind \(key.kindName) (expected an int or a short string)"))
        }
        let value = try resolve(rawValue, depth: depth + 1, visiting: &visiting, budget: &budget)
        if let existing = position[key] {
          entries[existing] = PickleDictEntry(key: key, value: value)
        } else {
          position[key] = entries.count
          entries.append(PickleDictEntry(key: key, value: value))
        }
      }
      return .dict(entries, defaultFactory: box.factory)
    case .object(let box):
      try enter(box, &visiting)
      defer { visiting.remove(ObjectIdentifier(box)) }
      let arguments = try box.arguments.map {
        try resolve($0, depth: depth + 1, visiting: &visiting, budget: &budget)
      }
      let state = try box.state.map {
        try resolve($0, depth: depth + 1, visiting: &visiting, budget: &budget)
      }
      return .object(PickleObject(type: box.type, arguments: arguments, state: state))
    }
  }

  func enter(_ box: AnyObject, _ visiting: inout Set<ObjectIdentifier>) throws {
    guard visiting.insert(ObjectIdentifier(box)).inserted else {
      throw failure(
        .malformed("the pickle contains a reference cycle, which this reader does not support"))
    }
  }
}

extension String {
  /// The string if `bytes` are valid UTF-8, else `nil`.
  fileprivate init?(validatingUTF8Bytes bytes: ArraySlice<UInt8>) {
    var iterator = bytes.makeIterator()
    var scalars = String.UnicodeScalarView()
    var decoder = UTF8()
    loop: while true {
      switch decoder.decode(&iterator) {
      case .scalarValue(let scalar): scalars.append(scalar)
      case .emptyInput: break loop
      case .error: return nil
      }
    }
    self = String(scalars)
  }
}
