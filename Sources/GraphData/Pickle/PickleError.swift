/// Why `SafeUnpickler` rejected a pickle, or a typed helper rejected a value.
public struct PickleError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Reason: Equatable, Sendable {
    /// The argument of `opcode` runs past the end of the data.
    case truncated(opcode: UInt8, needed: Int, remaining: Int)
    /// The data ended before a STOP opcode.
    case missingStop
    /// An opcode outside the supported subset.
    case unsupportedOpcode(UInt8)
    /// A GLOBAL naming a class or function that is not allow-listed.
    case forbiddenGlobal(module: String, name: String)
    /// A PROTO opcode announcing a protocol newer than 2.
    case unsupportedProtocol(Int)
    /// The opcodes are individually valid but do not fit together (stack
    /// underflow, APPEND to a non-list, unknown memo key, …).
    case malformed(String)
    /// The pickle decoded, but a typed helper found the wrong content.
    case unexpectedValue(found: String, expected: String)
  }

  /// The data's name in messages, usually the file name (`ind.cora.x`).
  public let source: String
  /// Byte offset of the offending opcode, when the error is positional.
  public let offset: Int?
  public let reason: Reason

  public init(source: String, offset: Int?, reason: Reason) {
    self.source = source
    self.offset = offset
    self.reason = reason
  }

  public var description: String {
    let at = offset.map { " at offset \($0)" } ?? ""
    switch reason {
    case .truncated(let opcode, let needed, let remaining):
      let more = needed - remaining
      let name = PickleOpcode.names[opcode] ?? PickleOpcode.describe(opcode)
      return "\(source): truncated pickle\(at) (expected \(more) more byte\(more == 1 ? "" : "s"): "
        + "\(name) needs \(needed), only \(remaining) left)"
    case .missingStop:
      return "\(source): truncated pickle: the data ends\(at) without a STOP opcode"
    case .unsupportedOpcode(let code):
      return "\(source): unsupported pickle opcode \(PickleOpcode.describe(code))\(at)"
    case .forbiddenGlobal(let module, let name):
      return "\(source): pickle opcode 'c' (GLOBAL) names \(module).\(name), "
        + "which this reader does not allow\(offset.map { " (offset \($0))" } ?? "")"
    case .unsupportedProtocol(let version):
      return "\(source): pickle protocol \(version) is not supported (only protocols 0-2)\(at)"
    case .malformed(let message):
      return "\(source): malformed pickle\(at): \(message)"
    case .unexpectedValue(let found, let expected):
      return "\(source): found \(found), expected \(expected)"
    }
  }
}

/// Names of pickle opcodes, for error messages only.
enum PickleOpcode {
  static let names: [UInt8: String] = [
    0x28: "MARK", 0x2e: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT",
    0x49: "INT", 0x4a: "BININT", 0x4b: "BININT1", 0x4c: "LONG", 0x4d: "BININT2", 0x4e: "NONE",
    0x50: "PERSID", 0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING",
    0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD",
    0x63: "GLOBAL", 0x64: "DICT", 0x7d: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET",
    0x68: "BINGET", 0x69: "INST", 0x6a: "LONG_BINGET", 0x6c: "LIST", 0x5d: "EMPTY_LIST",
    0x6f: "OBJ", 0x70: "PUT", 0x71: "BINPUT", 0x72: "LONG_BINPUT", 0x73: "SETITEM",
    0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT", 0x80: "PROTO",
    0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
    0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4",
    0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8",
    0x8e: "BINBYTES8", 0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
    0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME",
    0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
  ]

  /// `0x69 ('i', INST)`-style text for an opcode byte.
  static func describe(_ code: UInt8) -> String {
    let hex = String(code, radix: 16)
    let padded = "0x" + (hex.count < 2 ? "0" + hex : hex)
    let printable = code >= 0x21 && code < 0x7f ? "'\(Character(Unicode.Scalar(code)))'" : nil
    let parts = [printable, names[code]].compactMap { $0 }
    return parts.isEmpty ? padded : "\(padded) (\(parts.joined(separator: ", ")))"
  }
}
