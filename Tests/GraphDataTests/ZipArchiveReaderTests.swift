import Foundation
import GraphData
import XCTest

/// The zip reader refuses archives whose central directory lies about sizes
/// or offsets, instead of trapping inside ZIPFoundation or allocating what
/// the header claims.
final class ZipArchiveReaderTests: XCTestCase {
  /// A stored (uncompressed) zip holding one member `a.txt` = "hello", with
  /// hooks to corrupt the central-directory fields.
  private func zip(
    method: UInt16 = 0, uncompressed: UInt32 = 5, localOffset: UInt32 = 0
  ) -> [UInt8] {
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xffff)) + le16(UInt16(v >> 16)) }
    let name = Array("a.txt".utf8)
    let data = Array("hello".utf8)
    let crc: UInt32 = 0x3610_a686  // CRC-32 of "hello"
    var out = le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0)
    out += le32(crc) + le32(5) + le32(5) + le16(UInt16(name.count)) + le16(0) + name + data
    let directoryOffset = UInt32(out.count)
    var directory = le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(method) + le16(0)
    directory += le16(0) + le32(crc) + le32(5) + le32(uncompressed) + le16(UInt16(name.count))
    directory += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(localOffset) + name
    out += directory
    out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(1) + le16(1)
    out += le32(UInt32(directory.count)) + le32(directoryOffset) + le16(0)
    return out
  }

  private func write(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("zip-\(UUID()).zip")
      .path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  func testWellFormedArchiveReads() throws {
    let reader = try ZipArchiveReader(path: try write(zip()))
    XCTAssertEqual(reader.memberPaths, ["a.txt"])
    XCTAssertEqual(try reader.readMember("a.txt"), Array("hello".utf8))
  }

  func testImplausibleExpansionIsRejected() throws {
    // A deflated member of 5 bytes cannot expand to 2^31 bytes.
    let path = try write(zip(method: 8, uncompressed: 0x8000_0000))
    XCTAssertThrowsError(try ZipArchiveReader(path: path)) {
      XCTAssertTrue("\($0)".contains("a.txt"), "\($0)")
      XCTAssertTrue("\($0)".contains(path), "\($0)")
    }
  }

  func testOffsetBeyondTheFileIsRejected() throws {
    let path = try write(zip(localOffset: 0xFFFF_FF00))
    XCTAssertThrowsError(try ZipArchiveReader(path: path)) {
      XCTAssertTrue("\($0)".contains("beyond the end of the file"), "\($0)")
    }
  }

  func testTruncatedArchiveIsRejected() throws {
    let bytes = zip()
    let path = try write(Array(bytes.prefix(bytes.count - 10)))
    XCTAssertThrowsError(try ZipArchiveReader(path: path)) {
      XCTAssertTrue("\($0)".contains("end-of-central-directory"), "\($0)")
    }
  }
}
