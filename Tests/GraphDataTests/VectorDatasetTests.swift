import Foundation
import GraphData
import XCTest

/// The gzip and IDX readers on bytes worked out here, their errors on
/// damaged input, and the NeuNcut vector datasets on the data mirror.
final class VectorDatasetTests: XCTestCase {
  /// gzip (with a file name field, as Python's gzip module writes it) of the
  /// IDX label file [3, 1, 4]: magic 00 00 08 01, count 3, then the bytes.
  let gzippedLabels: [UInt8] = [
    0x1f, 0x8b, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0x74, 0x2e, 0x69, 0x64, 0x78, 0x00,
    0x63, 0x60, 0xe0, 0x60, 0x64, 0x60, 0x60, 0x60, 0x66, 0x66, 0x64, 0x01, 0x00, 0x85, 0xf7, 0x70,
    0x12, 0x0b, 0x00, 0x00, 0x00,
  ]

  func testGzipAndIDXByHand() throws {
    let raw = try GzipReader.decompress(gzippedLabels, file: "t.idx.gz", limit: 1 << 20)
    XCTAssertEqual(raw, [0, 0, 8, 1, 0, 0, 0, 3, 3, 1, 4])
    let idx = try IDXReader.read(raw, file: "t.idx")
    XCTAssertEqual(idx.dimensions, [3])
    XCTAssertEqual(idx.values, [3, 1, 4])
  }

  func testDamagedInputIsAnErrorNamingTheFile() {
    var flipped = gzippedLabels
    flipped[20] ^= 0x40  // inside the DEFLATE data
    var badCRC = gzippedLabels
    badCRC[gzippedLabels.count - 8] ^= 1
    let cases: [(String, [UInt8])] = [
      ("not gzip", [UInt8](repeating: 7, count: 40)),
      ("truncated", Array(gzippedLabels.prefix(24)) + Array(gzippedLabels.suffix(8))),
      ("flipped bit", flipped),
      ("wrong CRC", badCRC),
    ]
    for (name, bytes) in cases {
      XCTAssertThrowsError(try GzipReader.decompress(bytes, file: "x.gz", limit: 1 << 20), name) {
        XCTAssertTrue("\($0)".contains("x.gz"), "\(name): \($0)")
      }
    }
    XCTAssertThrowsError(try GzipReader.decompress(gzippedLabels, file: "x.gz", limit: 4)) {
      XCTAssertTrue("\($0)".contains("limit"), "\($0)")
    }
    // IDX: wrong type, and a size that does not fill the file.
    XCTAssertThrowsError(
      try IDXReader.read([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], file: "f.idx"))
    XCTAssertThrowsError(try IDXReader.read([0, 0, 8, 1, 0, 0, 0, 4, 1, 2], file: "f.idx")) {
      XCTAssertTrue("\($0)".contains("f.idx"), "\($0)")
    }
  }

  private var mirror: String? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return [
      ProcessInfo.processInfo.environment["GPOOL_DATA_MIRROR"],
      root.appendingPathComponent("../shared/data").standardized.path,
      root.appendingPathComponent("data").path,
    ].compactMap { $0 }.first {
      FileManager.default.fileExists(atPath: "\($0)/vectors/usps/usps.h5")
    }
  }

  /// The MNIST test set's published class counts (and its first digit, a 7);
  /// USPS's 7,291 + 2,007 images of 256 pixels.
  func testMirrorDatasets() throws {
    guard let mirror else { throw XCTSkip("no data mirror with vectors/") }
    let mnist = try VectorDataset.load("mnist-test", dataDirectory: mirror)
    XCTAssertEqual(mnist.features.rows, 10_000)
    XCTAssertEqual(mnist.features.columns, 784)
    XCTAssertEqual(mnist.labels[0], 7)
    let counts = (0..<10).map { d in mnist.labels.filter { $0 == d }.count }
    XCTAssertEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    XCTAssertEqual(mnist.features.storage.max(), 1)
    let usps = try VectorDataset.load("usps", dataDirectory: mirror)
    XCTAssertEqual(usps.features.rows, 9298)
    XCTAssertEqual(usps.features.columns, 256)
    XCTAssertEqual(Set(usps.labels), Set(0..<10))
    XCTAssertThrowsError(try VectorDataset.load("cifar", dataDirectory: mirror))
  }
}
