import GraphData
import TensorCore
import XCTest

/// Pickles below were produced by Python 3.11 (`pickle.dumps(obj, protocol=2)`)
/// or, for the Python-2-only layouts (NumPy arrays and SciPy matrices with
/// `str` buffers), assembled opcode by opcode and checked with
/// `pickle.loads(data, encoding="latin1")` against NumPy 2.4 / SciPy 1.17.
final class SafeUnpicklerTests: XCTestCase {
  private func unpickle(_ hex: String) throws -> PickleValue {
    try SafeUnpickler.unpickle(hexBytes(hex), source: "test.pkl")
  }

  /// The error `body` throws, as a `PickleError` (fails the test otherwise).
  private func pickleError(
    _ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line
  ) -> PickleError? {
    do {
      _ = try body()
      XCTFail("expected an error", file: file, line: line)
    } catch let error as PickleError {
      return error
    } catch {
      XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return nil
  }

  // collections.defaultdict(list, {0: [1, 2], 1: [0], 2: [0, 300, 70000]})
  static let defaultdictHex =
    "800263636f6c6c656374696f6e730a64656661756c74646963740a7100635f5f6275696c74696e5f5f0a6c6973740a71"
    + "01857102527103284b005d7104284b014b02654b015d71054b00614b025d7106284b004d2c014a7011010065752e"

  func testDefaultdictOfLists() throws {
    let value = try unpickle(Self.defaultdictHex)
    guard case .dict(let entries, let factory) = value else { return XCTFail("\(value)") }
    XCTAssertEqual(factory, PickleGlobal(module: "__builtin__", name: "list"))
    XCTAssertEqual(entries.count, 3)
    let lists = try value.adjacencyLists(source: "test.pkl")
    XCTAssertEqual(lists.map(\.node), [0, 1, 2])
    XCTAssertEqual(lists.map(\.neighbours), [[1, 2], [0], [0, 300, 70000]])
  }

  func testBuilderMatchesPythonsDefaultdictLayout() throws {
    // The test helper's graph pickle decodes to the same value.
    let built = try SafeUnpickler.unpickle(
      Py2Pickle.wrap(Py2Pickle.graph([(0, [1, 2]), (1, [0]), (2, [0, 300, 70000])])), source: "b")
    XCTAssertEqual(built, try unpickle(Self.defaultdictHex))
  }

  // (None, True, False, -5, 2**40, -2**40, 1.5, u'héllo', [1, 2], {'a': 1})
  func testScalarsStringsAndContainers() throws {
    let value = try unpickle(
      "8002284e88894afbffffff8a060000000000018a060000000000ff473ff8000000000000580600000068c3a96c6c6f"
        + "71005d7101284b014b02657d710258010000006171034b01737471042e")
    XCTAssertEqual(
      value,
      .tuple([
        .none, .bool(true), .bool(false), .int(-5), .int(1 << 40), .int(-(1 << 40)), .float(1.5),
        .string("héllo"), .list([.int(1), .int(2)]),
        .dict([PickleDictEntry(key: .string("a"), value: .int(1))], defaultFactory: nil),
      ]))
    XCTAssertEqual(value.kindName, "tuple of 10")
  }

  // Python 2 str: ('abc', '\xe9\x00z') as SHORT_BINSTRING and BINSTRING.
  func testPython2StringsAreBytesReadAsLatin1() throws {
    let value = try unpickle("80022855036162635403000000e9007a742e")
    guard case .tuple(let items) = value else { return XCTFail("\(value)") }
    XCTAssertEqual(items[0], .bytes(Array("abc".utf8)))
    XCTAssertEqual(items[1], .bytes([0xe9, 0x00, 0x7a]))
    XCTAssertEqual(items[1].text, "é\u{0}z")
  }

  // l = [1, 2]; [l, l]: the memo must hold the list after its APPENDS.
  func testMemoSharesFilledContainers() throws {
    XCTAssertEqual(
      try unpickle("80025d7100285d7101284b014b02656801652e"),
      .list([.list([.int(1), .int(2)]), .list([.int(1), .int(2)])]))
  }

  // c = []; c.append(c)
  func testReferenceCycleIsRejected() throws {
    let error = pickleError { try self.unpickle("80025d71006800612e") }
    XCTAssertTrue(
      error?.description.contains("reference cycle") ?? false, "\(String(describing: error))")
  }

  // numpy.array([[1, 2, 3], [4, 5, -6]], dtype='<i4') in Python 2's layout.
  static let int32ArrayHex =
    "8002636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a636e756d70790a6e6461"
    + "727261790a4b00855501628752284b01284b024b0374636e756d70790a64747970650a550269344b004b018752284b03"
    + "55013c4e4e4e4affffffff4affffffff4b0074628954180000000100000002000000030000000400000005000000faff"
    + "ffff74622e"

  func testNumPyInt32Array() throws {
    let array = try unpickle(Self.int32ArrayHex).numpyArray(source: "test.pkl")
    XCTAssertEqual(array.shape, [2, 3])
    XCTAssertEqual(array.elements, .int32([1, 2, 3, 4, 5, -6]))
    XCTAssertEqual(array.dtypeName, "int32")
    XCTAssertEqual(array.integerValues(), [1, 2, 3, 4, 5, -6])
    // The test helper writes the same bytes.
    XCTAssertEqual(
      Py2Pickle.wrap(Py2Pickle.int32Array([1, 2, 3, 4, 5, -6], shape: [2, 3])),
      hexBytes(Self.int32ArrayHex))
  }

  // numpy.array([0.5, -2.25, 1e300], dtype='<f8')
  func testNumPyFloat64Array() throws {
    let array = try unpickle(
      "8002636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a636e756d70790a6e64"
        + "6172726179"
        + "0a4b00855501628752284b01284b0374636e756d70790a64747970650a550266384b004b01875228"
        + "4b0355013c4e4e4e4affffffff4affffffff4b007462895418000000000000000000e03f00000000000002c09c75"
        + "00883ce4377e74622e"
    ).numpyArray(source: "test.pkl")
    XCTAssertEqual(array.shape, [3])
    XCTAssertEqual(array.elements, .float64([0.5, -2.25, 1e300]))
  }

  // The int32 stream with byte order '>' in the dtype state.
  func testBigEndianDTypeIsRejected() throws {
    let value = try unpickle(
      "8002636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a636e756d70790a6e64"
        + "61727261790a4b00855501628752284b01284b0274636e756d70790a64747970650a550269344b004b018752284b03"
        + "55013e4e4e4e4affffffff4affffffff4b007462895408000000010000000200000074622e")
    let error = pickleError { try value.numpyArray(source: "ind.x.y") }
    XCTAssertTrue(
      error?.description.contains("byte order '>'") ?? false, "\(String(describing: error))")
    XCTAssertTrue(error?.description.hasPrefix("ind.x.y: ") ?? false)
  }

  // Shape (4,) with 12 bytes of int32 data.
  func testShapeAndByteCountMustAgree() throws {
    let value = try unpickle(
      "8002636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a636e756d70790a6e64"
        + "61727261790a4b00855501628752284b01284b0474636e756d70790a64747970650a550269344b004b018752284b03"
        + "55013c4e4e4e4affffffff4affffffff4b00746289540c00000001000000020000000300000074622e")
    let error = pickleError { try value.numpyArray(source: "t") }
    XCTAssertTrue(
      error?.description.contains("12 data bytes for shape [4]") ?? false,
      "\(String(describing: error))")
  }

  // scipy.sparse.csr_matrix([[0, 1.5, 0], [2, 0, 3]], dtype=float32)
  static let csrHex =
    "80026373636970792e7370617273652e6373720a6373725f6d61747269780a29817d285506666f726d61745503637372"
    + "55065f73686170654b024b03865506696e64707472636e756d70792e636f72652e6d756c746961727261790a5f7265"
    + "636f6e7374727563740a636e756d70790a6e6461727261790a4b00855501628752284b01284b0374636e756d70790a"
    + "64747970650a550269344b004b018752284b0355013c4e4e4e4affffffff4affffffff4b00746289540c000000000000"
    + "0001000000030000007462551e5f63735f6d61747269785f5f6861735f736f727465645f696e6469636573885507696e"
    + "6469636573636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a636e756d7079"
    + "0a6e6461727261790a4b00855501628752284b01284b0374636e756d70790a64747970650a550269344b004b01875228"
    + "4b0355013c4e4e4e4affffffff4affffffff4b00746289540c000000010000000000000002000000746255086d617870"
    + "72696e744b32550464617461636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e737472756374"
    + "0a636e756d70790a6e6461727261790a4b00855501628752284b01284b0374636e756d70790a64747970650a55026634"
    + "4b004b018752284b0355013c4e4e4e4affffffff4affffffff4b00746289540c0000000000c03f000000400000404074"
    + "6275622e"

  func testSciPyCSRMatrix() throws {
    let matrix = try unpickle(Self.csrHex).sparseMatrix(source: "test.pkl")
    XCTAssertEqual(matrix.rows, 2)
    XCTAssertEqual(matrix.columns, 3)
    XCTAssertEqual(matrix.toDense(), Matrix([[0, 1.5, 0], [2, 0, 3]]))
    XCTAssertEqual(
      Py2Pickle.wrap(Py2Pickle.csr(dense: [[0, 1.5, 0], [2, 0, 3]], columns: 3)),
      hexBytes(Self.csrHex))
  }

  func testCSRWithUnsortedDuplicateColumnsIsCanonicalised() throws {
    // Row 0 stores columns [2, 0, 2] with values [2, 1, 3]: SciPy means 1 at 0, 5 at 2.
    let bytes = Py2Pickle.wrap(
      Py2Pickle.csr(rows: 2, columns: 3, indptr: [0, 3, 3], indices: [2, 0, 2], data: [2, 1, 3]))
    let matrix = try SafeUnpickler.unpickle(bytes, source: "t").sparseMatrix(source: "t")
    XCTAssertEqual(matrix.columnIndices, [0, 2])
    XCTAssertEqual(matrix.toDense(), Matrix([[1, 0, 5], [0, 0, 0]]))
  }

  func testCSRValidation() throws {
    func error(_ indptr: [Int32], _ indices: [Int32], _ data: [Float], rows: Int = 2) -> String {
      let bytes = Py2Pickle.wrap(
        Py2Pickle.csr(rows: rows, columns: 3, indptr: indptr, indices: indices, data: data))
      do {
        _ = try SafeUnpickler.unpickle(bytes, source: "ind.t.x").sparseMatrix(source: "ind.t.x")
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    let cases: [(message: String, expected: String)] = [
      (error([0, 1, 2], [0, 3], [1, 1]), "column index 3 in row 1"),
      (error([0, 2, 1, 2], [0, 1], [1, 1], rows: 3), "indptr 2 then 1 at row 1"),
      (error([0, 2, 9, 2], [0, 1], [1, 1], rows: 3), "indptr 2 then 9 at row 1"),
      (error([0, 1], [0], [1]), "2 indptr entries for 2 rows"),
      (error([0, 1, 2], [0, 1], [1]), "1 data values and 2 indices"),
      (error([0, 1, 1], [0, 1], [1, 1]), "indptr from 0 to 1"),
    ]
    for (message, expected) in cases {
      XCTAssertTrue(message.hasPrefix("ind.t.x: found ") && message.contains(expected), message)
    }
  }

  func testForbiddenGlobalIsNeverExecuted() throws {
    // cos\nsystem\n (U'ls') R . : what `pickle.loads` would run as os.system("ls").
    let bytes = hexBytes(
      "8002" + "636f730a73797374656d0a" + "7100" + "55026c73" + "7101" + "85" + "7102" + "52"
        + "7103" + "2e")
    let error = pickleError { try SafeUnpickler.unpickle(bytes, source: "ind.cora.x") }
    XCTAssertEqual(
      error?.description,
      "ind.cora.x: pickle opcode 'c' (GLOBAL) names os.system, which this reader does not allow (offset 2)"
    )
    XCTAssertEqual(error?.reason, .forbiddenGlobal(module: "os", name: "system"))
    // Python 3's spelling and other builtins fare no better.
    for (module, name) in [("posix", "system"), ("builtins", "eval"), ("__builtin__", "set")] {
      let bytes = Py2Pickle.wrap(Py2Pickle.global(module, name))
      XCTAssertEqual(
        pickleError { try SafeUnpickler.unpickle(bytes, source: "x") }?.reason,
        .forbiddenGlobal(module: module, name: name))
    }
  }

  func testAllowedClassesCannotBeMisused() throws {
    // REDUCE on builtins.list (allowed only as a defaultdict factory).
    let bytes = Py2Pickle.wrap(Py2Pickle.global("__builtin__", "list") + [0x29, 0x52])
    let error = pickleError { try SafeUnpickler.unpickle(bytes, source: "x") }
    XCTAssertTrue(error?.description.contains("cannot be called with REDUCE") ?? false)
  }

  func testUnsupportedOpcodes() throws {
    // K 1 then '0' (POP), which this reader does not implement.
    let pop = pickleError { try self.unpickle("80024b01302e") }
    XCTAssertEqual(
      pop?.description, "test.pkl: unsupported pickle opcode 0x30 ('0', POP) at offset 4")
    let junk = pickleError { try self.unpickle("8002ff2e") }
    XCTAssertEqual(junk?.description, "test.pkl: unsupported pickle opcode 0xff at offset 2")
    // INST ('i') would import and call a class in Python.
    let inst = pickleError { try self.unpickle("800228696f730a73797374656d0a2e") }
    XCTAssertEqual(inst?.reason, .unsupportedOpcode(0x69))
    // Protocol 4 (Python 3's default) is refused up front.
    XCTAssertEqual(pickleError { try self.unpickle("80044b012e") }?.reason, .unsupportedProtocol(4))
  }

  func testTruncationAndMissingStop() throws {
    // BINSTRING announcing 16 bytes with only 3 present.
    let truncated = pickleError { try self.unpickle("8002541000000061626" + "3") }
    XCTAssertEqual(
      truncated?.description,
      "test.pkl: truncated pickle at offset 2 (expected 13 more bytes: BINSTRING needs 16, only 3 left)"
    )
    XCTAssertEqual(truncated?.offset, 2)
    // BININT cut after two of its four bytes.
    XCTAssertEqual(
      pickleError { try self.unpickle("80024a0100") }?.reason,
      .truncated(opcode: 0x4a, needed: 4, remaining: 2))
    XCTAssertEqual(pickleError { try self.unpickle("80024b01") }?.reason, .missingStop)
    XCTAssertEqual(
      pickleError { try self.unpickle("8002636f730a7379") }?.reason,
      .truncated(opcode: 0x63, needed: 3, remaining: 2))
  }

  func testStructuralErrors() throws {
    // APPEND onto an int.
    XCTAssertTrue(
      pickleError { try self.unpickle("80024b014b02612e") }?.description.contains("not a list")
        ?? false)
    // BINGET of a key never stored.
    XCTAssertTrue(
      pickleError { try self.unpickle("800268052e") }?.description.contains("memo key 5") ?? false)
    // TUPLE without MARK, and STOP with two values.
    XCTAssertTrue(
      pickleError { try self.unpickle("8002742e") }?.description.contains(
        "without a preceding MARK") ?? false)
    XCTAssertTrue(
      pickleError { try self.unpickle("80024b014b022e") }?.description.contains("2 values") ?? false
    )
    // Popping across a MARK is an underflow.
    XCTAssertTrue(
      pickleError { try self.unpickle("80024b0128852e") }?.description.contains(
        "needs 1 stack item") ?? false)
    // Bytes after STOP.
    XCTAssertTrue(
      pickleError { try self.unpickle("80024b012e00") }?.description.contains("follow the STOP")
        ?? false)
  }

  func testTypedHelpersReportWhatTheyFound() throws {
    let graph = try unpickle(Self.defaultdictHex)
    let error = pickleError { try graph.numpyArray(source: "ind.cora.y") }
    XCTAssertEqual(
      error?.description, "ind.cora.y: found a defaultdict, expected a NumPy array (numpy.ndarray)")
    XCTAssertNotNil(pickleError { try graph.sparseMatrix(source: "ind.cora.x") })
    XCTAssertNotNil(pickleError { try PickleValue.list([.int(1)]).adjacencyLists(source: "g") })
  }
}

/// Hostile or damaged inputs must produce errors, never traps, stack
/// overflows or runaway memory.
final class SafeUnpicklerRobustnessTests: XCTestCase {
  private func rejects(
    _ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      _ = try SafeUnpickler.unpickle(bytes, source: "h")
      XCTFail("accepted", file: file, line: line)
    } catch {
      XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
    }
  }

  func testDeepTupleChainIsRejected() {
    // K 1, then 200 000 × TUPLE1.
    rejects(
      [0x80, 0x02, 0x4b, 0x01] + [UInt8](repeating: 0x85, count: 200_000) + [0x2e], "nested deeper")
  }

  func testDeepListChainThroughTheMemoIsRejectedAndFreedSafely() {
    // 200 000 memoised lists, then list_i.append(list_{i-1}) from the top
    // down: one chain 200 000 deep, built with a flat stack. Converting it
    // must stop at the depth limit, and freeing it must not recurse.
    let n = 200_000
    func key(_ i: Int) -> [UInt8] { Py2Pickle.littleEndian(UInt32(i)) }
    var bytes: [UInt8] = [0x80, 0x02, 0x5d, 0x28]  // sink list, MARK
    for i in 0..<n { bytes += [0x5d, 0x72] + key(i) }  // EMPTY_LIST, LONG_BINPUT i
    for i in stride(from: n - 1, to: 0, by: -1) {
      bytes += [0x6a] + key(i) + [0x6a] + key(i - 1) + [0x61]  // GET i, GET i-1, APPEND
    }
    bytes += [0x65, 0x2e]  // APPENDS into the sink, STOP
    rejects(bytes, "nested deeper")
  }

  func testBillionLaughsIsRejected() {
    // l0 = [1]; l_{k+1} = [l_k, l_k] for 40 levels: 2^40 values if copied.
    var bytes: [UInt8] =
      [0x80, 0x02, 0x28, 0x5d, 0x72] + Py2Pickle.littleEndian(UInt32(0)) + [0x4b, 0x01, 0x61]
    for k in 1...40 {
      bytes += [0x5d, 0x72] + Py2Pickle.littleEndian(UInt32(k)) + [0x28]
      bytes +=
        [0x6a] + Py2Pickle.littleEndian(UInt32(k - 1)) + [0x6a]
        + Py2Pickle.littleEndian(UInt32(k - 1))
      bytes += [0x65]
    }
    bytes += [0x74, 0x2e]  // TUPLE of all levels, STOP
    rejects(bytes, "shared references expand")
  }

  func testEveryTruncationAndByteFlipFailsCleanly() throws {
    let samples = [
      hexBytes(SafeUnpicklerTests.csrHex), hexBytes(SafeUnpicklerTests.defaultdictHex),
      hexBytes(SafeUnpicklerTests.int32ArrayHex),
    ]
    var outcomes = 0
    for sample in samples {
      for length in 0..<sample.count {
        XCTAssertThrowsError(try SafeUnpickler.unpickle(Array(sample.prefix(length)), source: "t"))
      }
      for position in sample.indices {
        for value: UInt8 in [0x00, 0x01, 0x28, 0x2e, 0x7f, 0x80, 0xff]
        where value != sample[position] {
          var damaged = sample
          damaged[position] = value
          // Decoding and the typed helpers may throw; they must not trap.
          if let decoded = try? SafeUnpickler.unpickle(damaged, source: "t") {
            _ = try? decoded.sparseMatrix(source: "t")
            _ = try? decoded.numpyArray(source: "t")
            _ = try? decoded.adjacencyLists(source: "t")
          }
          outcomes += 1
        }
      }
    }
    XCTAssertGreaterThan(outcomes, 4000)
  }
}
