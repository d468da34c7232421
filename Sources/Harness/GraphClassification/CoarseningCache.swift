import Foundation
import GraphData
import Pooling
import TensorCore

/// Precomputed coarsenings (Graclus, NDP) of whole datasets on disk, one
/// file per key: `<directory>/<key>.coarsening`, where the key is the
/// SHA-256 of the data checksum, the poolers' `coarseningSignature`s (method,
/// options, seed) in level order and the number of graphs. A file is written
/// atomically and ends with the SHA-256 of its contents; one that is
/// truncated, corrupt, of another format version or inconsistent with the
/// dataset is reported and recomputed, never trusted.
///
/// Format (little-endian): the magic `GPOOL-COARSENING 1\n`, the key (64
/// hex bytes), Int64 level count L, Int64 graph count G; then for each
/// level and graph: Int32 fine nodes n, Int32 coarse nodes c, Int32 nnz,
/// n × Int32 cluster of each fine node (−1: dropped), (c + 1) × Int32 CSR
/// offsets, nnz × Int32 columns, nnz × Float32 values; then the 32-byte
/// SHA-256 of everything before it.
public struct CoarseningCache: Sendable {
  public let directory: String

  /// What `GraphClassifier.precomputeCoarsenings` did.
  public struct Outcome: Sendable {
    public let key: String
    public let cacheHit: Bool
    public let seconds: Double
    /// Coarse nodes of all graphs together, per level.
    public let nodesPerLevel: [Int]
  }

  /// Why a stored file was not used (the last `load`), for the log.
  public final class Problems: @unchecked Sendable {
    public var messages: [String] = []
  }
  public let problems = Problems()

  static let magic = Array("GPOOL-COARSENING 1\n".utf8)

  public init(directory: String) { self.directory = directory }

  public static func key(dataChecksum: String, signatures: [String], graphCount: Int) -> String {
    let text =
      "gpool coarsening 1\ndata \(dataChecksum)\n"
      + signatures.map { "level \($0)\n" }.joined() + "graphs \(graphCount)\n"
    return SHA256.hexDigest(of: Array(text.utf8))
  }

  public func path(key: String) -> String { "\(directory)/\(key).coarsening" }

  /// The stored levels under `key`, if a sound file holds them for graphs
  /// of `graphCounts` nodes; nil otherwise (a reason is added to `problems`
  /// unless the file does not exist). Cost O(file size).
  public func load(key: String, graphCounts: [Int], levels: Int) -> [[Coarsening]]? {
    let file = path(key: key)
    guard let data = FileManager.default.contents(atPath: file) else { return nil }
    do {
      return try Self.decode(
        [UInt8](data), key: key, graphCounts: graphCounts, levels: levels)
    } catch {
      problems.messages.append("\(file): \(error.description); recomputing it")
      return nil
    }
  }

  /// Writes `levels` under `key`, atomically.
  public func store(_ levels: [[Coarsening]], key: String) throws {
    try AtomicFile.write(Data(Self.encode(levels, key: key)), to: path(key: key))
  }

  static func encode(_ levels: [[Coarsening]], key: String) -> [UInt8] {
    var bytes = magic + Array(key.utf8)
    func append<T: FixedWidthInteger>(_ value: T) {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    append(Int64(levels.count))
    append(Int64(levels.first?.count ?? 0))
    for level in levels {
      for coarsening in level {
        let a = coarsening.adjacency
        append(Int32(coarsening.clusterOf.count))
        append(Int32(coarsening.clusterCount))
        append(Int32(a.nonzeroCount))
        for cluster in coarsening.clusterOf { append(Int32(cluster)) }
        for offset in a.rowOffsets { append(offset) }
        for column in a.columnIndices { append(column) }
        for value in a.values { append(value.bitPattern) }
      }
    }
    return bytes + SHA256.hash(bytes)
  }

  struct DecodeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
  }

  static func decode(_ bytes: [UInt8], key: String, graphCounts: [Int], levels: Int)
    throws(DecodeError) -> [[Coarsening]]
  {
    guard bytes.count >= magic.count + 64 + 16 + 32 else {
      throw DecodeError("too short (\(bytes.count) bytes) for a coarsening file")
    }
    let body = Array(bytes[..<(bytes.count - 32)])
    guard SHA256.hash(body) == Array(bytes[(bytes.count - 32)...]) else {
      throw DecodeError("its SHA-256 trailer does not match its contents (truncated or corrupt)")
    }
    guard Array(body[..<magic.count]) == magic else {
      throw DecodeError("not a gpool coarsening file of format 1")
    }
    guard Array(body[magic.count..<(magic.count + 64)]) == Array(key.utf8) else {
      throw DecodeError("it holds another key than its name")
    }
    var position = magic.count + 64
    func read<T: FixedWidthInteger>(_: T.Type) throws(DecodeError) -> T {
      let size = MemoryLayout<T>.size
      guard position + size <= body.count else {
        throw DecodeError("ends in the middle of a record")
      }
      var value: T = 0
      for k in 0..<size { value |= T(truncatingIfNeeded: body[position + k]) << (8 * k) }
      position += size
      return value
    }
    func readArray(_ count: Int) throws(DecodeError) -> [Int32] {
      guard count >= 0, position + 4 * count <= body.count else {
        throw DecodeError("ends in the middle of a record")
      }
      var values = [Int32](repeating: 0, count: count)
      for i in 0..<count { values[i] = try read(Int32.self) }
      return values
    }
    guard try read(Int64.self) == Int64(levels), try read(Int64.self) == Int64(graphCounts.count)
    else {
      throw DecodeError("it holds another number of levels or graphs than the model and dataset")
    }
    var fineCounts = graphCounts
    var result: [[Coarsening]] = []
    for level in 0..<levels {
      var coarsened: [Coarsening] = []
      for graph in 0..<graphCounts.count {
        let n = Int(try read(Int32.self))
        let c = Int(try read(Int32.self))
        let nnz = Int(try read(Int32.self))
        guard n == fineCounts[graph], c >= 0, c <= max(n, 1), nnz >= 0, nnz <= c * c else {
          throw DecodeError(
            "level \(level), graph \(graph): \(n) fine nodes, \(c) coarse, \(nnz) edges do not fit "
              + "a graph of \(fineCounts[graph]) nodes")
        }
        let clusterOf = try readArray(n).map(Int.init)
        let offsets = try readArray(c + 1)
        let columns = try readArray(nnz)
        let values = try readArray(nnz).map { Float(bitPattern: UInt32(bitPattern: $0)) }
        guard clusterOf.allSatisfy({ (-1..<c).contains($0) }), offsets.first == 0,
          Int(offsets.last!) == nnz, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
          columns.allSatisfy({ (0..<Int32(c)).contains($0) }), values.allSatisfy(\.isFinite)
        else {
          throw DecodeError("level \(level), graph \(graph): inconsistent clusters or CSR arrays")
        }
        coarsened.append(
          Coarsening(
            clusterOf: clusterOf, clusterCount: c,
            adjacency: SparseMatrix(
              rows: c, columns: c, rowOffsets: offsets, columnIndices: columns, values: values)))
      }
      fineCounts = coarsened.map(\.clusterCount)
      result.append(coarsened)
    }
    guard position == body.count else { throw DecodeError("has trailing bytes") }
    return result
  }
}
