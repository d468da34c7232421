import Foundation

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

  public var description: String {
    keyPath.isEmpty ? "\(file): \(message)" : "\(file): key '\(keyPath)': \(message)"
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
  static func from(_ error: any Error, file: String) -> ConfigError {
    if let config = error as? ConfigError { return config }
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
