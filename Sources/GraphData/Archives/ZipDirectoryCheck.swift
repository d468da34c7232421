import Foundation

/// Checks a zip file's central directory before ZIPFoundation reads it.
///
/// ZIPFoundation trusts the sizes and offsets it finds there: an offset past
/// the end of the file, or a declared size near 2^64, traps inside it, and a
/// tiny deflated member can claim to expand to terabytes. Every member's
/// local-header offset and compressed size must lie inside the file, and its
/// uncompressed size must fit both `maximumMemberBytes` and the largest
/// expansion deflate can produce (about 1032:1). Cost O(central directory).
enum ZipDirectoryCheck {
  /// Largest member the readers accept (8 GiB; COLLAB's text is 84 MB).
  static let maximumMemberBytes: UInt64 = 8 << 30

  /// The declared uncompressed size of each member, by path.
  static func validate(path: String) throws -> [String: UInt64] {
    func corrupt(_ reason: String) -> DatasetError {
      .unreadable(path: path, reason: "not a readable zip archive (\(reason))")
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw DatasetError.unreadable(path: path, reason: "it could not be opened")
    }
    defer { try? handle.close() }
    let fileSize = try handle.seekToEnd()
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
      guard offset <= fileSize, UInt64(count) <= fileSize - offset else {
        throw corrupt("a record at offset \(offset) runs past the end of the file")
      }
      try handle.seek(toOffset: offset)
      let data = try handle.read(upToCount: count) ?? Data()
      guard data.count == count else { throw corrupt("short read at offset \(offset)") }
      return [UInt8](data)
    }

    // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
    let tailLength = Int(min(fileSize, 65_557))
    let tail = try read(at: fileSize - UInt64(tailLength), count: tailLength)
    guard tailLength >= 22,
      let eocd = stride(from: tailLength - 22, through: 0, by: -1).first(where: {
        tail.uint32(at: $0) == 0x0605_4b50
      })
    else {
      throw corrupt("no end-of-central-directory record: truncated or not a zip")
    }
    var entryCount = UInt64(tail.uint16(at: eocd + 10))
    var directorySize = UInt64(tail.uint32(at: eocd + 12))
    var directoryOffset = UInt64(tail.uint32(at: eocd + 16))
    if eocd >= 20, tail.uint32(at: eocd - 20) == 0x0706_4b50 {
      // Zip64: the real counts live in the zip64 end-of-central-directory record.
      let record = try read(at: tail.uint64(at: eocd - 20 + 8), count: 56)
      guard record.uint32(at: 0) == 0x0606_4b50 else { throw corrupt("bad zip64 record") }
      entryCount = record.uint64(at: 32)
      directorySize = record.uint64(at: 40)
      directoryOffset = record.uint64(at: 48)
    }
    guard directoryOffset <= fileSize, directorySize <= fileSize - directoryOffset,
      entryCount <= directorySize / 46
    else {
      throw corrupt("the central directory lies outside the file")
    }
    let directory = try read(at: directoryOffset, count: Int(directorySize))

    var sizes: [String: UInt64] = [:]
    var p = 0
    for _ in 0..<entryCount {
      guard p + 46 <= directory.count, directory.uint32(at: p) == 0x0201_4b50 else {
        throw corrupt("a damaged central-directory entry")
      }
      let method = directory.uint16(at: p + 10)
      var compressed = UInt64(directory.uint32(at: p + 20))
      var uncompressed = UInt64(directory.uint32(at: p + 24))
      let nameLength = Int(directory.uint16(at: p + 28))
      let extraLength = Int(directory.uint16(at: p + 30))
      let commentLength = Int(directory.uint16(at: p + 32))
      var localOffset = UInt64(directory.uint32(at: p + 42))
      let end = p + 46 + nameLength + extraLength + commentLength
      guard end <= directory.count else { throw corrupt("a damaged central-directory entry") }
      let name = String(decoding: directory[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
      // Zip64 extra field: 64-bit values for the fields stored as 0xFFFFFFFF.
      var q = p + 46 + nameLength
      while q + 4 <= p + 46 + nameLength + extraLength {
        let id = directory.uint16(at: q)
        let size = Int(directory.uint16(at: q + 2))
        if id == 0x0001 {
          var r = q + 4
          for field in [0, 1, 2] {
            let isWide: Bool =
              field == 0
              ? uncompressed == 0xFFFF_FFFF
              : field == 1 ? compressed == 0xFFFF_FFFF : localOffset == 0xFFFF_FFFF
            guard isWide else { continue }
            guard r + 8 <= q + 4 + size else { throw corrupt("a damaged zip64 field of \(name)") }
            let value = directory.uint64(at: r)
            switch field {
            case 0: uncompressed = value
            case 1: compressed = value
            default: localOffset = value
            }
            r += 8
          }
        }
        q += 4 + size
      }
      guard localOffset < fileSize, compressed <= fileSize - localOffset else {
        throw corrupt("member \(name) claims data beyond the end of the file")
      }
      let expansion =
        method == 0
        ? compressed : compressed.multipliedReportingOverflow(by: 1100).partialValue + 1024
      guard uncompressed <= maximumMemberBytes, uncompressed <= expansion else {
        throw corrupt("member \(name) claims \(uncompressed) bytes from \(compressed) compressed")
      }
      sizes[name] = uncompressed
      p = end
    }
    return sizes
  }
}

extension [UInt8] {
  fileprivate func uint16(at i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
  fileprivate func uint32(at i: Int) -> UInt32 {
    UInt32(uint16(at: i)) | UInt32(uint16(at: i + 2)) << 16
  }
  fileprivate func uint64(at i: Int) -> UInt64 {
    UInt64(uint32(at: i)) | UInt64(uint32(at: i + 4)) << 32
  }
}
