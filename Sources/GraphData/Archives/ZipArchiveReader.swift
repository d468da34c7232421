import Foundation
import ZIPFoundation

/// Read-only access to the members of a `.zip` file (TU `DS.zip`, GIN
/// archives, NumPy `.npz`), streaming each member in chunks so a large member
/// (COLLAB's 84 MB text) is never held in memory more than once.
public struct ZipArchiveReader {
  /// Path of the archive, for error messages.
  public let path: String
  private let archive: Archive
  /// Declared uncompressed size of each member, checked by `ZipDirectoryCheck`.
  private let declaredSizes: [String: UInt64]

  /// Opens `path`; a missing file or a file that is not a readable zip
  /// (e.g. truncated: its central directory is gone) throws `DatasetError`.
  public init(path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError.fileNotFound(path: path)
    }
    declaredSizes = try ZipDirectoryCheck.validate(path: path)
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw DatasetError.unreadable(
        path: path, reason: "not a readable zip archive (truncated or corrupt: \(error))")
    }
    self.path = path
  }

  /// Paths of the file members, in archive order (directories excluded).
  public var memberPaths: [String] {
    archive.filter { $0.type == .file }.map(\.path)
  }

  /// Whether a file member with exactly this path exists.
  public func contains(_ member: String) -> Bool { archive[member]?.type == .file }

  /// The member's declared uncompressed size (checked against the archive
  /// when it was opened, and enforced while streaming), or `nil` if there is
  /// no such member.
  public func declaredSize(of member: String) -> UInt64? { declaredSizes[member] }

  /// Calls `consume` with successive chunks of the member's bytes (CRC
  /// checked), in order. A damaged member throws `DatasetError` naming the
  /// archive and the member. Memory: one chunk (`chunkSize` bytes) at a time.
  public func streamMember(
    _ member: String, chunkSize: Int = 1 << 20, _ consume: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    guard let entry = archive[member], entry.type == .file else {
      throw DatasetError.invalidContent(
        file: path, found: "no member '\(member)'", expected: "a member named '\(member)'")
    }
    // Never produce more than the (validated) declared size: a lying header
    // cannot turn a small member into an unbounded stream.
    let limit = declaredSizes[member] ?? ZipDirectoryCheck.maximumMemberBytes
    var produced: UInt64 = 0
    do {
      _ = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: false) { data in
        produced += UInt64(data.count)
        guard produced <= limit else {
          throw DatasetError.unreadable(
            path: "\(path) (member \(member))",
            reason: "the member expands beyond its declared \(limit) bytes")
        }
        try data.withUnsafeBytes { try consume($0) }
      }
    } catch let error as DatasetError {
      throw error
    } catch {
      throw DatasetError.unreadable(
        path: "\(path) (member \(member))", reason: "the member cannot be decompressed: \(error)")
    }
  }

  /// The whole member as bytes (for small members). Memory: the member's size.
  public func readMember(_ member: String) throws -> [UInt8] {
    var bytes: [UInt8] = []
    // Declared sizes are validated, but reserve at most 256 MiB up front anyway.
    bytes.reserveCapacity(Int(min(declaredSizes[member] ?? 0, 256 << 20)))
    try streamMember(member) { bytes.append(contentsOf: $0) }
    return bytes
  }
}
