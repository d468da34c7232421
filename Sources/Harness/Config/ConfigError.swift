import Foundation
import GraphData

/// A problem in a JSON config or experiment file, with the file and the key
/// path (e.g. `model[1].k`) it concerns.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
  public let file: String
  public let keyPath: String
  public let message: String

  public init(file: String, keyPath: String, message: String) {
    self.file = file
    self.keyPath = keyPath
    self.message = message
  }

  /// One line: control characters quoted from the file are escaped.
  public var description: String {
    let text = keyPath.isEmpty ? "\(file): \(message)" : "\(file): key '\(keyPath)': \(message)"
    return text.escapingControlCharacters
  }

  /// Renders a coding path as `a.b[2].c`.
  static func path(_ codingPath: [any CodingKey]) -> String {
    var out = ""
    for key in codingPath {
      if let index = key.intValue {
        out += "[\(index)]"
      } else {
        out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
      }
    }
    return out
  }

  /// Turns a `DecodingError` into a message naming the key and what was expected.
  public static func from(_ error: any Error, file: String) -> ConfigError {
    if let config = error as? ConfigError { return config }
    if let syntax = error as? JSONSyntaxCheck.Problem {
      return ConfigError(
        file: file, keyPath: syntax.keyPath,
        message: "line \(syntax.line), column \(syntax.column): \(syntax.message)")
    }
    if let located = error as? LocatedConfigProblem {
      return ConfigError(file: file, keyPath: path(located.codingPath), message: located.message)
    }
    guard let decoding = error as? DecodingError else {
      return ConfigError(file: file, keyPath: "", message: "\(error)")
    }
    switch decoding {
    case .typeMismatch(let type, let context):
      return ConfigError(
        file: file, keyPath: path(context.codingPath),
        message: "expected \(describe(type)) (\(context.debugDescription))")
    case .valueNotFound(let type, let context):
      return ConfigError(
        file: file, keyPath: path(context.codingPath),
        message: "expected \(describe(type)), found null")
    case .keyNotFound(let key, let context):
      return ConfigError(
        file: file, keyPath: path(context.codingPath + [key]), message: "required key is missing")
    case .dataCorrupted(let context):
      let underlying = context.underlyingError.map { ": \($0.localizedDescription)" } ?? ""
      return ConfigError(
        file: file, keyPath: path(context.codingPath),
        message: context.codingPath.isEmpty
          ? "not valid JSON (\(context.debugDescription)\(underlying))" : context.debugDescription)
    @unknown default:
      return ConfigError(file: file, keyPath: "", message: "\(decoding)")
    }
  }

  private static func describe(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type: "an integer"
    case is Float.Type, is Double.Type: "a number"
    case is String.Type: "a string"
    case is Bool.Type: "true or false"
    default: "\(type)"
    }
  }
}

/// A validation problem found while decoding, located by its coding path;
/// `ConfigError.from` adds the file name.
struct LocatedConfigProblem: Error {
  let codingPath: [any CodingKey]
  let message: String
}

/// A coding key for any string, used to list every key present in an object.
struct AnyCodingKey: CodingKey {
  let stringValue: String
  let intValue: Int?
  init(stringValue: String) {
    self.stringValue = stringValue
    intValue = nil
  }
  init(intValue: Int) {
    stringValue = "\(intValue)"
    self.intValue = intValue
  }
}

extension Decoder {
  /// A keyed container that first rejects any key not in `Key.allCases`, so a
  /// misspelt option is an error instead of being silently ignored.
  func strictContainer<Key: CodingKey & CaseIterable>(keyedBy type: Key.Type) throws
    -> KeyedDecodingContainer<Key>
  {
    let all = try container(keyedBy: AnyCodingKey.self)
    let allowed = Key.allCases.map(\.stringValue)
    for key in all.allKeys where !allowed.contains(key.stringValue) {
      throw LocatedConfigProblem(
        codingPath: codingPath + [key],
        message: "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
    }
    return try container(keyedBy: type)
  }
}

extension KeyedDecodingContainer {
  /// Throws a located problem unless `condition` holds for the decoded value.
  func require(_ condition: Bool, _ key: Key, _ message: String) throws {
    if !condition { throw LocatedConfigProblem(codingPath: codingPath + [key], message: message) }
  }
}

extension KeyedDecodingContainer {
  /// `value`, or the error of a required key that is missing.
  func required<T>(_ value: T?, _ key: Key) throws -> T {
    guard let value else {
      throw LocatedConfigProblem(codingPath: codingPath + [key], message: "required key is missing")
    }
    return value
  }

  /// A JSON number read as a double (every JSON number that passed
  /// `JSONSyntaxCheck` is one); a non-number is an error saying `expected`.
  private func double(forKey key: Key, expected: String) throws -> Double? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    do {
      return try decode(Double.self, forKey: key)
    } catch DecodingError.typeMismatch {
      throw LocatedConfigProblem(codingPath: codingPath + [key], message: "expected \(expected)")
    }
  }

  /// An integer key: a whole number within ±2^53 (exact in JSON's doubles),
  /// else an error naming the key and the value; `nil` when absent.
  func decodeInteger(forKey key: Key) throws -> Int? {
    guard let value = try double(forKey: key, expected: "an integer") else { return nil }
    return try Self.integer(value, codingPath: codingPath + [key])
  }

  /// A list of integers, each checked as `decodeInteger`; `nil` when absent.
  func decodeIntegers(forKey key: Key) throws -> [Int]? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    let values: [Double]
    do { values = try decode([Double].self, forKey: key) } catch DecodingError.typeMismatch {
      throw LocatedConfigProblem(
        codingPath: codingPath + [key], message: "expected a list of integers")
    }
    return try values.enumerated().map { index, value in
      try Self.integer(value, codingPath: codingPath + [key, AnyCodingKey(intValue: index)])
    }
  }

  /// A 32-bit float key: finite and within Float's range (1e39 is not;
  /// 1e-50 would round to 0 and is refused too); `nil` when absent.
  func decodeFloat(forKey key: Key) throws -> Float? {
    guard let value = try double(forKey: key, expected: "a number") else { return nil }
    return try Self.float(value, codingPath: codingPath + [key])
  }

  /// An object of name → 32-bit float, each value checked as `decodeFloat`.
  func decodeFloatDictionary(forKey key: Key) throws -> [String: Float]? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    let values: [String: Double]
    do { values = try decode([String: Double].self, forKey: key) } catch DecodingError.typeMismatch
    {
      throw LocatedConfigProblem(
        codingPath: codingPath + [key], message: "expected an object of names to numbers")
    }
    var out: [String: Float] = [:]
    for (name, value) in values {
      out[name] = try Self.float(
        value, codingPath: codingPath + [key, AnyCodingKey(stringValue: name)])
    }
    return out
  }

  private static func integer(_ value: Double, codingPath: [any CodingKey]) throws -> Int {
    guard value == value.rounded(), Swift.abs(value) <= 9_007_199_254_740_992 else {
      throw LocatedConfigProblem(
        codingPath: codingPath,
        message: value == value.rounded()
          ? "expected an integer within ±2^53, found \(value)"
          : "expected an integer, found \(value)")
    }
    return Int(value)
  }

  private static func float(_ value: Double, codingPath: [any CodingKey]) throws -> Float {
    let magnitude = Swift.abs(value)
    guard magnitude <= Double(Float.greatestFiniteMagnitude),
      magnitude == 0 || magnitude >= Double(Float.leastNormalMagnitude)
    else {
      throw LocatedConfigProblem(
        codingPath: codingPath,
        message: "\(value) is outside the range of a 32-bit float "
          + "(magnitude 1.2e-38 … 3.4e38, or 0)")
    }
    return Float(value)
  }
}
