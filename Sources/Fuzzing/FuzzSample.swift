import Foundation
import ZIPFoundation

/// The files of one valid input of a reader: plain files, and zip archives
/// given by their members so that a mutation can damage either the archive
/// itself or one member's content (re-zipped, so the reader's parser sees
/// it rather than the zip layer's CRC check).
public struct FuzzSample: Sendable {
  public enum Content: Sendable {
    case plain([UInt8])
    case zip(members: [Member])
  }

  public struct Member: Sendable {
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
      self.path = path
      self.bytes = bytes
    }
  }

  /// File name (inside the input directory) and content.
  public var files: [(name: String, content: Content)]

  /// Whether mutations of `name` should use text spellings of numbers.
  static func isText(_ name: String) -> Bool {
    name.hasSuffix(".txt") || name.hasSuffix(".json") || name.hasSuffix(".index")
      || name.hasSuffix(".sha256")
  }

  /// Writes a deflated zip of `members` to `path`. Cost O(bytes).
  public static func writeZip(_ members: [Member], to path: String) throws {
    try? FileManager.default.removeItem(atPath: path)
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    for member in members {
      try archive.addEntry(
        with: member.path, type: .file, uncompressedSize: Int64(member.bytes.count),
        modificationDate: Date(timeIntervalSince1970: 1_600_000_000), compressionMethod: .deflate
      ) { position, size in
        Data(member.bytes[Int(position)..<(Int(position) + size)])
      }
    }
  }

  /// The bytes of a file as written (a zip is built once in `scratch`).
  func serialized(scratch: String) throws -> [(name: String, bytes: [UInt8])] {
    try files.map { name, content in
      switch content {
      case .plain(let bytes):
        return (name, bytes)
      case .zip(let members):
        let path = (scratch as NSString).appendingPathComponent(name)
        try Self.writeZip(members, to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try? FileManager.default.removeItem(atPath: path)
        return (name, bytes)
      }
    }
  }
}
