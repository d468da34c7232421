import Foundation
import ZIPFoundation

/// Reads a gzip file (RFC 1952: one member, DEFLATE) into memory: the
/// header and its optional fields are checked, the DEFLATE payload is
/// inflated with ZIPFoundation's zlib binding, and the CRC-32 and length
/// of the trailer are verified, so a truncated or corrupt file is an error
/// naming the file, never garbage. Cost O(compressed + uncompressed bytes).
public enum GzipReader {
  /// The uncompressed bytes of `bytes` (read from `file`, for errors);
  /// more than `limit` uncompressed bytes is an error.
  public static func decompress(_ bytes: [UInt8], file: String, limit: UInt64) throws(DatasetError)
    -> [UInt8]
  {
    func invalid(_ found: String) -> DatasetError {
      .invalidContent(file: file, found: found, expected: "a gzip file (RFC 1952)")
    }
    guard bytes.count >= 18, bytes[0] == 0x1f, bytes[1] == 0x8b else {
      throw invalid("no gzip magic bytes 1f 8b")
    }
    guard bytes[2] == 8 else { throw invalid("compression method \(bytes[2]), not DEFLATE (8)") }
    let flags = bytes[3]
    guard flags & 0xE0 == 0 else { throw invalid("reserved header flags set (\(flags))") }
    var position = 10
    func skip(_ count: Int) throws(DatasetError) {
      position += count
      guard position <= bytes.count - 8 else { throw invalid("a header longer than the file") }
    }
    if flags & 0x04 != 0 {  // FEXTRA
      try skip(2)
      try skip(Int(bytes[position - 2]) | Int(bytes[position - 1]) << 8)
    }
    for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT
      while position < bytes.count - 8 && bytes[position] != 0 { position += 1 }
      try skip(1)
    }
    if flags & 0x02 != 0 { try skip(2) }  // FHCRC
    let payloadEnd = bytes.count - 8
    let trailer = bytes[payloadEnd...].map(UInt32.init)
    let expectedCRC =
      trailer[0] | trailer[1] << 8 | trailer[2] << 16 | trailer[3] << 24
    let expectedLength =
      trailer[4] | trailer[5] << 8 | trailer[6] << 16 | trailer[7] << 24
    var output: [UInt8] = []
    var tooLarge = false
    let payload = Data(bytes[position..<payloadEnd])
    // ZIPFoundation's Linux inflate loop sets avail_in to the buffer size
    // whatever the chunk holds and asks for more until the stream ends: so
    // every chunk is padded to the full size, and a stream that has not
    // ended one chunk past the payload is truncated (an error, not a hang).
    let chunkSize = 1 << 16
    let crc: CRC32
    do {
      crc = try Data.decompress(
        size: Int64(payload.count), bufferSize: chunkSize, skipCRC32: false,
        provider: { offset, size in
          let start = Int(offset)
          guard start < payload.count + size else { throw CocoaError(.fileReadCorruptFile) }
          var chunk =
            start < payload.count
            ? payload.subdata(in: start..<min(payload.count, start + size)) : Data()
          if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
          return chunk
        },
        consumer: { chunk in
          guard UInt64(output.count + chunk.count) <= limit else {
            tooLarge = true
            throw CocoaError(.fileReadTooLarge)
          }
          output.append(contentsOf: chunk)
        })
    } catch {
      if tooLarge {
        throw .exceedsLimit(
          file: file, bytes: UInt64(output.count), largest: file, limit: limit)
      }
      throw invalid("a DEFLATE stream that does not inflate (\(error))")
    }
    guard crc == expectedCRC else {
      throw invalid(
        "CRC-32 \(String(crc, radix: 16)) of the inflated data, trailer says "
          + String(expectedCRC, radix: 16))
    }
    guard UInt32(truncatingIfNeeded: output.count) == expectedLength else {
      throw invalid("\(output.count) inflated bytes, trailer says \(expectedLength)")
    }
    return output
  }
}
