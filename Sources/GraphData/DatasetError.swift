/// Why a dataset file could not be used. Every description names the file,
/// says what was found and what was expected, and how to get a good copy.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A required file does not exist. `alsoMissing` lists other required
  /// files of the same dataset that are missing too.
  case fileNotFound(path: String, alsoMissing: [String] = [])
  /// A file exists but could not be opened or read.
  case unreadable(path: String, reason: String)
  /// A pickle file could not be decoded (truncated, corrupt, or naming a
  /// class or opcode the safe reader does not accept).
  case malformedPickle(PickleError)
  /// A file's SHA-256 differs from the value pinned in `DataManifest`.
  case checksumMismatch(file: String, expected: String, actual: String)
  /// A file decoded, but its content does not fit the format or the other
  /// files of the dataset.
  case invalidContent(file: String, found: String, expected: String)
  /// The dataset name cannot name Planetoid files.
  case invalidDatasetName(String)
  /// The dataset's files hold more than `ReaderLimits` allows (`largest`
  /// names the biggest file and its size).
  case exceedsLimit(file: String, bytes: UInt64, largest: String, limit: UInt64)

  /// How to obtain the files; kept generic because every dataset uses it.
  public static let fetchHint =
    "Run `make data` (copies from $GPOOL_DATA_MIRROR or ../shared/data) or pass --data-dir."

  /// What to do with a file that is present but wrong.
  static let replaceHint =
    "the file is corrupt or a different version; delete it and run `make data`"

  /// One line, whatever the file held (see `escapingControlCharacters`).
  public var description: String { rawDescription.escapingControlCharacters }

  private var rawDescription: String {
    switch self {
    case .fileNotFound(let path, let alsoMissing):
      let others =
        alsoMissing.isEmpty ? "" : " (also missing: \(alsoMissing.joined(separator: ", ")))"
      return "\(path) not found\(others). \(Self.fetchHint)"
    case .unreadable(let path, let reason):
      return "\(path) could not be read: \(reason). \(Self.fetchHint)"
    case .malformedPickle(let error):
      return "\(error.description) (\(Self.replaceHint))"
    case .checksumMismatch(let file, let expected, let actual):
      return
        "checksum mismatch for \(file): expected \(expected), got \(actual) (\(Self.replaceHint))"
    case .invalidContent(let file, let found, let expected):
      return "\(file): found \(found), expected \(expected) (\(Self.replaceHint))"
    case .invalidDatasetName(let name):
      return "'\(name)' is not a valid Planetoid dataset name "
        + "(expected a plain name such as cora, citeseer or pubmed)"
    case .exceedsLimit(let file, let bytes, let largest, let limit):
      let limitText = limit % (1 << 20) == 0 ? "\(limit >> 20) MiB" : "\(limit) bytes"
      return "\(file): holds \(bytes) bytes uncompressed (\(largest)), more than the readers' "
        + "limit of \(limitText) for one dataset; raise it with --max-dataset-mib if the data "
        + "is genuine"
    }
  }
}

extension String {
  /// The text with control characters shown as escapes (`\u{a}`), so a
  /// message quoting a damaged file's names or values (a newline in a zip
  /// member's name, a key spelled with a tab) stays on one line and cannot
  /// rewrite the terminal. Cost O(length).
  public var escapingControlCharacters: String {
    var text = ""
    for scalar in unicodeScalars {
      if scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value) {
        text += "\\u{" + String(scalar.value, radix: 16) + "}"
      } else {
        text.unicodeScalars.append(scalar)
      }
    }
    return text
  }
}
