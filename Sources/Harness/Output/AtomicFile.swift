import Foundation

/// Writes files so that readers never see a partial one: the content goes to
/// a temporary file in the same directory, which is then renamed over the
/// destination (rename(2) is atomic within a file system).
public enum AtomicFile {
  /// Writes `contents` to `path`, creating parent directories as needed.
  public static func write(_ contents: String, to path: String) throws {
    try write(Data(contents.utf8), to: path)
  }

  /// Writes `data` to `path`, creating parent directories as needed.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    // Unique per call, so concurrent writers never share a temporary file.
    let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
    do {
      guard FileManager.default.createFile(atPath: temporary, contents: nil),
        let handle = FileHandle(forWritingAtPath: temporary)
      else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
      }
      defer { try? handle.close() }
      try handle.write(contentsOf: data)
      try handle.synchronize()  // durable before it becomes visible under its name
      guard rename(temporary, path) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
      }
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    }
  }
}
