/// A strict pass over a JSON document before it is decoded, so that what
/// Foundation's decoder reports without a place ("The given data was not
/// valid JSON.") or accepts silently gets a line, a column and a key path:
/// syntax errors, trailing content, an empty file, numbers beyond the range
/// of a double (`1e999`), and duplicate keys (the decoder keeps one of them
/// without a word). Cost O(bytes); nesting is limited to 512 levels.
enum JSONSyntaxCheck {
  /// A problem at a place in the text.
  struct Problem: Error, Equatable {
    let line: Int
    let column: Int
    /// Key path of the value concerned (`model[1].k`), empty at the top.
    let keyPath: String
    let message: String
  }

  /// Throws the first problem found in `bytes` (UTF-8 JSON).
  static func check(_ bytes: [UInt8]) throws {
    var scanner = Scanner(bytes: bytes)
    scanner.skipWhitespace()
    guard scanner.position < bytes.count else {
      throw scanner.problem("the file is empty; expected a JSON object")
    }
    try scanner.value(path: [], depth: 0)
    scanner.skipWhitespace()
    if scanner.position < bytes.count {
      throw scanner.problem("unexpected content after the end of the JSON value")
    }
  }

  private enum PathItem {
    case key(String)
    case index(Int)
  }

  private struct Scanner {
    let bytes: [UInt8]
    var position = 0
    var currentPath: [PathItem] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    func problem(_ message: String, at offset: Int? = nil) -> Problem {
      let end = min(offset ?? position, bytes.count)
      var line = 1
      var column = 1
      for byte in bytes[0..<end] {
        if byte == 0x0A {
          line += 1
          column = 1
        } else if byte & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
          column += 1
        }
      }
      var path = ""
      for item in currentPath {
        switch item {
        case .key(let k): path += path.isEmpty ? k : ".\(k)"
        case .index(let i): path += "[\(i)]"
        }
      }
      return Problem(line: line, column: column, keyPath: path, message: message)
    }

    mutating func skipWhitespace() {
      while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
        position += 1
      }
    }

    func found() -> String {
      guard position < bytes.count else { return "the end of the file" }
      let byte = bytes[position]
      return byte >= 0x20 && byte < 0x7F ? "'\(Character(UnicodeScalar(byte)))'" : "byte \(byte)"
    }

    mutating func value(path: [PathItem], depth: Int) throws {
      currentPath = path
      guard depth < 512 else { throw problem("nesting deeper than 512 levels") }
      skipWhitespace()
      guard position < bytes.count else {
        throw problem("expected a value, found the end of the file")
      }
      switch bytes[position] {
      case UInt8(ascii: "{"): try object(path: path, depth: depth)
      case UInt8(ascii: "["): try array(path: path, depth: depth)
      case UInt8(ascii: "\""): _ = try string()
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
      default:
        for literal in ["true", "false", "null"] where matches(literal) {
          position += literal.utf8.count
          return
        }
        let word = bytes[position...].prefix { $0 >= 0x41 && $0 <= 0x7A }
        let text = String(decoding: word.prefix(20), as: UTF8.self)
        throw problem(
          text == "NaN" || text == "Infinity"
            ? "\(text) is not a JSON number"
            : "expected a value, found \(text.isEmpty ? found() : "'\(text)'")")
      }
    }

    func matches(_ literal: String) -> Bool {
      let utf8 = Array(literal.utf8)
      return bytes.count - position >= utf8.count
        && Array(bytes[position..<(position + utf8.count)]) == utf8
    }

    mutating func object(path: [PathItem], depth: Int) throws {
      position += 1  // {
      var seen: [String: Int] = [:]
      skipWhitespace()
      if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
        position += 1
        return
      }
      while true {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
          throw problem("expected a key in double quotes, found \(found())")
        }
        let keyStart = position
        let key = try string()
        if seen[key] != nil {
          currentPath = path + [.key(key)]
          throw problem("duplicate key (also earlier in the same object)", at: keyStart)
        }
        seen[key] = keyStart
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
          throw problem("expected ':' after the key, found \(found())")
        }
        position += 1
        try value(path: path + [.key(key)], depth: depth + 1)
        currentPath = path
        guard try another(before: "}") else { return }
      }
    }

    mutating func array(path: [PathItem], depth: Int) throws {
      position += 1  // [
      skipWhitespace()
      if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
        position += 1
        return
      }
      var index = 0
      while true {
        try value(path: path + [.index(index)], depth: depth + 1)
        currentPath = path
        guard try another(before: "]") else { return }
        index += 1
      }
    }

    /// After a member of an object or array: consumes ',' (true: another
    /// member follows) or the closing `close` (false: the container ends).
    mutating func another(before close: Unicode.Scalar) throws -> Bool {
      skipWhitespace()
      guard position < bytes.count else {
        throw problem("expected ',' or '\(close)', found the end of the file")
      }
      switch bytes[position] {
      case UInt8(ascii: ","):
        position += 1
        return true
      case UInt8(ascii: close):
        position += 1
        return false
      default: throw problem("expected ',' or '\(close)', found \(found())")
      }
    }

    /// A string starting at the opening quote; returns its raw content (escapes kept).
    mutating func string() throws -> String {
      let start = position
      position += 1
      while position < bytes.count {
        switch bytes[position] {
        case UInt8(ascii: "\""):
          position += 1
          return String(decoding: bytes[(start + 1)..<(position - 1)], as: UTF8.self)
        case UInt8(ascii: "\\"): position += 2
        case 0..<0x20: throw problem("control character inside a string")
        default: position += 1
        }
      }
      throw problem("string not closed before the end of the file", at: start)
    }

    mutating func number() throws {
      let start = position
      func digits() -> Int {
        let from = position
        while position < bytes.count,
          (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
        {
          position += 1
        }
        return position - from
      }
      if bytes[position] == UInt8(ascii: "-") { position += 1 }
      guard digits() > 0 else { throw problem("expected digits after '-'", at: start) }
      if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
        position += 1
        guard digits() > 0 else { throw problem("expected digits after the decimal point") }
      }
      if position < bytes.count,
        bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")
      {
        position += 1
        if position < bytes.count,
          bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
        {
          position += 1
        }
        guard digits() > 0 else { throw problem("expected digits in the exponent") }
      }
      let text = String(decoding: bytes[start..<position], as: UTF8.self)
      guard let value = Double(text), value.isFinite else {
        throw problem("number \(text) is beyond the range of a double", at: start)
      }
    }
  }
}
