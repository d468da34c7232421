import Synchronization

/// A process-wide lock around HDF5 work.
///
/// Many HDF5 builds (Homebrew's, most self-built ones) are not thread-safe,
/// and even thread-safe builds serialise internally; the harness writes
/// checkpoints from concurrent runs, so every file's whole lifetime (open,
/// reads or writes, close) runs under this lock.
public enum HDF5Lock {
  private static let mutex = Mutex<Void>(())

  /// Runs `body` while no other thread uses HDF5 through this lock.
  public static func withExclusiveAccess<T>(_ body: () throws -> T) throws -> T {
    try mutex.withLock { _ in try body() }
  }
}
