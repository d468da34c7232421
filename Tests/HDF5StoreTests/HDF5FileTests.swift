import Foundation
import HDF5Store
import XCTest

final class HDF5FileTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("HDF5FileTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  /// Runs `body`, which must throw an `HDF5Error`, and returns its description.
  private func errorDescription(_ body: () throws -> Void, line: UInt = #line) -> String {
    do {
      try body()
      XCTFail("expected an HDF5Error", line: line)
    } catch let error as HDF5Error {
      return error.description
    } catch {
      XCTFail("expected an HDF5Error, got \(error)", line: line)
    }
    return ""
  }

  func testFloatMatricesRoundTripBitExactly() throws {
    let file = path("matrices.h5")
    // Values whose bit patterns a lossy path would change: -0, NaN payloads,
    // infinities, subnormals.
    let special: [Float] = [
      0, -0.0, .nan, Float(bitPattern: 0x7FC0_1234), .infinity, -.infinity,
      .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.0 / 3.0, -2.5, 1e-30, 42,
    ]
    let writer = try HDF5File.create(at: file)
    try writer.writeFloatMatrix("parameters/gcs1/kernel", rows: 3, columns: 4, values: special)
    try writer.writeFloatMatrix("top", rows: 1, columns: 2, values: [1, 2])
    try writer.writeFloatMatrix("empty", rows: 0, columns: 3, values: [])
    try writer.close()

    let reader = try HDF5File.open(at: file)
    let kernel = try reader.readFloatMatrix("parameters/gcs1/kernel")
    XCTAssertEqual(kernel.rows, 3)
    XCTAssertEqual(kernel.columns, 4)
    XCTAssertEqual(kernel.values.map(\.bitPattern), special.map(\.bitPattern))
    let top = try reader.readFloatMatrix("/top")
    XCTAssertEqual(top.rows, 1)
    XCTAssertEqual(top.columns, 2)
    XCTAssertEqual(top.values, [1, 2])
    let empty = try reader.readFloatMatrix("empty")
    XCTAssertEqual(empty.rows, 0)
    XCTAssertEqual(empty.columns, 3)
    XCTAssertEqual(empty.values, [])
    XCTAssertEqual(try reader.datasetShape("parameters/gcs1/kernel"), [3, 4])
  }

  func testIntegerAndDoubleArraysRoundTrip() throws {
    let file = path("arrays.h5")
    let unsigned: [UInt64] = [0, 1, UInt64.max, 0x9E37_79B9_7F4A_7C15]
    let signed: [Int64] = [Int64.min, -1, 0, 1, Int64.max]
    let doubles: [Double] = [0.1, -0.0, .infinity, Double.pi]
    let writer = try HDF5File.create(at: file)
    try writer.writeUInt64Array("rng_state", unsigned)
    try writer.writeInt64Array("counts/signed", signed)
    try writer.writeInt64Array("counts/none", [])
    try writer.writeDoubleArray("losses", doubles)
    try writer.close()

    let reader = try HDF5File.open(at: file)
    XCTAssertEqual(try reader.readUInt64Array("rng_state"), unsigned)
    XCTAssertEqual(try reader.readInt64Array("counts/signed"), signed)
    XCTAssertEqual(try reader.readInt64Array("counts/none"), [])
    XCTAssertEqual(
      try reader.readDoubleArray("losses").map(\.bitPattern), doubles.map(\.bitPattern))
  }

  func testAttributesRoundTripIncludingUnicodeJSON() throws {
    let file = path("attributes.h5")
    let json = """
      {"name": "Zürich – 東京 🚀", "escaped": "tab\\t quote\\" backslash\\\\", \
      "nested": {"lr": 0.001, "layers": [64, 32]}}
      """
    let writer = try HDF5File.create(at: file)
    try writer.writeFloatMatrix("parameters/w", rows: 1, columns: 1, values: [1])
    try writer.writeAttribute("config", json)
    try writer.writeAttribute("empty", "")
    try writer.writeAttribute("format", "old")
    try writer.writeAttribute("format", "gpool-test-1")  // replaces the first value
    try writer.writeAttribute("iteration", 123)
    try writer.writeAttribute("big", Int64.min)
    try writer.writeAttribute("learning_rate", Float(1e-3))
    try writer.writeAttribute("ratio", 0.1)
    try writer.writeAttribute("note", "a dataset attribute", on: "parameters/w")
    try writer.writeAttribute("count", 7, on: "parameters")
    try writer.close()

    let reader = try HDF5File.open(at: file)
    XCTAssertEqual(try reader.readStringAttribute("config"), json)
    XCTAssertEqual(try reader.readStringAttribute("empty"), "")
    XCTAssertEqual(try reader.readStringAttribute("format"), "gpool-test-1")
    XCTAssertEqual(try reader.readInt64Attribute("iteration"), 123)
    XCTAssertEqual(try reader.readInt64Attribute("big"), Int64.min)
    XCTAssertEqual(
      try reader.readFloatAttribute("learning_rate").bitPattern, Float(1e-3).bitPattern)
    XCTAssertEqual(try reader.readDoubleAttribute("ratio"), 0.1)
    XCTAssertEqual(
      try reader.readStringAttribute("note", on: "parameters/w"), "a dataset attribute")
    XCTAssertEqual(try reader.readInt64Attribute("count", on: "parameters"), 7)
    XCTAssertTrue(reader.hasAttribute("config"))
    XCTAssertTrue(reader.hasAttribute("note", on: "parameters/w"))
    XCTAssertFalse(reader.hasAttribute("note"))
    XCTAssertFalse(reader.hasAttribute("note", on: "no/such/object"))
  }

  func testListingAndExistence() throws {
    let file = path("listing.h5")
    let writer = try HDF5File.create(at: file)
    try writer.writeFloatMatrix("parameters/b/kernel", rows: 1, columns: 1, values: [0])
    try writer.writeFloatMatrix("parameters/a", rows: 1, columns: 1, values: [0])
    try writer.writeUInt64Array("rng_state", [1, 2, 3, 4])
    try writer.writeFloatMatrix("optimizer/first_moment/a", rows: 1, columns: 1, values: [0])
    XCTAssertEqual(
      writer.listDatasets(),
      ["optimizer/first_moment/a", "parameters/a", "parameters/b/kernel", "rng_state"])
    try writer.close()

    let reader = try HDF5File.open(at: file)
    XCTAssertEqual(
      reader.listDatasets(under: "parameters"), ["parameters/a", "parameters/b/kernel"])
    XCTAssertEqual(reader.listDatasets(under: "missing"), [])
    XCTAssertTrue(reader.hasDataset("parameters/b/kernel"))
    XCTAssertTrue(reader.hasDataset("/rng_state"))
    XCTAssertFalse(reader.hasDataset("parameters/b"))  // a group
    XCTAssertFalse(reader.hasDataset("parameters/c"))
    XCTAssertFalse(reader.hasDataset("nothing/here/at/all"))
    XCTAssertFalse(reader.hasDataset("rng_state/below"))
    XCTAssertFalse(reader.hasDataset(""))
  }

  func testReadingTheWrongTypeOrRankThrows() throws {
    let file = path("types.h5")
    let writer = try HDF5File.create(at: file)
    try writer.writeUInt64Array("words", [1, 2])
    try writer.writeFloatMatrix("matrix", rows: 2, columns: 2, values: [1, 2, 3, 4])
    try writer.writeFloatArray("vector", [1, 2, 3])
    try writer.writeAttribute("text", "hello")
    try writer.close()

    let reader = try HDF5File.open(at: file)
    let signedness = errorDescription { _ = try reader.readInt64Array("words") }
    XCTAssertEqual(signedness, "\(file): dataset 'words' holds uint64 values, expected int64")
    let element = errorDescription { _ = try reader.readUInt64Array("matrix") }
    XCTAssertTrue(element.contains("'matrix' holds float32 values, expected uint64"), element)
    let vectorAsMatrix = errorDescription { _ = try reader.readFloatMatrix("vector") }
    XCTAssertTrue(
      vectorAsMatrix.contains("dataset 'vector' has shape 3, expected a 2-D array"), vectorAsMatrix)
    let matrixAsVector = errorDescription { _ = try reader.readFloatArray("matrix") }
    XCTAssertTrue(
      matrixAsVector.contains("dataset 'matrix' has shape 2×2, expected a 1-D array"),
      matrixAsVector)
    XCTAssertEqual(try reader.readFloatArray("vector"), [1, 2, 3])
    let attribute = errorDescription { _ = try reader.readInt64Attribute("text") }
    XCTAssertTrue(
      attribute.contains("root attribute 'text' holds a string value, expected int64"), attribute)
    let notString = errorDescription { _ = try reader.readStringAttribute("iteration") }
    XCTAssertEqual(notString, "\(file): root attribute 'iteration' is missing")
  }

  func testMissingDatasetThrowsNamingFileAndDataset() throws {
    let file = path("missing.h5")
    let writer = try HDF5File.create(at: file)
    try writer.writeFloatMatrix("parameters/a", rows: 1, columns: 1, values: [0])
    try writer.close()
    let reader = try HDF5File.open(at: file)
    let missing = errorDescription { _ = try reader.readFloatMatrix("parameters/gcs/kernel") }
    XCTAssertEqual(missing, "\(file): dataset 'parameters/gcs/kernel' is missing")
    let group = errorDescription { _ = try reader.readFloatMatrix("parameters") }
    XCTAssertTrue(group.contains("'parameters' is a group, not a dataset"), group)
    let below = errorDescription { _ = try reader.readFloatMatrix("parameters/a/x") }
    XCTAssertEqual(below, "\(file): dataset 'parameters/a/x' is missing")
  }

  /// A dataset whose stored dimensions were corrupted to claim 2^40 rows
  /// (4 TiB of floats) is refused before anything is allocated.
  func testACorruptedDimensionIsRefusedBeforeAllocating() throws {
    let file = path("dimension.h5")
    let writer = try HDF5File.create(at: file)
    try writer.writeFloatMatrix(
      "m", rows: 4099, columns: 7, values: (0..<(4099 * 7)).map { Float($0) })
    try writer.close()
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    func littleEndian(_ value: UInt64) -> [UInt8] {
      (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
    // The dataspace message stores the dimensions as 8-byte integers.
    let dimensions = littleEndian(4099) + littleEndian(7)
    var patched = 0
    for offset in 0...(bytes.count - dimensions.count)
    where Array(bytes[offset..<(offset + dimensions.count)]) == dimensions {
      bytes.replaceSubrange(offset..<(offset + 8), with: littleEndian(1 << 40))
      patched += 1
    }
    XCTAssertGreaterThan(patched, 0, "the dimensions were not found in the file")
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    let message = errorDescription {
      let reader = try HDF5File.open(at: file)
      _ = try reader.readFloatMatrix("m")
    }
    XCTAssertTrue(message.hasPrefix("\(file): "), message)
    XCTAssertTrue(message.contains("'m'"), message)
    XCTAssertTrue(message.contains("more data than the"), message)
    XCTAssertFalse(message.contains("\n"), message)
  }

  func testOpeningAFileThatIsNotHDF5Throws() throws {
    let file = path("not-hdf5.h5")
    try Data("this is plain text, not HDF5\n".utf8).write(to: URL(fileURLWithPath: file))
    let message = errorDescription { _ = try HDF5File.open(at: file) }
    XCTAssertTrue(
      message.hasPrefix("\(file): cannot open (not an HDF5 file, or truncated)"), message)
    let absent = errorDescription { _ = try HDF5File.open(at: path("absent.h5")) }
    XCTAssertEqual(absent, "\(path("absent.h5")): cannot open (no such file)")
  }

  func testInvalidWritesThrow() throws {
    let file = path("invalid.h5")
    let writer = try HDF5File.create(at: file)
    try writer.writeFloatMatrix("a/b", rows: 1, columns: 1, values: [0])
    let duplicate = errorDescription {
      try writer.writeFloatMatrix("a/b", rows: 1, columns: 1, values: [0])
    }
    XCTAssertTrue(duplicate.contains("an object with that name exists"), duplicate)
    let through = errorDescription {
      try writer.writeFloatMatrix("a/b/c", rows: 1, columns: 1, values: [0])
    }
    XCTAssertTrue(through.contains("'a/b' is a dataset, not a group"), through)
    let wrongCount = errorDescription {
      try writer.writeFloatMatrix("c", rows: 2, columns: 2, values: [0])
    }
    XCTAssertTrue(wrongCount.contains("1 values do not fill a 2×2 matrix"), wrongCount)
    XCTAssertThrowsError(try writer.writeUInt64Array("a//c", [1]))
    XCTAssertThrowsError(try writer.writeUInt64Array("", [1]))
    let nul = errorDescription { try writer.writeAttribute("s", "a\u{0}b") }
    XCTAssertTrue(nul.contains("NUL"), nul)
    let noObject = errorDescription { try writer.writeAttribute("s", "x", on: "nowhere") }
    XCTAssertTrue(noObject.contains("there is no object 'nowhere'"), noObject)
    try writer.close()
    XCTAssertThrowsError(try writer.readFloatMatrix("a/b"))

    let reader = try HDF5File.open(at: file)
    let readOnly = errorDescription { try reader.writeInt64Array("d", [1]) }
    XCTAssertTrue(readOnly.contains("read-only"), readOnly)
  }

  func testCreatingInAMissingDirectoryThrows() {
    let file = path("no/such/dir/file.h5")
    let message = errorDescription { _ = try HDF5File.create(at: file) }
    XCTAssertTrue(message.hasPrefix("\(file): cannot create"), message)
  }
}
