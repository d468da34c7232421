import Foundation
import GraphData
import TensorCore
import XCTest

final class GINTextReaderTests: XCTestCase {
  /// Three graphs: a triangle (label 1), an edge (label 0) whose second
  /// end does not list it back, and one node with a self-loop (label 1).
  /// Tags 0/1/0, 2/2, 5.
  private static let tinyText = """
    3
    3 1
    0 2 1 2
    1 2 0 2
    0 2 0 1
    2 0
    2 1 1
    2 0
    1 1
    5 1 0

    """

  private func checkTiny(
    _ data: GraphClassificationDataset, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    XCTAssertEqual(data.graphs.count, 3, file: file, line: line)
    XCTAssertEqual(data.classValues, [0, 1], file: file, line: line)
    XCTAssertEqual(data.graphs.map(\.label), [1, 0, 1], file: file, line: line)
    XCTAssertEqual(
      data.graphs[0].adjacency.toDense(), Matrix([[0, 1, 1], [1, 0, 1], [1, 1, 0]]), file: file,
      line: line)
    // The one-sided listing 0 → 1 is mirrored.
    XCTAssertEqual(
      data.graphs[1].adjacency.toDense(), Matrix([[0, 1], [1, 0]]), file: file, line: line)
    XCTAssertEqual(data.graphs[2].adjacency.toDense(), Matrix([[1]]), file: file, line: line)
    XCTAssertEqual(data.graphs[2].selfLoopCount, 1, file: file, line: line)
    XCTAssertEqual(data.graphs.map(\.undirectedEdgeCount), [3, 1, 1], file: file, line: line)
    XCTAssertEqual(data.nodeLabelValues, [0, 1, 2, 5], file: file, line: line)
    XCTAssertEqual(
      data.graphs.map(\.nodeLabels), [[0, 1, 0], [2, 2], [3]], file: file, line: line)
    XCTAssertFalse(data.hasNodeAttributes, file: file, line: line)
  }

  func testTinyTextAtEveryChunkSize() throws {
    for chunkSize in [1, 2, 3, 7, 1 << 20] {
      let data = try GINTextReader.parse(
        name: "TINY", text: Array(Self.tinyText.utf8), chunkSize: chunkSize)
      checkTiny(data)
    }
    // No final newline, CRLF line ends and extra blanks are fine too.
    let crlf = Self.tinyText.dropLast().replacingOccurrences(of: "\n", with: " \r\n")
    checkTiny(try GINTextReader.parse(name: "TINY", text: Array(crlf.utf8), chunkSize: 4))
    // A UTF-8 byte-order mark before the graph count is skipped.
    checkTiny(
      try GINTextReader.parse(
        name: "TINY", text: [0xef, 0xbb, 0xbf] + Array(Self.tinyText.utf8), chunkSize: 2))
  }

  func testLabelsAreMappedAndEqualTagsGiveNoNodeLabels() throws {
    let text = "2\n2 2\n0 1 1\n0 1 0\n1 0\n0 0\n"
    let data = try GINTextReader.parse(name: "R", text: Array(text.utf8))
    XCTAssertEqual(data.classValues, [0, 2])
    XCTAssertEqual(data.graphs.map(\.label), [1, 0])
    XCTAssertNil(data.nodeLabelValues)
    XCTAssertFalse(data.hasNodeLabels)
  }

  func testAttributesAfterTheNeighbours() throws {
    let text = "1\n2 0\n3 1 1 0.5 -2\n4 1 0 1e1 3\n"
    let data = try GINTextReader.parse(name: "A", text: Array(text.utf8), chunkSize: 5)
    XCTAssertEqual(data.graphs[0].nodeAttributes, Matrix([[0.5, -2], [10, 3]]))
    let ragged = "1\n2 0\n3 1 1 0.5 -2\n4 1 0 1\n"
    assertMentions(
      datasetError { try GINTextReader.parse(name: "A", text: Array(ragged.utf8), file: "A.txt") },
      "A.txt line 4", "1 attribute values", "2, as on line 3")
  }

  func testZipWithFoldsAndJunk() throws {
    let directory = try temporaryDirectory(self)
    let path = try GraphTestZip.write(
      [
        ("TINY/", ""), ("TINY/.DS_Store", "junk"), ("__MACOSX/TINY/._TINY.txt", "junk"),
        ("TINY/TINY.txt", Self.tinyText),
        ("TINY/10fold_idx/test_idx-2.txt", "1\n"),
        ("TINY/10fold_idx/train_idx-1.txt", "1\n2\n"),
        ("TINY/10fold_idx/test_idx-1.txt", "0\n"),
      ], directory, "TINY.zip")
    let data = try GINTextReader.load(name: "TINY", zipPath: path, chunkSize: 5)
    checkTiny(data)
    XCTAssertEqual(
      data.predefinedSplits,
      [
        GraphSplit(train: [1, 2], validation: [], test: [0]),
        // No train file for fold 2: every graph not in its test fold.
        GraphSplit(train: [0, 2], validation: [], test: [1]),
      ])
    XCTAssertEqual(data.fileChecksums, ["TINY.zip": try SHA256.hexDigest(ofFileAt: path)])
  }

  func testFolder() throws {
    let folder = try temporaryDirectory(self)
    try FileManager.default.createDirectory(
      atPath: (folder as NSString).appendingPathComponent("TINY/10fold_idx"),
      withIntermediateDirectories: true)
    try writeFile(Array(Self.tinyText.utf8), folder, "TINY/TINY.txt")
    try writeFile(Array("2\n".utf8), folder, "TINY/10fold_idx/test_idx-1.txt")
    let data = try GINTextReader.load(name: "TINY", folder: folder, chunkSize: 3)
    checkTiny(data)
    XCTAssertEqual(data.predefinedSplits, [GraphSplit(train: [0, 1], validation: [], test: [2])])
    XCTAssertEqual(Set(data.fileChecksums.keys), ["TINY.txt", "test_idx-1.txt"])
  }

  // MARK: Malformed input

  private func parseError(_ text: String) -> DatasetError? {
    datasetError { try GINTextReader.parse(name: "T", text: Array(text.utf8), file: "T.txt") }
  }

  func testNeighbourOutOfRange() {
    assertMentions(
      parseError("1\n2 0\n0 1 1\n0 1 2\n"), "T.txt line 4", "neighbour index 2",
      "0...1 (graph 0 has 2 nodes)")
    assertMentions(parseError("1\n2 0\n0 1 -1\n0 0\n"), "T.txt line 3", "neighbour index -1")
  }

  func testTruncatedText() {
    assertMentions(
      parseError("2\n2 0\n0 1 1\n0 1 0\n3 1\n0 0\n"), "T.txt line 6",
      "after 1 of the 3 node lines of graph 1", "truncated")
    assertMentions(
      parseError("3\n1 0\n0 0\n"), "T.txt line 3", "after 1 graphs", "3 graphs")
    assertMentions(parseError("1\n2 0\n0 3 1\n"), "T.txt line 3", "1 neighbour indices", "3")
    assertMentions(parseError(""), "T.txt", "no text")
  }

  func testNonIntegerTokens() {
    assertMentions(parseError("x\n"), "T.txt line 1", "'x'", "the number of graphs")
    assertMentions(parseError("1\n2 a\n"), "T.txt line 2", "'a'", "the label of graph 0")
    assertMentions(
      parseError("1\n2 0\n0 1 1\n0 1 0.5\n"), "T.txt line 4", "'0.5'", "neighbour index")
    assertMentions(parseError("1\n1 0\nq 0\n"), "T.txt line 3", "'q'", "tag")
  }

  func testTextAfterTheAnnouncedGraphs() {
    assertMentions(
      parseError("1\n1 0\n0 0\n1 0\n"), "T.txt line 4", "more text after the 1 graphs")
  }

  func testTruncatedZipNamesTheArchive() throws {
    let directory = try temporaryDirectory(self)
    let path = try GraphTestZip.write([("TINY/TINY.txt", Self.tinyText)], directory, "TINY.zip")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
    assertMentions(datasetError { try GINTextReader.load(name: "TINY", zipPath: path) }, path)
  }

  func testMissingTextAndBadFoldFiles() throws {
    let directory = try temporaryDirectory(self)
    let none = try GraphTestZip.write([("OTHER/OTHER.txt", "0\n")], directory, "NONE.zip")
    assertMentions(
      datasetError { try GINTextReader.load(name: "TINY", zipPath: none) }, "TINY.txt",
      "not found")
    let badFold = try GraphTestZip.write(
      [("TINY/TINY.txt", Self.tinyText), ("TINY/10fold_idx/test_idx-1.txt", "0\n3\n")],
      directory, "TINY.zip")
    assertMentions(
      datasetError { try GINTextReader.load(name: "TINY", zipPath: badFold) },
      "test_idx-1.txt line 2", "graph index 3", "0...2")
  }

  // MARK: Real data (skipped without the offline mirror)

  func testRealDD() throws {
    let folder = try graphDataMirror("gin")
    let data = try GINTextReader.load(
      name: "DD", zipPath: (folder as NSString).appendingPathComponent("DD.zip"))
    XCTAssertEqual(data.graphs.count, 1178)
    XCTAssertEqual(data.classValues, [0, 1])
    XCTAssertEqual(data.graphs.map(\.nodeCount).reduce(0, +), 334925)
    XCTAssertEqual(data.graphs.map(\.undirectedEdgeCount).reduce(0, +), 843046)
    XCTAssertEqual(data.graphs.map(\.selfLoopCount).reduce(0, +), 0)
    XCTAssertEqual(data.averageNodeCount, 284.32, accuracy: 0.005)
    XCTAssertEqual(data.averageEdgeCount, 715.66, accuracy: 0.005)
    XCTAssertTrue(data.hasNodeLabels)
    XCTAssertEqual(data.predefinedSplits.count, 10)
    var seen = [Int](repeating: 0, count: data.graphs.count)
    for split in data.predefinedSplits {
      XCTAssertEqual(split.train.count + split.test.count, 1178)
      for index in split.test { seen[index] += 1 }
    }
    // The published test folds are disjoint but cover 1170 graphs: 8 of
    // DD's graphs are in no test fold (checked with `sort | uniq`).
    XCTAssertEqual(seen.max(), 1)
    XCTAssertEqual(seen.reduce(0, +), 1170)
  }

  func testRealREDDITBINARY() throws {
    let folder = try graphDataMirror("gin")
    let data = try GINTextReader.load(
      name: "REDDIT-BINARY",
      zipPath: (folder as NSString).appendingPathComponent("REDDIT-BINARY.zip"))
    XCTAssertEqual(data.graphs.count, 2000)
    XCTAssertEqual(data.classValues, [0, 2])
    XCTAssertEqual(data.graphs.map(\.nodeCount).reduce(0, +), 859254)
    XCTAssertEqual(data.graphs.map(\.undirectedEdgeCount).reduce(0, +), 995508)
    XCTAssertFalse(data.hasNodeLabels)
    XCTAssertEqual(data.predefinedSplits.count, 10)
  }
}
