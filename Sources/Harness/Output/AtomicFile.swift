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

  /// Removes the temporary files (`NAME.tmp-PID` or `NAME.tmp-PID-…`, as
  /// `write` and `Checkpoint.write` name them) that processes which no longer
  /// exist left in `directory` and its subdirectories: what a killed run
  /// leaves behind. Files of a live process (this one included) are kept.
  /// Returns the paths removed. Cost O(files in the tree).
  @discardableResult
  public static func removeStaleTemporaries(in directory: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
    var removed: [String] = []
    while let relative = walker.nextObject() as? String {
      guard let range = relative.range(of: ".tmp-", options: .backwards) else { continue }
      let pidText = relative[range.upperBound...].prefix { $0.isNumber }
      guard let pid = Int32(pidText), pid > 0, !processExists(pid) else { continue }
      let path = (directory as NSString).appendingPathComponent(relative)
      if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
    }
    return removed
  }

  /// Whether a process with this id exists (kill with signal 0; EPERM means
  /// it exists but belongs to another user).
  static func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }
}
