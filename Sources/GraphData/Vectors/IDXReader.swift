/// Reads the IDX format of the MNIST files (LeCun et al.): a big-endian
/// magic 0x0000_08_D (unsigned bytes, D dimensions), D big-endian UInt32
/// sizes, then the bytes row-major. Cost O(file size).
public enum IDXReader {
  /// The dimensions and the bytes of an unsigned-byte IDX file (`file` for
  /// errors). The data must fill the file exactly.
  public static func read(_ bytes: [UInt8], file: String) throws(DatasetError) -> (
    dimensions: [Int], values: [UInt8]
  ) {
    func invalid(_ found: String) -> DatasetError {
      .invalidContent(file: file, found: found, expected: "an IDX file of unsigned bytes")
    }
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
      throw invalid("no IDX magic (two zero bytes first)")
    }
    guard bytes[2] == 0x08 else {
      throw invalid("element type 0x\(String(bytes[2], radix: 16)), not unsigned byte (0x08)")
    }
    let rank = Int(bytes[3])
    guard (1...4).contains(rank), bytes.count >= 4 + 4 * rank else {
      throw invalid("\(rank) dimensions in a file of \(bytes.count) bytes")
    }
    var dimensions: [Int] = []
    for d in 0..<rank {
      let o = 4 + 4 * d
      dimensions.append(
        Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
    }
    let count = dimensions.reduce(1, *)
    let header = 4 + 4 * rank
    guard bytes.count - header == count else {
      throw invalid(
        "dimensions \(dimensions) (\(count) bytes) but \(bytes.count - header) bytes of data")
    }
    return (dimensions, Array(bytes[header...]))
  }
}
