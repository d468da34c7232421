import Foundation
import GraphData
import TensorCore
import XCTest

final class PlanetoidLoaderTests: XCTestCase {
  // MARK: A small synthetic dataset (runs without the data mirror)

  /// Six nodes: allx holds nodes 0-2; test.index lists 5 and 3, so node 4 is
  /// a gap (no features, no label) as in Citeseer. The graph has a
  /// self-loop (0–0) and a repeated edge (0–1 twice, plus 1–0).
  private func writeToyDataset(
    in directory: String, graph: [(Int, [Int])]? = nil, testIndex: String = "5\n3\n",
    ally: [[Int32]] = [[1, 0], [0, 1], [1, 0]]
  ) throws {
    let allx: [[Float]] = [[1, 1, 0, 0], [0, 2, 0, 2], [0, 0, 0, 0]]
    let tx: [[Float]] = [[0, 0, 3, 1], [1, 0, 0, 0]]
    let files: [(String, [UInt8])] = [
      ("x", Py2Pickle.csr(dense: Array(allx.prefix(2)), columns: 4)),
      ("y", Py2Pickle.labels(Array(ally.prefix(2)))),
      ("tx", Py2Pickle.csr(dense: tx, columns: 4)),
      ("ty", Py2Pickle.labels([[0, 1], [1, 0]])),
      ("allx", Py2Pickle.csr(dense: allx, columns: 4)),
      ("ally", Py2Pickle.labels(ally)),
      (
        "graph",
        Py2Pickle.graph(
          graph ?? [(0, [1, 1, 0]), (1, [0, 2]), (2, []), (3, [4]), (4, [3, 5]), (5, [4])])
      ),
    ]
    for (suffix, body) in files {
      try writeFile(Py2Pickle.wrap(body), directory, "ind.toy.\(suffix)")
    }
    try writeFile(Array(testIndex.utf8), directory, "ind.toy.test.index")
  }

  private func loadError(_ body: () throws -> PlanetoidDataset) -> DatasetError? {
    do {
      _ = try body()
      XCTFail("expected an error")
    } catch let error as DatasetError {
      return error
    } catch {
      XCTFail("unexpected error \(error)")
    }
    return nil
  }

  func testToyDatasetIsAssembledLikeTheGCNCode() throws {
    let directory = try temporaryDirectory(self)
    try writeToyDataset(in: directory)
    let data = try PlanetoidLoader.load(name: "TOY", directory: directory)
    XCTAssertEqual(data.name, "toy")
    XCTAssertEqual(data.nodeCount, 6)
    XCTAssertEqual(data.featureCount, 4)
    XCTAssertEqual(data.classCount, 2)
    // Node 5 takes tx row 0, node 3 tx row 1, node 4 is the gap.
    XCTAssertEqual(
      data.features.toDense(),
      Matrix([
        [0.5, 0.5, 0, 0], [0, 0.5, 0, 0.5], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0],
        [0, 0, 0.75, 0.25],
      ]))
    XCTAssertEqual(data.labels, [0, 1, 0, 0, nil, 1])
    XCTAssertEqual(data.labeledNodes, [0, 1, 2, 3, 5])
    XCTAssertEqual(
      data.adjacency.toDense(),
      Matrix([
        [0, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 1, 0], [0, 0, 0, 1, 0, 1], [0, 0, 0, 0, 1, 0],
      ]))
    XCTAssertTrue(data.adjacency.isSymmetric)
    XCTAssertEqual(data.undirectedEdgeCount, 4)
    // Every file read is hashed.
    XCTAssertEqual(Set(data.fileChecksums.keys), Set(PlanetoidLoader.fileNames(name: "toy")))
    let yBytes = try XCTUnwrap(FileManager.default.contents(atPath: directory + "/ind.toy.y"))
    XCTAssertEqual(data.fileChecksums["ind.toy.y"], SHA256.hexDigest(of: [UInt8](yBytes)))

    let withLoops = try PlanetoidLoader.load(
      name: "toy", directory: directory, removeSelfLoops: false)
    XCTAssertEqual(withLoops.adjacency.toDense()[0, 0], 1)
    XCTAssertEqual(withLoops.adjacency.nonzeroCount, 9)
    XCTAssertEqual(withLoops.undirectedEdgeCount, 5)
  }

  func testMissingFilesAreAllNamed() throws {
    let directory = try temporaryDirectory(self)
    try writeToyDataset(in: directory)
    try FileManager.default.removeItem(atPath: directory + "/ind.toy.allx")
    try FileManager.default.removeItem(atPath: directory + "/ind.toy.graph")
    let error = loadError { try PlanetoidLoader.load(name: "toy", directory: directory) }
    XCTAssertEqual(
      error?.description,
      "\(directory)/ind.toy.allx not found (also missing: \(directory)/ind.toy.graph). "
        + "Run `make data` (copies from $GPOOL_DATA_MIRROR or ../shared/data) or pass --data-dir.")
    XCTAssertNotNil(loadError { try PlanetoidLoader.load(name: "../toy", directory: directory) })
  }

  func testInconsistentFilesAreReported() throws {
    let directory = try temporaryDirectory(self)
    try writeToyDataset(in: directory, graph: [(0, [1]), (1, [9])])
    var error = loadError { try PlanetoidLoader.load(name: "toy", directory: directory) }
    XCTAssertTrue(
      error?.description.hasPrefix("\(directory)/ind.toy.graph: found node id 9") ?? false,
      "\(String(describing: error))")

    try writeToyDataset(in: directory, testIndex: "3\n3\n")
    error = loadError { try PlanetoidLoader.load(name: "toy", directory: directory) }
    XCTAssertTrue(
      error?.description.contains("node id 3 listed twice") ?? false, "\(String(describing: error))"
    )

    try writeToyDataset(in: directory, testIndex: "5\nthree\n")
    error = loadError { try PlanetoidLoader.load(name: "toy", directory: directory) }
    XCTAssertTrue(
      error?.description.contains("'three' on line 2") ?? false, "\(String(describing: error))")

    try writeToyDataset(in: directory, testIndex: "4\n5\n")
    error = loadError { try PlanetoidLoader.load(name: "toy", directory: directory) }
    XCTAssertTrue(
      error?.description.contains("smallest test node id 4") ?? false,
      "\(String(describing: error))")

    try writeToyDataset(in: directory, ally: [[1, 0], [0, 1], [1, 1]])
    error = loadError { try PlanetoidLoader.load(name: "toy", directory: directory) }
    XCTAssertTrue(
      error?.description.hasPrefix("\(directory)/ind.toy.ally: found row 2 with more than one 1")
        ?? false,
      "\(String(describing: error))")
  }

  // MARK: The real files (skipped without the offline mirror)

  func testCora() throws {
    let directory = try planetoidDirectory("cora")
    // Its load time is measured by `gpool bench --dataset cora` (release build).
    let cora = try PlanetoidLoader.load(name: "cora", directory: directory)
    XCTAssertEqual(cora.nodeCount, 2708)
    XCTAssertEqual(cora.featureCount, 1433)
    XCTAssertEqual(cora.classCount, 7)
    XCTAssertEqual(cora.undirectedEdgeCount, 5278)
    XCTAssertEqual(cora.adjacency.nonzeroCount, 2 * 5278)
    XCTAssertTrue(cora.adjacency.isSymmetric)
    XCTAssertEqual(cora.labeledNodes.count, 2708)
    XCTAssertEqual(Set(cora.labels.compactMap { $0 }), Set(0..<7))
    assertRowsSumToOneOrZero(cora.features)
    XCTAssertEqual(cora.fileChecksums.count, 8)
    for (file, digest) in cora.fileChecksums {
      XCTAssertEqual(DataManifest.pinnedSHA256(for: file), digest, file)
    }
  }

  func testCiteseer() throws {
    let directory = try planetoidDirectory("citeseer")
    let citeseer = try PlanetoidLoader.load(name: "citeseer", directory: directory)
    XCTAssertEqual(citeseer.nodeCount, 3327)
    XCTAssertEqual(citeseer.featureCount, 3703)
    XCTAssertEqual(citeseer.classCount, 6)
    XCTAssertEqual(citeseer.undirectedEdgeCount, 4552)
    XCTAssertEqual(citeseer.labels.filter { $0 == nil }.count, 15)
    XCTAssertEqual(citeseer.labeledNodes.count, 3312)
    // The 15 unlabeled nodes are exactly the ones without features.
    let featureless = (0..<citeseer.nodeCount).filter {
      citeseer.features.rowOffsets[$0] == citeseer.features.rowOffsets[$0 + 1]
    }
    XCTAssertEqual(featureless, (0..<citeseer.nodeCount).filter { citeseer.labels[$0] == nil })
    assertRowsSumToOneOrZero(citeseer.features)
    // Keeping self-loops adds Citeseer's 124 loop entries.
    let withLoops = try PlanetoidLoader.load(
      name: "citeseer", directory: directory, removeSelfLoops: false)
    XCTAssertEqual(withLoops.undirectedEdgeCount, 4552 + 124)
    XCTAssertEqual(withLoops.adjacency.nonzeroCount, 2 * 4552 + 124)
  }

  func testPubmedFromTheSubstituteFeatures() throws {
    let directory = try planetoidDirectory("pubmed")
    guard !FileManager.default.fileExists(atPath: "\(directory)/ind.pubmed.allx") else {
      throw XCTSkip("the genuine ind.pubmed.allx is present; the substitute is not used")
    }
    let pubmed = try PlanetoidLoader.load(name: "pubmed", directory: directory)
    XCTAssertEqual(pubmed.nodeCount, 19717)
    XCTAssertEqual(pubmed.featureCount, 500)
    XCTAssertEqual(pubmed.classCount, 3)
    XCTAssertEqual(pubmed.undirectedEdgeCount, 44324)
    XCTAssertEqual(pubmed.features.nonzeroCount, 988_031)
    XCTAssertEqual(pubmed.labeledNodes.count, 19717)
    XCTAssertEqual(pubmed.featureFile, "pubmed-allx-6sig.npz")
    XCTAssertTrue(pubmed.featureNote?.contains("6 significant digits") ?? false)
    XCTAssertNotNil(pubmed.fileChecksums["pubmed-allx-6sig.npz"])
    XCTAssertTrue(pubmed.adjacency.isKnownSymmetric)
    assertRowsSumToOneOrZero(pubmed.features)
    let cora = try PlanetoidLoader.load(name: "cora", directory: try planetoidDirectory("cora"))
    XCTAssertEqual(cora.featureFile, "ind.cora.allx")
    XCTAssertNil(cora.featureNote)
  }

  func testPubmedWithoutAllxOrSubstituteNamesTheMissingFile() throws {
    let mirror = try planetoidDirectory("pubmed")
    let directory = try temporaryDirectory(self)
    for name in PlanetoidLoader.fileNames(name: "pubmed")
    where FileManager.default.fileExists(atPath: "\(mirror)/\(name)") && !name.hasSuffix(".allx") {
      try FileManager.default.copyItem(atPath: "\(mirror)/\(name)", toPath: "\(directory)/\(name)")
    }
    let error = loadError { try PlanetoidLoader.load(name: "pubmed", directory: directory) }
    let description = error?.description ?? ""
    XCTAssertTrue(description.contains("ind.pubmed.allx not found"), description)
    XCTAssertTrue(description.contains("make data"), description)
  }

  func testTruncatedFileIsNamed() throws {
    let directory = try copyOfCora()
    let path = directory + "/ind.cora.x"
    let bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: path)))
    try writeFile(Array(bytes.prefix(bytes.count / 2)), directory, "ind.cora.x")
    // Without checksums the reader itself must notice.
    let error = loadError {
      try PlanetoidLoader.load(name: "cora", directory: directory, verifyChecksums: false)
    }
    guard case .malformedPickle(let pickle) = error else {
      return XCTFail("\(String(describing: error))")
    }
    XCTAssertEqual(pickle.source, "\(directory)/ind.cora.x")
    let description = error?.description ?? ""
    XCTAssertTrue(
      description.hasPrefix("\(directory)/ind.cora.x: truncated pickle at offset "), description)
    // With checksums (the default) the mismatch is caught before parsing.
    let checked = loadError { try PlanetoidLoader.load(name: "cora", directory: directory) }
    XCTAssertTrue(checked?.description.hasPrefix("checksum mismatch for ind.cora.x") ?? false)
  }

  func testChangedByteIsAChecksumMismatch() throws {
    let directory = try copyOfCora()
    var bytes = [UInt8](
      try XCTUnwrap(FileManager.default.contents(atPath: directory + "/ind.cora.y")))
    bytes[bytes.count - 10] ^= 0x01
    try writeFile(bytes, directory, "ind.cora.y")
    let error = loadError { try PlanetoidLoader.load(name: "cora", directory: directory) }
    let description = error?.description ?? ""
    XCTAssertTrue(description.contains("checksum mismatch for ind.cora.y"), description)
    XCTAssertTrue(description.contains("expected 94465c14"), description)
    guard case .checksumMismatch(let file, _, _) = error else { return XCTFail(description) }
    XCTAssertEqual(file, "ind.cora.y")
  }

  // MARK: Helpers

  private func copyOfCora() throws -> String {
    let source = try planetoidDirectory("cora")
    let directory = try temporaryDirectory(self)
    for name in PlanetoidLoader.fileNames(name: "cora") {
      let bytes = try XCTUnwrap(FileManager.default.contents(atPath: source + "/" + name))
      try writeFile([UInt8](bytes), directory, name)
    }
    return directory
  }

  private func assertRowsSumToOneOrZero(_ features: SparseMatrix, line: UInt = #line) {
    var zeroRows = 0
    for (i, sum) in features.rowSums().enumerated() {
      if sum == 0 {
        zeroRows += 1
      } else if abs(sum - 1) > 1e-5 {
        XCTFail("row \(i) sums to \(sum)", line: line)
        return
      }
    }
    XCTAssertLessThanOrEqual(zeroRows, 15, line: line)
  }
}
