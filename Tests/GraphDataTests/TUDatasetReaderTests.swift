import Foundation
import GraphData
import TensorCore
import XCTest

/// Writes small zip archives (stored, uncompressed) for the reader tests,
/// so member paths can be spelled exactly as the published archives spell
/// them (`TINY//TINY_A.txt`, `__MACOSX/…`), which `/usr/bin/zip` cannot do.
enum GraphTestZip {
  private static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xffff_ffff
    for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8) }
    return c ^ 0xffff_ffff
  }

  private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
  private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }

  /// The bytes of a zip holding `members` (path, content) in order.
  static func archive(_ members: [(String, [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    for (path, content) in members {
      let name = Array(path.utf8)
      let crc = crc32(content)
      let size = UInt32(content.count)
      let offset = UInt32(out.count)
      // Local file header: version 2.0, no flags, stored, fixed DOS time.
      out += le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
      out += le32(crc) + le32(size) + le32(size) + le16(name.count) + le16(0) + name + content
      central += le32(0x0201_4b50) + le16(0x031e) + le16(20) + le16(0) + le16(0) + le16(0)
      central += le16(0x21) + le32(crc) + le32(size) + le32(size) + le16(name.count)
      central += le16(0) + le16(0) + le16(0) + le16(0) + le32(0o100644 << 16) + le32(offset)
      central += name
    }
    let centralOffset = UInt32(out.count)
    out += central
    out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(members.count) + le16(members.count)
    out += le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
    return out
  }

  /// Writes `archive(members)` to `directory/name` and returns its path.
  static func write(_ members: [(String, String)], _ directory: String, _ name: String) throws
    -> String
  {
    let path = (directory as NSString).appendingPathComponent(name)
    try Data(archive(members.map { ($0.0, Array($0.1.utf8)) })).write(
      to: URL(fileURLWithPath: path))
    return path
  }
}

/// The offline mirror's folder `sub` (`tu`, `gin`): `GPOOL_DATA_MIRROR`, else
/// `<package root>/../shared/data`; `XCTSkip` when neither has it.
func graphDataMirror(_ sub: String) throws -> String {
  var candidates: [String] = []
  if let mirror = ProcessInfo.processInfo.environment["GPOOL_DATA_MIRROR"], !mirror.isEmpty {
    candidates.append(mirror)
  }
  // #filePath = <root>/Tests/GraphDataTests/<file>.swift
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  candidates.append(root.deletingLastPathComponent().appendingPathComponent("shared/data").path)
  for candidate in candidates {
    let folder = (candidate as NSString).appendingPathComponent(sub)
    if FileManager.default.fileExists(atPath: folder) { return folder }
  }
  throw XCTSkip("no offline data mirror with \(sub)/ found; skipping the real-data test")
}

/// The `DatasetError` thrown by `body` (failing the test if none is).
func datasetError<T>(
  _ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line
) -> DatasetError? {
  do {
    _ = try body()
    XCTFail("expected an error", file: file, line: line)
  } catch let error as DatasetError {
    return error
  } catch {
    XCTFail("unexpected error \(error)", file: file, line: line)
  }
  return nil
}

/// Asserts that `error`'s description contains every one of `parts`.
func assertMentions(
  _ error: DatasetError?, _ parts: String..., file: StaticString = #filePath, line: UInt = #line
) {
  guard let error else { return }
  for part in parts {
    XCTAssertTrue(
      error.description.contains(part), "'\(error.description)' does not mention '\(part)'",
      file: file, line: line)
  }
}

final class TUDatasetReaderTests: XCTestCase {
  // MARK: A tiny dataset with every optional file

  /// Three graphs: nodes 1-3 (path 1–2–3, with a repeated line 1,2 and odd
  /// spacing), nodes 4-5 (edge 4→5 listed one way only, self-loop 5,5),
  /// node 6 alone. Graph labels -1/1, node labels 10/20/30, two
  /// attributes per node, edge labels 7/8/9.
  private static let tinyFiles: [String: String] = [
    "A": "1, 2\n2, 1\n2,3\n 3 ,  2 \n4, 5\n5, 5\n1, 2\n",
    "graph_indicator": "1\n1\n1\n2\n2\n3\n",
    "graph_labels": "1\n-1\n1\n",
    "node_labels": "10\n20\n10\n30\n20\n10\n",
    "node_attributes": "1.5, 2\n0.25, -1\n3e2, 4\n0,0\n1,1\n2,2\n",
    "edge_labels": "7\n7\n9\n9\n8\n7\n9\n",
  ]

  /// The tiny files as (member path, content), `TINY//TINY_<suffix>.txt`.
  private func members(
    _ overrides: [String: String?] = [:], prefix: String = "TINY//"
  ) -> [(String, String)] {
    var files = Self.tinyFiles
    for (key, value) in overrides { files[key] = value }
    return files.keys.sorted().compactMap { key in
      files[key].map { ("\(prefix)TINY_\(key).txt", $0) }
    }
  }

  private func writeZip(_ overrides: [String: String?] = [:], name: String = "TINY.zip") throws
    -> String
  {
    try GraphTestZip.write(members(overrides), try temporaryDirectory(self), name)
  }

  private func writeFolder(_ overrides: [String: String?] = [:]) throws -> String {
    let folder = try temporaryDirectory(self)
    for (path, content) in members(overrides, prefix: "") {
      try writeFile(Array(content.utf8), folder, path)
    }
    return folder
  }

  private func checkTiny(_ data: GraphClassificationDataset) {
    XCTAssertEqual(data.name, "TINY")
    XCTAssertEqual(data.graphs.count, 3)
    XCTAssertEqual(data.classCount, 2)
    XCTAssertEqual(data.classValues, [-1, 1])
    XCTAssertEqual(data.graphs.map(\.label), [1, 0, 1])
    XCTAssertEqual(data.nodeLabelValues, [10, 20, 30])
    XCTAssertEqual(data.edgeLabelValues, [7, 8, 9])

    let g0 = data.graphs[0]
    XCTAssertEqual(g0.nodeCount, 3)
    XCTAssertEqual(
      g0.adjacency.toDense(), Matrix([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    XCTAssertEqual(g0.adjacency.values, [1, 1, 1, 1])
    XCTAssertEqual(g0.nodeLabels, [0, 1, 0])
    XCTAssertEqual(g0.nodeAttributes, Matrix([[1.5, 2], [0.25, -1], [300, 4]]))
    // Entries (0,1),(1,0) come from line 1 (label 7, not the repeat's 9);
    // (1,2),(2,1) from line 3 (label 9).
    XCTAssertEqual(g0.edgeLabels, [0, 0, 2, 2])
    XCTAssertEqual(g0.undirectedEdgeCount, 2)

    let g1 = data.graphs[1]
    XCTAssertEqual(g1.adjacency.toDense(), Matrix([[0, 1], [1, 1]]))
    XCTAssertEqual(g1.selfLoopCount, 1)
    XCTAssertEqual(g1.undirectedEdgeCount, 2)
    XCTAssertEqual(g1.nodeLabels, [2, 1])
    // (0,1) and its added mirror (1,0): line 5 (8); (1,1): line 6 (7).
    XCTAssertEqual(g1.edgeLabels, [1, 1, 0])

    let g2 = data.graphs[2]
    XCTAssertEqual(g2.nodeCount, 1)
    XCTAssertEqual(g2.adjacency.nonzeroCount, 0)
    XCTAssertEqual(g2.nodeAttributes, Matrix([[2, 2]]))
    XCTAssertEqual(g2.edgeLabels, [])
  }

  func testTinyDatasetFromZipWithDoubleSlashPathsAndJunk() throws {
    var files = members()
    files += [
      ("__MACOSX/TINY/._TINY_A.txt", "junk"), ("TINY/.DS_Store", "junk"),
      ("TINY//README.txt~", "backup"), ("TINY//README.txt", "readme"),
    ]
    let path = try GraphTestZip.write(files, try temporaryDirectory(self), "TINY.zip")
    let data = try TUDatasetReader.load(name: "TINY", zipPath: path)
    checkTiny(data)
    XCTAssertEqual(Array(data.fileChecksums.keys), ["TINY.zip"])
    XCTAssertEqual(data.fileChecksums["TINY.zip"], try SHA256.hexDigest(ofFileAt: path))
  }

  func testByteOrderMarkAndCRLF() throws {
    let path = try writeZip([
      "graph_labels": "\u{FEFF}1\r\n-1\r\n1\r\n", "A": "\u{FEFF}" + Self.tinyFiles["A"]!,
    ])
    checkTiny(try TUDatasetReader.load(name: "TINY", zipPath: path))
  }

  func testMemberPathVariants() throws {
    for prefix in ["", "TINY/", "data/TINY//"] {
      let path = try GraphTestZip.write(
        members(prefix: prefix), try temporaryDirectory(self), "TINY.zip")
      checkTiny(try TUDatasetReader.load(name: "TINY", zipPath: path))
    }
  }

  func testTinyDatasetFromFolder() throws {
    let folder = try writeFolder()
    let data = try TUDatasetReader.load(name: "TINY", folder: folder)
    checkTiny(data)
    XCTAssertEqual(data.fileChecksums.count, 6)
    XCTAssertEqual(
      data.fileChecksums["TINY_graph_labels.txt"], SHA256.hexDigest(of: Array("1\n-1\n1\n".utf8)))
  }

  func testFolderOfLinks() throws {
    let folder = try writeFolder()
    let links = try temporaryDirectory(self)
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
      try FileManager.default.createSymbolicLink(
        atPath: (links as NSString).appendingPathComponent(name),
        withDestinationPath: (folder as NSString).appendingPathComponent(name))
    }
    checkTiny(try TUDatasetReader.load(name: "TINY", folder: links))
  }

  func testOptionalFilesMayBeAbsent() throws {
    let path = try writeZip(["node_labels": nil, "node_attributes": nil, "edge_labels": nil])
    let data = try TUDatasetReader.load(name: "TINY", zipPath: path)
    XCTAssertFalse(data.hasNodeLabels)
    XCTAssertFalse(data.hasNodeAttributes)
    XCTAssertNil(data.nodeLabelValues)
    XCTAssertNil(data.edgeLabelValues)
    XCTAssertNil(data.graphs[0].edgeLabels)
    XCTAssertEqual(data.graphs.map(\.undirectedEdgeCount), [2, 2, 0])
  }

  func testUnsortedGraphIndicatorAndMultiColumnNodeLabels() throws {
    // Nodes of graph 1 and 2 interleaved; node labels as (a, b) tuples.
    let path = try writeZip([
      "A": "1, 3\n2, 4\n", "graph_indicator": "1\n2\n1\n2\n", "graph_labels": "0\n1\n",
      "node_labels": "1, 5\n1, 2\n0, 9\n1, 5\n", "node_attributes": nil, "edge_labels": nil,
    ])
    let data = try TUDatasetReader.load(name: "TINY", zipPath: path)
    XCTAssertEqual(data.graphs.map(\.nodeCount), [2, 2])
    XCTAssertEqual(data.graphs[0].adjacency.toDense(), Matrix([[0, 1], [1, 0]]))
    // Tuples in order (0,9) < (1,2) < (1,5).
    XCTAssertEqual(data.graphs[0].nodeLabels, [2, 0])
    XCTAssertEqual(data.graphs[1].nodeLabels, [1, 2])
    XCTAssertNil(data.nodeLabelValues)
  }

  // MARK: Malformed input

  func testTruncatedZipNamesTheArchive() throws {
    let directory = try temporaryDirectory(self)
    let path = try GraphTestZip.write(members(), directory, "TINY.zip")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, path)
  }

  func testMissingArchiveAndMissingMembers() throws {
    let directory = try temporaryDirectory(self)
    let absent = (directory as NSString).appendingPathComponent("NONE.zip")
    XCTAssertEqual(
      datasetError { try TUDatasetReader.load(name: "NONE", zipPath: absent) },
      .fileNotFound(path: absent))
    let path = try writeZip(["A": nil, "graph_labels": nil])
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "TINY_A.txt", "TINY_graph_labels.txt", "not found")
  }

  func testAmbiguousMembers() throws {
    var files = members()
    files.append(("old/TINY_A.txt", "1, 2\n"))
    let path = try GraphTestZip.write(files, try temporaryDirectory(self), "TINY.zip")
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "2 files named TINY_A.txt", "old/TINY_A.txt")
  }

  func testEdgeToMissingNodeNamesFileAndLine() throws {
    let path = try writeZip(["A": "1, 2\n2, 1\n2, 7\n"])
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "TINY_A.txt line 3", "node id 7", "1...6")
    let zero = try writeZip(["A": "1, 2\n\n0, 1\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: zero) },
      "TINY_A.txt line 3", "node id 0")
  }

  /// An edge file of 2.6 MB is parsed in 1 MiB chunks: lines cut by a
  /// chunk's end, blank lines (which shift line numbers) and a bad value
  /// far past the first chunk all come out as in a file read whole.
  func testLongFilesStreamAcrossChunksWithExactLineNumbers() throws {
    let nodes = 1000
    var edges = ""
    var lines = 0
    var edgeCount = 0
    for i in 0..<300_000 {
      let u = i % nodes + 1
      let v = (i * 7 + 3) % nodes + 1
      edges += "\(u), \(v)\n"
      lines += 1
      edgeCount += 1
      if i % 50_001 == 0 {
        edges += "\n  \n"
        lines += 2
      }
    }
    XCTAssertGreaterThan(edges.utf8.count, 2 << 20)  // three chunks
    let files: [String: String?] = [
      "graph_indicator": String(repeating: "1\n", count: nodes), "graph_labels": "0\n",
      "node_labels": nil, "node_attributes": nil, "edge_labels": nil, "A": edges,
    ]
    let data = try TUDatasetReader.load(name: "TINY", folder: try writeFolder(files))
    // The reference: the same entries, made symmetric, through a dense matrix.
    var dense = [[Bool]](repeating: [Bool](repeating: false, count: nodes), count: nodes)
    for i in 0..<300_000 {
      let u = i % nodes
      let v = (i * 7 + 3) % nodes
      dense[u][v] = true
      dense[v][u] = true
    }
    XCTAssertEqual(data.graphs.count, 1)
    XCTAssertEqual(data.graphs[0].adjacency.nonzeroCount, dense.joined().filter { $0 }.count)
    var bad = files
    bad["A"] = edges + "1, x\n"
    let error = datasetError {
      try TUDatasetReader.load(name: "TINY", folder: try writeFolder(bad))
    }
    assertMentions(error, "TINY_A.txt line \(lines + 1)", "'x'")
  }

  /// A dataset larger than the readers' limit is refused before parsing,
  /// naming the archive, the largest file and the limit.
  func testDatasetsAboveTheSizeLimitAreRefused() throws {
    let path = try writeZip()
    let tight = ReaderLimits(maximumUncompressedBytes: 16)
    let error = datasetError {
      try TUDatasetReader.load(name: "TINY", zipPath: path, limits: tight)
    }
    let message = error?.description ?? ""
    XCTAssertTrue(message.hasPrefix("\(path): holds "), message)
    assertMentions(error, "TINY_", "limit of 16 bytes", "--max-dataset-mib")
    checkTiny(try TUDatasetReader.load(name: "TINY", zipPath: path))
  }

  func testEdgeBetweenGraphsNamesLine() throws {
    let path = try writeZip(["A": "1, 2\n3, 4\n", "edge_labels": nil])
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "TINY_A.txt line 2", "node 3 (graph 1)", "node 4 (graph 2)")
  }

  func testShortGraphIndicator() throws {
    let path = try writeZip(["graph_indicator": "1\n1\n1\n2\n2\n"])
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "TINY_graph_indicator.txt", "5 lines", "6, the number of rows")
    // Without per-node files an edge to node 6 is what gives it away.
    let bare = try writeZip([
      "graph_indicator": "1\n1\n1\n2\n2\n", "graph_labels": "1\n-1\n", "node_labels": nil,
      "node_attributes": nil, "edge_labels": nil, "A": Self.tinyFiles["A"]! + "6, 6\n",
    ])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: bare) },
      "TINY_A.txt line 8", "node id 6", "1...5")
  }

  func testGraphIdsMustBeContiguous() throws {
    let gap = try writeZip(["graph_indicator": "1\n1\n1\n3\n3\n4\n", "A": "1, 2\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: gap) },
      "TINY_graph_indicator.txt", "no node of graph 2")
    let zero = try writeZip(["graph_indicator": "1\n1\n0\n2\n2\n3\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: zero) },
      "TINY_graph_indicator.txt line 3", "graph id 0")
  }

  func testNonIntegerLabelNamesFileAndLine() throws {
    let path = try writeZip(["graph_labels": "1\n-1\nabc\n"])
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "TINY_graph_labels.txt line 3", "'abc'", "an integer")
    let node = try writeZip(["node_labels": "10\n20\n1.5\n30\n20\n10\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: node) },
      "TINY_node_labels.txt line 3", "'1.5'")
  }

  func testGraphLabelCountMustMatch() throws {
    let path = try writeZip(["graph_labels": "1\n-1\n"])
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "TINY_graph_labels.txt", "2 graph labels", "3, the number of graphs")
  }

  func testAttributeRowsOfVaryingWidth() throws {
    let path = try writeZip(["node_attributes": "1, 2\n3, 4\n5\n6, 7\n8, 9\n1, 1\n"])
    let error = datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) }
    assertMentions(error, "TINY_node_attributes.txt line 3", "found 1 value", "2 per row")
    let text = try writeZip(["node_attributes": "1, 2\n3, x\n5, 5\n6, 7\n8, 9\n1, 1\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: text) },
      "TINY_node_attributes.txt line 2", "'x'")
  }

  func testEdgeLabelCountAndEmptyFields() throws {
    let path = try writeZip(["edge_labels": "7\n7\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: path) },
      "TINY_edge_labels.txt", "2 edge labels", "7, one per edge")
    let empty = try writeZip(["A": "1, 2\n2,, 1\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: empty) },
      "TINY_A.txt line 2", "empty field")
    let wide = try writeZip(["A": "1, 2\n2, 1, 3\n"])
    assertMentions(
      datasetError { try TUDatasetReader.load(name: "TINY", zipPath: wide) },
      "TINY_A.txt line 2", "3 values")
  }

  func testPinnedChecksumIsVerified() throws {
    // A file called MUTAG.zip that is not the published one.
    let files = members().map { ($0.0.replacingOccurrences(of: "TINY", with: "MUTAG"), $0.1) }
    let path = try GraphTestZip.write(files, try temporaryDirectory(self), "MUTAG.zip")
    let error = datasetError { try TUDatasetReader.load(name: "MUTAG", zipPath: path) }
    assertMentions(error, "checksum mismatch for MUTAG.zip")
    XCTAssertEqual(
      try TUDatasetReader.load(name: "MUTAG", zipPath: path, verifyChecksums: false).graphs.count,
      3)
  }

  // MARK: Real data (skipped without the offline mirror)

  private func loadReal(_ name: String) throws -> GraphClassificationDataset {
    let folder = try graphDataMirror("tu")
    return try TUDatasetReader.load(
      name: name, zipPath: (folder as NSString).appendingPathComponent("\(name).zip"))
  }

  private func totals(_ data: GraphClassificationDataset) -> (nodes: Int, edges: Int, loops: Int) {
    (
      data.graphs.map(\.nodeCount).reduce(0, +),
      data.graphs.map(\.undirectedEdgeCount).reduce(0, +),
      data.graphs.map(\.selfLoopCount).reduce(0, +)
    )
  }

  func testRealMUTAG() throws {
    let data = try loadReal("MUTAG")
    XCTAssertEqual(data.graphs.count, 188)
    XCTAssertEqual(data.classValues, [-1, 1])
    let counts = totals(data)
    XCTAssertEqual(counts.nodes, 3371)
    XCTAssertEqual(counts.edges, 3721)
    XCTAssertEqual(counts.loops, 0)
    XCTAssertEqual(data.nodeLabelValues?.count, 7)
    XCTAssertEqual(data.edgeLabelValues, [0, 1, 2, 3])
    for graph in data.graphs {
      XCTAssertEqual(graph.adjacency.transposed(), graph.adjacency)
      XCTAssertEqual(graph.edgeLabels?.count, graph.adjacency.nonzeroCount)
    }
  }

  func testRealPROTEINS() throws {
    let data = try loadReal("PROTEINS")
    XCTAssertEqual(data.graphs.count, 1113)
    XCTAssertEqual(data.classCount, 2)
    XCTAssertEqual(totals(data).nodes, 43471)
    XCTAssertEqual(totals(data).loops, 0)
    XCTAssertEqual(data.averageNodeCount, 39.06, accuracy: 0.005)
    XCTAssertEqual(data.averageEdgeCount, 72.82, accuracy: 0.005)
    XCTAssertEqual(data.graphs[0].nodeAttributes?.columns, 1)
    XCTAssertEqual(data.nodeLabelValues?.count, 3)
  }

  func testRealNCI1AndMutagenicity() throws {
    let nci1 = try loadReal("NCI1")
    XCTAssertEqual(nci1.graphs.count, 4110)
    XCTAssertEqual(totals(nci1).nodes, 122747)
    let mutagenicity = try loadReal("Mutagenicity")
    XCTAssertEqual(mutagenicity.graphs.count, 4337)
    XCTAssertEqual(totals(mutagenicity).nodes, 131488)
    XCTAssertEqual(mutagenicity.averageNodeCount, 30.32, accuracy: 0.005)
    XCTAssertEqual(mutagenicity.averageEdgeCount, 30.77, accuracy: 0.005)
  }
}
