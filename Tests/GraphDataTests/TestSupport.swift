import Foundation
import XCTest

/// Bytes from a hex string (whitespace ignored).
func hexBytes(_ hex: String) -> [UInt8] {
  let digits = Array(hex.utf8).filter { !($0 == 0x20 || $0 == 0x0a) }
  precondition(digits.count % 2 == 0, "odd number of hex digits")
  func value(_ c: UInt8) -> UInt8 {
    switch c {
    case 0x30...0x39: c - 0x30
    case 0x61...0x66: c - 0x61 + 10
    case 0x41...0x46: c - 0x41 + 10
    default: preconditionFailure("not a hex digit")
    }
  }
  return stride(from: 0, to: digits.count, by: 2).map {
    value(digits[$0]) << 4 | value(digits[$0 + 1])
  }
}

/// The offline data mirror (`GPOOL_DATA_MIRROR`, else `../shared/data` next
/// to the package root, else /work/shared/data), or `nil` if none exists.
func sharedDataDirectory() -> String? {
  var candidates: [String] = []
  if let mirror = ProcessInfo.processInfo.environment["GPOOL_DATA_MIRROR"], !mirror.isEmpty {
    candidates.append(mirror)
  }
  // #filePath = <root>/Tests/GraphDataTests/TestSupport.swift
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  candidates.append(root.deletingLastPathComponent().appendingPathComponent("shared/data").path)
  candidates.append("/work/shared/data")
  return candidates.first {
    FileManager.default.fileExists(
      atPath: ($0 as NSString).appendingPathComponent("planetoid/cora"))
  }
}

/// The Planetoid folder of `name` in the mirror, or an `XCTSkip`.
func planetoidDirectory(_ name: String) throws -> String {
  guard let data = sharedDataDirectory() else {
    throw XCTSkip("no offline data mirror (../shared/data) found; skipping the real-data test")
  }
  return (data as NSString).appendingPathComponent("planetoid/\(name)")
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("graphdata-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url.path
}

func writeFile(_ bytes: [UInt8], _ directory: String, _ name: String) throws {
  try Data(bytes).write(
    to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)))
}

/// Builds pickles the way Python 2 wrote the Planetoid files (protocol 2,
/// `str` for raw buffers), so loader tests can make small datasets without
/// Python. `SafeUnpicklerTests` checks it against bytes Python produced.
enum Py2Pickle {
  static func wrap(_ body: [UInt8]) -> [UInt8] { [0x80, 0x02] + body + [0x2e] }

  static func int(_ n: Int) -> [UInt8] {
    if (0..<256).contains(n) { return [0x4b, UInt8(n)] }
    if (0..<65536).contains(n) { return [0x4d, UInt8(n & 0xff), UInt8(n >> 8)] }
    let bits = UInt32(bitPattern: Int32(n))
    return [0x4a] + littleEndian(bits)
  }

  static func shortString(_ s: String) -> [UInt8] { [0x55, UInt8(s.utf8.count)] + Array(s.utf8) }

  static func string(_ raw: [UInt8]) -> [UInt8] { [0x54] + littleEndian(UInt32(raw.count)) + raw }

  static func global(_ module: String, _ name: String) -> [UInt8] {
    [0x63] + Array("\(module)\n\(name)\n".utf8)
  }

  static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }

  /// `_reconstruct(ndarray, (0,), 'b')` + BUILD `(1, shape, dtype, False, raw)`.
  static func array(shape: [Int], code: String, raw: [UInt8]) -> [UInt8] {
    var out = global("numpy.core.multiarray", "_reconstruct") + global("numpy", "ndarray")
    out += int(0) + [0x85] + shortString("b") + [0x87, 0x52]
    out += [0x28] + int(1)
    out += [0x28] + shape.flatMap { int($0) } + [0x74]
    out += global("numpy", "dtype") + shortString(code) + int(0) + int(1) + [0x87, 0x52]
    out += [0x28] + int(3) + shortString("<") + [0x4e, 0x4e, 0x4e]
    out += [0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff] + int(0) + [0x74, 0x62]
    out += [0x89] + string(raw) + [0x74, 0x62]
    return out
  }

  static func int32Array(_ values: [Int32], shape: [Int]) -> [UInt8] {
    array(shape: shape, code: "i4", raw: values.flatMap { littleEndian(UInt32(bitPattern: $0)) })
  }

  static func float32Array(_ values: [Float]) -> [UInt8] {
    array(shape: [values.count], code: "f4", raw: values.flatMap { littleEndian($0.bitPattern) })
  }

  /// A `scipy.sparse.csr.csr_matrix` (NEWOBJ + BUILD with its attribute dict).
  static func csr(rows: Int, columns: Int, indptr: [Int32], indices: [Int32], data: [Float])
    -> [UInt8]
  {
    var out = global("scipy.sparse.csr", "csr_matrix") + [0x29, 0x81, 0x7d, 0x28]
    out += shortString("format") + shortString("csr")
    out += shortString("_shape") + int(rows) + int(columns) + [0x86]
    out += shortString("indptr") + int32Array(indptr, shape: [indptr.count])
    out += shortString("_cs_matrix__has_sorted_indices") + [0x88]
    out += shortString("indices") + int32Array(indices, shape: [indices.count])
    out += shortString("maxprint") + int(50)
    out += shortString("data") + float32Array(data)
    out += [0x75, 0x62]
    return out
  }

  /// A dense float matrix as CSR (zeros not stored).
  static func csr(dense: [[Float]], columns: Int) -> [UInt8] {
    var indptr: [Int32] = [0]
    var indices: [Int32] = []
    var data: [Float] = []
    for row in dense {
      for (j, v) in row.enumerated() where v != 0 {
        indices.append(Int32(j))
        data.append(v)
      }
      indptr.append(Int32(indices.count))
    }
    return csr(rows: dense.count, columns: columns, indptr: indptr, indices: indices, data: data)
  }

  /// A one-hot label matrix (int32 2-d array).
  static func labels(_ rows: [[Int32]]) -> [UInt8] {
    int32Array(rows.flatMap { $0 }, shape: [rows.count, rows.first?.count ?? 0])
  }

  /// `collections.defaultdict(list)` of node → neighbour list.
  static func graph(_ lists: [(Int, [Int])]) -> [UInt8] {
    var out = global("collections", "defaultdict") + global("__builtin__", "list") + [0x85, 0x52]
    out += [0x28]
    for (node, neighbours) in lists {
      out += int(node) + [0x5d]
      if !neighbours.isEmpty { out += [0x28] + neighbours.flatMap { int($0) } + [0x65] }
    }
    out += [0x75]
    return out
  }
}
