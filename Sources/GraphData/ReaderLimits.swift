/// Bounds on what a dataset reader accepts, checked before anything is
/// parsed, so a hostile or mistaken file (a small zip that inflates to
/// gigabytes of valid lines) gives a clear error instead of exhausting
/// memory.
public struct ReaderLimits: Sendable, Equatable {
  /// The most bytes the files of one dataset may hold together, uncompressed.
  public var maximumUncompressedBytes: UInt64

  public init(maximumUncompressedBytes: UInt64) {
    self.maximumUncompressedBytes = maximumUncompressedBytes
  }

  /// 512 MiB: above every dataset of the tables this harness reproduces
  /// (the largest, COLLAB, is 84 MB uncompressed in its GIN form; the TU
  /// datasets here are under 20 MB), and well below a 24 GiB machine (the TU
  /// reader peaked at 1.90 GB on a 1 GiB edge file, about 1.8 bytes per
  /// byte of text). Raise it
  /// with `gpool datasets --max-dataset-mib`.
  public static let standard = ReaderLimits(maximumUncompressedBytes: 512 << 20)

  /// The limit in MiB, as options spell it.
  public var mebibytes: UInt64 { maximumUncompressedBytes >> 20 }

}
