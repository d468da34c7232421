import Foundation
import TensorCore
import XCTest

@testable import GraphData

final class NumPyReaderTests: XCTestCase {
  // MARK: Files written by NumPy 2.4 (`numpy.lib.format.write_array`)

  /// `np.array([[1.5, -2, 3], [4, 5, 6.25]])` ('<f8', version 1.0).
  static let float64Matrix =
    "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046"
    + "616c73652c20277368617065273a2028322c2033292c207d" + String(repeating: "20", count: 58)
    + "0a000000000000f83f00000000000000c000000000000008400000000000001040000000000000144000"
    + "00000000001940"
  /// `np.array([True, False, True])` ('|b1').
  static let bools =
    "934e554d5059010076007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046"
    + "616c73652c20277368617065273a2028332c292c207d" + String(repeating: "20", count: 60)
    + "0a010001"
  /// `np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64))`.
  static let fortranInt64 =
    "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2054"
    + "7275652c20277368617065273a2028322c2033292c207d" + String(repeating: "20", count: 59)
    + "0a01000000000000000400000000000000020000000000000005000000000000000300000000000000"
    + "0600000000000000"
  /// `np.array([7, 255], dtype=np.uint8)` written as version 2.0.
  static let uint8Version2 =
    "934e554d50590200740000007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a"
    + "2046616c73652c20277368617065273a2028322c292c207d" + String(repeating: "20", count: 58)
    + "0a07ff"
  /// `np.array([-1, 2], dtype=np.int32)` written as version 3.0.
  static let int32Version3 =
    "934e554d50590300740000007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a"
    + "2046616c73652c20277368617065273a2028322c292c207d" + String(repeating: "20", count: 58)
    + "0affffffff02000000"

  func testArraysWrittenByNumPy() throws {
    let matrix = try NumPyReader.decode(hexBytes(Self.float64Matrix), source: "m.npy")
    XCTAssertEqual(matrix.shape, [2, 3])
    XCTAssertEqual(matrix.elements, .float64([1.5, -2, 3, 4, 5, 6.25]))
    XCTAssertEqual(matrix.dataType.descr, "<f8")

    let bools = try NumPyReader.decode(hexBytes(Self.bools), source: "b.npy")
    XCTAssertEqual(bools.shape, [3])
    XCTAssertEqual(bools.elements, .bool([true, false, true]))
    XCTAssertEqual(bools.doubleValues(), [1, 0, 1])

    // Fortran order is reordered to C order.
    let fortran = try NumPyReader.decode(hexBytes(Self.fortranInt64), source: "f.npy")
    XCTAssertEqual(fortran.shape, [2, 3])
    XCTAssertEqual(fortran.elements, .int64([1, 2, 3, 4, 5, 6]))

    let bytes = try NumPyReader.decode(hexBytes(Self.uint8Version2), source: "u.npy")
    XCTAssertEqual(bytes.elements, .uint8([7, 255]))
    let header = try NumPyReader.parseHeader(hexBytes(Self.uint8Version2), source: "u.npy")
    XCTAssertEqual(header.version.major, 2)
    XCTAssertEqual(header.dataOffset, 128)

    let ints = try NumPyReader.decode(hexBytes(Self.int32Version3), source: "i.npy")
    XCTAssertEqual(ints.elements, .int32([-1, 2]))
  }

  // MARK: Headers built here, for every supported dtype

  /// A version-1.0 `.npy` file with the given header text and payload.
  static func npy(_ header: String, _ payload: [UInt8]) -> [UInt8] {
    let text = Array((header + "\n").utf8)
    return NumPyReader.magic + [1, 0] + littleEndianBytes(UInt16(text.count)) + text + payload
  }

  static func header(_ descr: String, _ shape: String, fortran: Bool = false) -> String {
    "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
  }

  func testEveryNumericDType() throws {
    let cases: [(String, [UInt8], NPYArray.Elements)] = [
      ("|i1", [0xff, 0x02], .int8([-1, 2])),
      ("|u1", [0xff, 0x02], .uint8([255, 2])),
      ("|b1", [0x01, 0x00], .bool([true, false])),
      ("<i2", [0xfe, 0xff, 0x03, 0x00], .int16([-2, 3])),
      ("<u2", [0xfe, 0xff, 0x03, 0x00], .uint16([65534, 3])),
      ("<i4", [0xfe, 0xff, 0xff, 0xff, 0x03, 0, 0, 0], .int32([-2, 3])),
      ("<u4", [0xfe, 0xff, 0xff, 0xff, 0x03, 0, 0, 0], .uint32([4_294_967_294, 3])),
      (
        "<i8", [0xfe] + [UInt8](repeating: 0xff, count: 7) + [3, 0, 0, 0, 0, 0, 0, 0],
        .int64([-2, 3])
      ),
      ("<u8", [0x05, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0], .uint64([5, 3])),
      ("<f4", [0, 0, 0xc0, 0x3f, 0, 0, 0x20, 0xc1], .float32([1.5, -10])),
      (
        "<f8",
        littleEndianBytes((0.25 as Double).bitPattern) + littleEndianBytes((-3.0).bitPattern),
        .float64([0.25, -3])
      ),
    ]
    for (descr, payload, expected) in cases {
      let array = try NumPyReader.decode(
        Self.npy(Self.header(descr, "(2,)"), payload), source: "\(descr).npy")
      XCTAssertEqual(array.elements, expected, descr)
      XCTAssertEqual(array.shape, [2], descr)
      XCTAssertEqual(array.dataType.descr, descr)
      // What NumPyWriter writes reads back identically.
      XCTAssertEqual(try NumPyReader.decode(NumPyWriter.encode(array), source: "w"), array, descr)
    }
    // A 0-d array and an empty one.
    let scalar = try NumPyReader.decode(
      Self.npy(Self.header("<i4", "()"), [7, 0, 0, 0]), source: "s.npy")
    XCTAssertEqual(scalar.shape, [])
    XCTAssertEqual(scalar.elements, .int32([7]))
    let empty = try NumPyReader.decode(Self.npy(Self.header("<f4", "(0, 5)"), []), source: "e.npy")
    XCTAssertEqual(empty.shape, [0, 5])
    XCTAssertEqual(empty.count, 0)
  }

  func testWriterHeadersAreAlignedLikeNumPy() throws {
    let array = NPYArray(shape: [2, 3], elements: .float64([1.5, -2, 3, 4, 5, 6.25]))
    // NumPy pads the header so the data starts at byte 128 here; the writer
    // produces exactly NumPy's bytes.
    XCTAssertEqual(NumPyWriter.encode(array), hexBytes(Self.float64Matrix))
  }

  // MARK: Errors

  func testUnsupportedDTypesAreNamed() throws {
    let cases: [(String, String)] = [
      ("<c8", "dtype '<c8'"),
      (">f4", "dtype '>f4' (big-endian)"),
      ("<U10", "dtype '<U10'"),
      ("=i4", "dtype '=i4' (no explicit little-endian byte order)"),
    ]
    for (descr, found) in cases {
      XCTAssertThrowsError(
        try NumPyReader.decode(Self.npy(Self.header(descr, "(1,)"), [0, 0, 0, 0]), source: "x.npy")
      ) { error in
        guard case .invalidContent(let file, let message, let expected) = error as? DatasetError
        else {
          return XCTFail("unexpected error \(error)")
        }
        XCTAssertEqual(file, "x.npy")
        XCTAssertEqual(message, found)
        XCTAssertTrue(expected.contains("'<f4'"), expected)
      }
    }
    // A structured dtype (a list descr).
    XCTAssertThrowsError(
      try NumPyReader.decode(
        Self.npy(
          "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]),
        source: "s.npy")
    ) { error in
      XCTAssertTrue("\(error)".contains("structured dtype"), "\(error)")
    }
  }

  func testUnexpectedDTypeInsideAnArchiveNamesFileMemberAndDType() throws {
    let directory = try temporaryDirectory(self)
    let path = (directory as NSString).appendingPathComponent("bad.npz")
    let complex = Self.npy(Self.header("<c8", "(1,)"), [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40])
    let floats = NumPyWriter.encode(NPYArray(shape: [1], elements: .float32([1])))
    try NPZWriter.write(members: [("tr_class.npy", floats), ("tr_feat.npy", complex)], to: path)
    let archive = try NPZReader(path: path)
    XCTAssertEqual(archive.arrayNames, ["tr_class", "tr_feat"])
    XCTAssertEqual(try archive.array("tr_class").elements, .float32([1]))
    XCTAssertThrowsError(try archive.array("tr_feat")) { error in
      let text = "\(error)"
      XCTAssertTrue(
        text.hasPrefix("\(path) (member tr_feat.npy): found dtype '<c8', expected "), text)
      XCTAssertTrue(text.contains("'<f4'"), text)
    }
    XCTAssertThrowsError(try archive.array("te_adj")) { error in
      XCTAssertTrue("\(error)".contains("no member 'te_adj.npy'"), "\(error)")
    }
  }

  func testTruncatedFiles() throws {
    let full = hexBytes(Self.float64Matrix)
    // Payload cut short.
    XCTAssertThrowsError(
      try NumPyReader.decode(Array(full.dropLast(5)), source: "m.npy")
    ) { error in
      XCTAssertEqual(
        "\(error)",
        "m.npy: found truncated data: 43 data bytes for shape [2, 3] of float64, "
          + "expected 48 bytes (6 elements × 8) (\(DatasetError.replaceHint))")
    }
    // Header cut short.
    XCTAssertThrowsError(try NumPyReader.decode(Array(full.prefix(60)), source: "m.npy")) {
      error in
      XCTAssertTrue("\(error)".contains("truncated data: a 118-byte header with 50 bytes left"))
    }
    XCTAssertThrowsError(try NumPyReader.decode(Array(full.prefix(4)), source: "m.npy")) {
      error in
      XCTAssertTrue("\(error)".contains("truncated data: 4 bytes"), "\(error)")
    }
    // Extra bytes are as suspicious as missing ones.
    XCTAssertThrowsError(try NumPyReader.decode(full + [0], source: "m.npy")) { error in
      XCTAssertTrue("\(error)".contains("49 data bytes"), "\(error)")
    }
    // Not a .npy file at all, or an unknown version.
    XCTAssertThrowsError(try NumPyReader.decode(Array("PK\u{3}\u{4}xxxxxxxx".utf8), source: "z"))
    var version = full
    version[6] = 4
    XCTAssertThrowsError(try NumPyReader.decode(version, source: "v.npy")) { error in
      XCTAssertTrue("\(error)".contains("format version 4.0"), "\(error)")
    }
    // A truncated object-array pickle.
    let objects = NumPyWriter.encode(
      NPYArray(shape: [1], elements: .object([.numpyFloat32Array([1, 0], shape: [1, 2])])))
    XCTAssertNoThrow(try NumPyReader.decode(objects, source: "o.npy"))
    XCTAssertThrowsError(try NumPyReader.decode(Array(objects.dropLast(3)), source: "o.npy")) {
      error in
      guard case .malformedPickle(let pickle) = error as? DatasetError else {
        return XCTFail("unexpected error \(error)")
      }
      XCTAssertEqual(pickle.source, "o.npy")
    }
  }

  func testHeaderErrors() throws {
    for header in [
      "{'descr': '<f4', 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ",
      "__import__('os')",
    ] {
      XCTAssertThrowsError(
        try NumPyReader.decode(Self.npy(header, [0, 0, 0, 0]), source: "h.npy"), header)
    }
    // Python 2's long suffix is accepted.
    let long = try NumPyReader.decode(
      Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1L,), }", [0, 0, 0x80, 0x3f]),
      source: "l.npy")
    XCTAssertEqual(long.elements, .float32([1]))
  }

  // MARK: Object arrays

  func testObjectArraysRoundTripThroughTheSafeUnpickler() throws {
    let matrix = SparseMatrix(
      rows: 3, columns: 3, entries: [(0, 1, 1), (1, 0, 1), (1, 2, 1), (2, 1, 1)])
    let features = PickleValue.numpyFloat32Array([1, 0, 0, 1, 0.5, 0], shape: [3, 2])
    let array = NPYArray(
      shape: [3],
      elements: .object([
        .scipyCSRMatrix(matrix), features,
        .scipyCSRMatrix(SparseMatrix(rows: 2, columns: 2, entries: [])),
      ]))
    let decoded = try NumPyReader.decode(NumPyWriter.encode(array), source: "o.npy")
    let items = try XCTUnwrap(decoded.objects)
    XCTAssertEqual(items.count, 3)
    XCTAssertEqual(try items[0].sparseMatrix(source: "o"), matrix)
    let dense = try items[1].numpyArray(source: "o")
    XCTAssertEqual(dense.shape, [3, 2])
    XCTAssertEqual(dense.floatValues(), [1, 0, 0, 1, 0.5, 0])
    // An edgeless graph pickles empty buffers as `__builtin__.bytes()`.
    XCTAssertEqual(try items[2].sparseMatrix(source: "o").nonzeroCount, 0)
  }

  func testLatin1BytesFromPython3Pickles() throws {
    // pickle.dumps(b'ab\xff', protocol=2) from Python 3.
    let python = hexBytes(
      "8002635f636f646563730a656e636f64650a710058040000006162c3bf710158060000006c6174696e31"
        + "71028671035271042e")
    XCTAssertEqual(try SafeUnpickler.unpickle(python, source: "p"), .bytes([0x61, 0x62, 0xff]))
    // Only latin-1, and only code points below 256.
    let other = hexBytes(
      "8002635f636f646563730a656e636f64650a580100000061 5805000000 7574662d38 86 52 2e")
    XCTAssertThrowsError(try SafeUnpickler.unpickle(other, source: "p"))
    let wide = hexBytes(
      "8002635f636f646563730a656e636f64650a5802000000c480 5806000000 6c6174696e31 86 52 2e")
    XCTAssertThrowsError(try SafeUnpickler.unpickle(wide, source: "p")) { error in
      XCTAssertTrue("\(error)".contains("U+100"), "\(error)")
    }
  }
}
