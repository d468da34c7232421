import Foundation

/// Reads a plain file in fixed-size chunks, so hashing or parsing a large
/// file needs O(chunkSize) memory.
enum FileChunks {
  /// Calls `consume` with successive chunks of the file at `path`.
  ///
  /// - Throws: `DatasetError.unreadable` when the file cannot be opened or read.
  static func stream(
    path: String, chunkSize: Int, _ consume: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw DatasetError.unreadable(path: path, reason: "it could not be opened")
    }
    defer { try? handle.close() }
    while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: chunkSize)
      } catch {
        throw DatasetError.unreadable(path: path, reason: "\(error)")
      }
      guard let chunk, !chunk.isEmpty else { break }
      try chunk.withUnsafeBytes { try consume($0) }
    }
  }
}
