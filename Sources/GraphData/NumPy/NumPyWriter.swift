import Foundation
import ZIPFoundation

/// Why an `.npz` file could not be written.
public struct NPZWriteError: Error, CustomStringConvertible, Equatable, Sendable {
  public let path: String
  public let reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String { "\(path) could not be written: \(reason)" }
}

/// Encodes arrays as NumPy `.npy` files (format 1.0, or 2.0 for headers
/// over 64 KiB), readable by `NumPyReader` and by `numpy.load` (object
/// arrays with `allow_pickle=True`).
public enum NumPyWriter {
  /// The `.npy` bytes of `array`: the header dict padded with spaces so the
  /// data starts at a multiple of 64 bytes, then the elements in C order
  /// (little-endian), or for an object array a protocol-2 pickle of the
  /// whole array (as NumPy writes one). Cost O(size of the output).
  public static func encode(_ array: NPYArray) -> [UInt8] {
    let payload: [UInt8]
    switch array.elements {
    case .object(let items):
      payload = PickleWriter.pickle(.numpyObjectArray(items, shape: array.shape))
    default:
      payload = rawBytes(array.elements)
    }
    return header(descr: array.dataType.descr, shape: array.shape) + payload
  }

  /// Magic string, version, length and the padded header dict.
  static func header(descr: String, shape: [Int]) -> [UInt8] {
    let shapeText =
      shape.count == 1
      ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    // Version 1.0 has a 2-byte length (10-byte preamble), 2.0 a 4-byte one.
    let version: UInt8 = text.utf8.count + 80 < 65536 ? 1 : 2
    let preamble = version == 1 ? 10 : 12
    let total = (preamble + text.utf8.count + 1 + 63) / 64 * 64
    text += String(repeating: " ", count: total - preamble - text.utf8.count - 1) + "\n"
    var bytes = NumPyReader.magic + [version, 0]
    let length = text.utf8.count
    bytes += version == 1 ? littleEndianBytes(UInt16(length)) : littleEndianBytes(UInt32(length))
    return bytes + Array(text.utf8)
  }

  /// The elements' little-endian bytes.
  static func rawBytes(_ elements: NPYArray.Elements) -> [UInt8] {
    switch elements {
    case .bool(let v): v.map { $0 ? 1 : 0 }
    case .int8(let v): v.map { UInt8(bitPattern: $0) }
    case .uint8(let v): v
    case .int16(let v): littleEndianBytes(of: v)
    case .uint16(let v): littleEndianBytes(of: v)
    case .int32(let v): littleEndianBytes(of: v)
    case .uint32(let v): littleEndianBytes(of: v)
    case .int64(let v): littleEndianBytes(of: v)
    case .uint64(let v): littleEndianBytes(of: v)
    case .float32(let v): littleEndianBytes(of: v.map(\.bitPattern))
    case .float64(let v): littleEndianBytes(of: v.map(\.bitPattern))
    case .object: []
    }
  }
}

/// Writes NumPy `.npz` archives: a zip (stored, uncompressed, like
/// `numpy.savez`) of one `NAME.npy` member per array.
public enum NPZWriter {
  /// The modification time of every member (1980-01-01, the earliest a
  /// zip can record), so the same arrays always give the same bytes.
  static let memberDate = Date(timeIntervalSince1970: 315_532_800)

  /// Writes `arrays` (name without `.npy`, array) to `path` atomically: the
  /// archive is built in a temporary file beside `path` and renamed over it,
  /// so readers never see a partial file. Creates the parent directory if
  /// needed. Cost O(total size of the arrays).
  ///
  /// - Throws: `NPZWriteError` when the file cannot be created or renamed.
  public static func write(_ arrays: [(name: String, array: NPYArray)], to path: String) throws {
    try write(members: arrays.map { ($0.name + ".npy", NumPyWriter.encode($0.array)) }, to: path)
  }

  /// Writes already-encoded members (full member names) to `path`
  /// atomically, as `write(_:to:)`.
  static func write(members: [(String, [UInt8])], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw NPZWriteError(path: path, reason: "cannot create its directory (\(error))")
    }
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
    )
    do {
      let archive = try Archive(url: temporary, accessMode: .create)
      for (name, bytes) in members {
        try archive.addEntry(
          with: name, type: .file, uncompressedSize: Int64(bytes.count),
          modificationDate: memberDate, compressionMethod: .none
        ) { position, size in
          Data(bytes[Int(position)..<(Int(position) + size)])
        }
      }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw NPZWriteError(path: path, reason: "writing the archive failed (\(error))")
    }
    guard rename(temporary.path, path) == 0 else {
      let code = errno
      try? FileManager.default.removeItem(at: temporary)
      throw NPZWriteError(
        path: path,
        reason: "renaming the temporary file failed (\(String(cString: strerror(code))))")
    }
  }
}

extension PickleValue {
  /// A pickled `numpy.ndarray` of objects (NumPy's `dtype=object`) holding
  /// `items` in C order.
  static func numpyObjectArray(_ items: [PickleValue], shape: [Int]) -> PickleValue {
    numpyArray(shape: shape, dtype: numpyDType(code: "O8", order: "|"), payload: .list(items))
  }
}
