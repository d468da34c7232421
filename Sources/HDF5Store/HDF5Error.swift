import CHDF5

/// A failure reading or writing an HDF5 file.
///
/// The description names the file, the object (dataset, group or attribute)
/// and what went wrong, e.g.
/// `results/x.h5: dataset 'parameters/gcs/kernel' has shape 3×4, expected 5×4`.
/// When the failure came from the HDF5 library, its innermost message is
/// appended, because that is usually the one that explains the cause
/// (e.g. `truncated file: eof = 2048, ...`).
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file the operation was on.
  public let path: String
  /// What went wrong, naming the object involved.
  public let message: String
  /// The HDF5 library's own explanation, when a library call failed.
  public let libraryDetail: String?

  /// An error about the file at `path`; `libraryDetail` is HDF5's message.
  public init(path: String, message: String, libraryDetail: String? = nil) {
    self.path = path
    self.message = message
    self.libraryDetail = libraryDetail
  }

  /// `"<path>: <message>"`, plus `" [HDF5: <detail>]"` when there is one.
  public var description: String {
    let base = "\(path): \(message)"
    guard let libraryDetail else { return base }
    return base + " [HDF5: \(libraryDetail)]"
  }

  /// An error for a failed library call, carrying the message HDF5 left on
  /// its error stack (automatic printing is off, so this is the only place
  /// it shows up).
  static func library(path: String, _ message: String) -> HDF5Error {
    HDF5Error(path: path, message: message, libraryDetail: innermostLibraryMessage())
  }
}

/// The description of the innermost (first detected) entry on HDF5's
/// default error stack, or nil when the stack is empty. Clears the stack.
private func innermostLibraryMessage() -> String? {
  var messages: [String] = []
  withUnsafeMutablePointer(to: &messages) { pointer in
    // Walking upward starts where the error was detected, which is the most
    // specific message; later entries only say which API call failed.
    _ = H5Ewalk2(
      gpool_h5e_default(), H5E_WALK_UPWARD,
      { _, entry, clientData in
        guard let entry, let clientData, let text = entry.pointee.desc else { return 0 }
        let message = String(cString: text)
        if !message.isEmpty {
          clientData.assumingMemoryBound(to: [String].self).pointee.append(message)
        }
        return 0
      }, pointer)
  }
  _ = H5Eclear2(gpool_h5e_default())
  return messages.first
}
