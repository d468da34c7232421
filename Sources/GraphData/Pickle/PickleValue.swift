/// A Python class named in a pickle by module and name (`numpy.ndarray`).
public struct PickleGlobal: Hashable, Sendable, CustomStringConvertible {
  public let module: String
  public let name: String

  public init(module: String, name: String) {
    self.module = module
    self.name = name
  }

  /// `module.name`, as Python prints it.
  public var description: String { "\(module).\(name)" }
}

/// One key/value pair of a pickled dict, in insertion order.
public struct PickleDictEntry: Hashable, Sendable {
  public let key: PickleValue
  public let value: PickleValue

  public init(key: PickleValue, value: PickleValue) {
    self.key = key
    self.value = value
  }
}

/// An instance of an allow-listed class: what constructed it and the state
/// its BUILD opcode set. Nothing is executed; interpreting it is up to the
/// typed helpers (`numpyArray(source:)`, `sparseMatrix(source:)`).
public struct PickleObject: Hashable, Sendable {
  /// The class of the instance (for `_reconstruct(ndarray, …)` this is
  /// `numpy.ndarray`, not the reconstruct function).
  public let type: PickleGlobal
  /// The constructor arguments recorded in the pickle (without the class).
  public let arguments: [PickleValue]
  /// The BUILD state, `nil` when the pickle had no BUILD for the object.
  public let state: PickleValue?

  public init(type: PickleGlobal, arguments: [PickleValue], state: PickleValue?) {
    self.type = type
    self.arguments = arguments
    self.state = state
  }
}

/// A decoded pickle: a plain tree of values (shared references in the pickle
/// become copies; cycles are rejected by the reader).
public indirect enum PickleValue: Hashable, Sendable {
  case none
  case bool(Bool)
  /// BININT*, LONG1 (within the 64-bit range).
  case int(Int)
  /// BINFLOAT.
  case float(Double)
  /// A Python 2 `str` (BINSTRING / SHORT_BINSTRING): raw bytes, which the
  /// Planetoid files use both for latin-1 text and for array buffers.
  case bytes([UInt8])
  /// A Python `unicode` string (BINUNICODE).
  case string(String)
  case tuple([PickleValue])
  case list([PickleValue])
  /// A dict in insertion order; `defaultFactory` is set for a
  /// `collections.defaultdict` (e.g. `__builtin__.list`). Later duplicates
  /// of a key replace earlier values, as in Python.
  case dict([PickleDictEntry], defaultFactory: PickleGlobal?)
  /// A reference to an allow-listed class (e.g. a defaultdict's factory).
  case global(PickleGlobal)
  case object(PickleObject)

  /// A short Python-like name of the value's kind, for error messages.
  public var kindName: String {
    switch self {
    case .none: "None"
    case .bool: "bool"
    case .int: "int"
    case .float: "float"
    case .bytes: "str"
    case .string: "unicode"
    case .tuple(let items): "tuple of \(items.count)"
    case .list(let items): "list of \(items.count)"
    case .dict(_, let factory): factory == nil ? "dict" : "defaultdict"
    case .global(let g): "class \(g)"
    case .object(let o): "\(o.type) object"
    }
  }

  /// `kindName` with its indefinite article ("an int", "a tuple of 2"),
  /// for error messages.
  public var kindWithArticle: String { withIndefiniteArticle(kindName) }

  /// The value as Python would print it (`(31,)`, `[1, 2]`, `'text'`,
  /// `numpy.ndarray`), shortened after 8 items or 40 characters, for error
  /// messages that show a value a user wrote.
  public var pythonLiteral: String {
    func items(_ values: [PickleValue]) -> String {
      values.prefix(8).map(\.pythonLiteral).joined(separator: ", ")
        + (values.count > 8 ? ", … (\(values.count) items)" : "")
    }
    func quoted(_ text: String) -> String {
      "'" + String(text.prefix(40)) + (text.count > 40 ? "…" : "") + "'"
    }
    switch self {
    case .none: return "None"
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return "\(i)"
    case .float(let d): return "\(d)"
    case .bytes: return quoted(text ?? "")
    case .string(let s): return "u" + quoted(s)
    case .tuple(let v): return v.count == 1 ? "(\(v[0].pythonLiteral),)" : "(\(items(v)))"
    case .list(let v): return "[\(items(v))]"
    case .dict(let entries, _): return "{… \(entries.count) entries}"
    case .global(let g): return g.description
    case .object(let o): return "<\(o.type) object>"
    }
  }

  /// The text of a `str` (decoded as latin-1, which maps bytes 1:1) or a
  /// `unicode` value; `nil` for other kinds.
  public var text: String? {
    switch self {
    case .bytes(let b): String(decoding: b.map { UInt16($0) }, as: UTF16.self)
    case .string(let s): s
    default: nil
    }
  }

  /// The integer value of an `int` or `bool` (Python treats both as ints).
  public var intValue: Int? {
    switch self {
    case .int(let v): v
    case .bool(let b): b ? 1 : 0
    default: nil
    }
  }

  /// The value stored under the text key `key` in a dict (the last one if
  /// the pickle repeats it); `nil` if absent or not a dict. Cost O(entries).
  public subscript(key: String) -> PickleValue? {
    guard case .dict(let entries, _) = self else { return nil }
    return entries.last { $0.key.text == key }?.value
  }
}

/// "an int", "a tuple of 2", "an unicode" → by the first letter's sound as
/// spelled (good enough for the kind names used in messages).
func withIndefiniteArticle(_ name: String) -> String {
  ("aeioAEIO".contains(name.first ?? "x") ? "an " : "a ") + name
}
