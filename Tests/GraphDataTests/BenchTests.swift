import Foundation
import TensorCore
import XCTest

@testable import GraphData

final class BenchTests: XCTestCase {
  // MARK: The published small files (skipped without the offline mirror)

  /// `bench/NAME.npz` in the data mirror: `GPOOL_DATA_MIRROR`, else
  /// `<package root>/../shared/data`; an `XCTSkip` when neither has it.
  func benchFile(_ name: String) throws -> String {
    var candidates: [String] = []
    if let mirror = ProcessInfo.processInfo.environment["GPOOL_DATA_MIRROR"], !mirror.isEmpty {
      candidates.append(mirror)
    }
    // #filePath = <root>/Tests/GraphDataTests/BenchTests.swift
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.deletingLastPathComponent().appendingPathComponent("shared/data").path)
    for directory in candidates {
      let path = (directory as NSString).appendingPathComponent("bench/\(name).npz")
      if FileManager.default.fileExists(atPath: path) { return path }
    }
    throw XCTSkip("no bench/\(name).npz in the offline data mirror; skipping the real-data test")
  }

  func testPublishedSmallFiles() throws {
    let cases: [(BenchVariant, String)] = [
      (.easySmall, "d7e6b211e866668c66229c6566efb0d6f2102be8d7ec36f3894da7928024fbac"),
      (.hardSmall, "d9a91ce97c21f7a8c17ad3a5e470e9d16dc0f7f98c01787100b2f4ca23e54385"),
    ]
    for (variant, sha256) in cases {
      let path = try benchFile(variant.rawValue)
      let dataset = try BenchDatasetReader.load(path: path)
      let published = variant.published
      XCTAssertEqual(dataset.name, variant.rawValue)
      XCTAssertEqual(dataset.graphs.count, published.graphs)
      let split = try XCTUnwrap(dataset.predefinedSplits.first)
      XCTAssertEqual(split.train, Array(0..<published.train))
      XCTAssertEqual(split.validation.count, published.validation)
      XCTAssertEqual(split.test.count, published.test)
      XCTAssertEqual(split.test.last, published.graphs - 1)
      XCTAssertEqual(dataset.averageNodeCount, published.averageNodes, accuracy: 0.005)
      // The README's "avg edges" is nnz(A): 358.8 = 2 × 179.4 undirected edges.
      XCTAssertEqual(dataset.averageAdjacencyEntryCount, published.averageEdges, accuracy: 0.01)
      XCTAssertEqual(
        dataset.averageEdgeCount * 2, dataset.averageAdjacencyEntryCount, accuracy: 1e-9)
      XCTAssertEqual(dataset.classCount, 3)
      XCTAssertEqual(dataset.classValues, [0, 1, 2])
      XCTAssertEqual(dataset.nodeLabelValues, [0, 1, 2, 3, 4])
      XCTAssertEqual(dataset.fileChecksums, ["\(variant.rawValue).npz": sha256])
      XCTAssertEqual(DataManifest.pinnedSHA256(for: "bench/\(variant.rawValue).npz"), sha256)
      for graph in dataset.graphs {
        XCTAssertEqual(graph.selfLoopCount, 0)
        XCTAssertEqual(graph.nodeCount % 3, 0)
        // A third of the points is the blob (colour 4).
        XCTAssertEqual(graph.nodeLabels?.filter { $0 == 4 }.count, graph.nodeCount / 3)
      }
    }
    // The first training graph of easy_small, checked with numpy/scipy:
    // 51 nodes, 310 stored entries, colours of the first three nodes 0, 1, 0.
    let easy = try BenchDatasetReader.load(path: try benchFile("easy_small"))
    XCTAssertEqual(easy.graphs[0].nodeCount, 51)
    XCTAssertEqual(easy.graphs[0].adjacency.nonzeroCount, 310)
    XCTAssertEqual(Array(easy.graphs[0].nodeLabels?.prefix(3) ?? []), [0, 1, 0])
    XCTAssertEqual(easy.graphs[0].label, 0)
    XCTAssertEqual(
      [0, 1, 2].map { c in split(easy, \.train).filter { easy.graphs[$0].label == c }.count },
      [80, 84, 75])
  }

  private func split(_ dataset: GraphClassificationDataset, _ part: KeyPath<GraphSplit, [Int]>)
    -> [Int]
  {
    dataset.predefinedSplits[0][keyPath: part]
  }

  func testChecksumMismatchOfAPublishedFile() throws {
    let source = try benchFile("easy_small")
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
    bytes[bytes.count / 2] ^= 0x01
    let directory = try temporaryDirectory(self)
    try writeFile(bytes, directory, "easy_small.npz")
    let path = (directory as NSString).appendingPathComponent("easy_small.npz")
    XCTAssertThrowsError(try BenchDatasetReader.load(path: path)) { error in
      guard case .checksumMismatch(let file, _, _) = error as? DatasetError else {
        return XCTFail("unexpected error \(error)")
      }
      XCTAssertEqual(file, "easy_small.npz")
    }
  }

  // MARK: Generator

  func testGeneratorIsDeterministic() throws {
    let a = BenchGenerator.generate(variant: .hardSmall, seed: 11)
    let b = try BenchGenerator.generate(variant: "hard_small", seed: 11)
    XCTAssertEqual(a.graphs, b.graphs)
    XCTAssertEqual(a.predefinedSplits, b.predefinedSplits)
    let c = BenchGenerator.generate(variant: .hardSmall, seed: 12)
    XCTAssertNotEqual(a.graphs, c.graphs)
    // Easy and hard of one seed are independent draws (like the published
    // files), not the same point clouds with another k.
    let easy = BenchGenerator.generate(variant: .easySmall, seed: 11)
    XCTAssertNotEqual(easy.graphs.map(\.nodeCount), a.graphs.map(\.nodeCount))
    XCTAssertThrowsError(try BenchGenerator.generate(variant: "medium", seed: 0)) { error in
      XCTAssertTrue("\(error)".contains("unknown Bench variant 'medium'"), "\(error)")
    }
  }

  /// Generated data has no file to hash; its content digest stands in for
  /// one in results: equal for equal content, different for another seed or
  /// one flipped edge.
  func testContentDigestIdentifiesGeneratedData() throws {
    let a = BenchGenerator.generate(variant: .hardSmall, seed: 11)
    XCTAssertEqual(
      a.contentDigest(), BenchGenerator.generate(variant: .hardSmall, seed: 11).contentDigest())
    XCTAssertNotEqual(
      a.contentDigest(), BenchGenerator.generate(variant: .hardSmall, seed: 12).contentDigest())
    var changed = a
    changed.graphs[3].adjacency = SparseMatrix(
      rows: a.graphs[3].nodeCount, columns: a.graphs[3].nodeCount,
      entries: [(row: 0, column: 1, value: 1), (row: 1, column: 0, value: 1)])
    XCTAssertNotEqual(a.contentDigest(), changed.contentDigest())
    XCTAssertEqual(a.contentDigest().count, 64)
  }

  /// The protocol's node features for Bench are its one-hot colours alone
  /// (REFERENCE-NOTES §1.6); TU datasets get the paper's surrogate features.
  func testBenchDefaultFeaturesAreTheColoursAlone() throws {
    let dataset = BenchGenerator.generate(variant: .easySmall, seed: 0)
    let entry = try XCTUnwrap(GraphDatasetCatalog.entry(named: "Bench-easy"))
    XCTAssertEqual(entry.defaultFeatures, .providedFeaturesOnly)
    XCTAssertEqual(GraphDatasetCatalog.entry(named: "PROTEINS")?.defaultFeatures, .paperDefaults)
    let featured = try SurrogateFeatures.build(dataset: dataset, options: entry.defaultFeatures)
    XCTAssertEqual(featured.featureCount, 5)
    // A unchanged (no self-loops added), one colour per node.
    XCTAssertEqual(featured.graphs[0].adjacency, dataset.graphs[0].adjacency)
    let x = featured.graphs[0].features
    XCTAssertEqual(x.nonzeroCount, x.rows)
    XCTAssertTrue(x.values.allSatisfy { $0 == 1 })
  }

  func testGeneratedGraphsFollowTheRecipe() throws {
    for variant in [BenchVariant.easySmall, .hardSmall] {
      let dataset = BenchGenerator.generate(variant: variant, seed: 1)
      XCTAssertEqual(dataset.name, variant.rawValue)
      XCTAssertEqual(dataset.graphs.count, 300)
      XCTAssertEqual(dataset.nodeLabelValues, [0, 1, 2, 3, 4])
      let split = try XCTUnwrap(dataset.predefinedSplits.first)
      XCTAssertEqual(split.train + split.validation + split.test, Array(0..<300))
      for c in 0..<3 { XCTAssertEqual(dataset.graphs.filter { $0.label == c }.count, 100) }
      for graph in dataset.graphs {
        let n = graph.nodeCount
        // n_nodes in [40, 80), rounded down to a multiple of 3.
        XCTAssertTrue((39...78).contains(n) && n % 3 == 0, "\(n)")
        XCTAssertTrue(graph.adjacency.isSymmetric)
        XCTAssertEqual(graph.selfLoopCount, 0)
        XCTAssertTrue(graph.adjacency.values.allSatisfy { $0 == 1 })
        // Every node keeps its own k nearest neighbours: degree ≥ k.
        for i in 0..<n {
          let degree = Int(graph.adjacency.rowOffsets[i + 1] - graph.adjacency.rowOffsets[i])
          XCTAssertGreaterThanOrEqual(degree, variant.neighbours)
        }
        let labels = try XCTUnwrap(graph.nodeLabels)
        let counts = (0..<5).map { c in labels.filter { $0 == c }.count }
        let third = n / 3
        XCTAssertEqual(counts[0], third / 2)  // outer moon
        XCTAssertEqual(counts[1], third - third / 2)  // inner moon
        XCTAssertEqual(counts[2], third / 2)  // inner quantile
        XCTAssertEqual(counts[3], third - third / 2)
        XCTAssertEqual(counts[4], third)  // blob
      }
    }
  }

  /// Mean and standard error of the mean of `values`.
  private func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
    return (mean, (variance / n).squareRoot())
  }

  func testSmallVariantStatisticsMatchThePublishedFiles() throws {
    // The published averages are themselves means over one sample of 300
    // graphs drawn by the same recipe, so the generated mean minus the
    // published one has standard error sqrt(2)·s/sqrt(300), where s is the
    // per-graph standard deviation (estimated from the generated sample;
    // ≈ 11.6 nodes, ≈ 72 entries easy / ≈ 45 hard). A tolerance of 4 such
    // errors (≈ 3.8 nodes, ≈ 24 / 15 entries) fails a correct generator with
    // probability ≈ 6e-5 per comparison, while a wrong n, k or node rounding
    // shifts the means by far more. Split sizes are binomial (p = 0.81 /
    // 0.09 / 0.1) with the same sqrt(2) factor.
    for variant in [BenchVariant.easySmall, .hardSmall] {
      let dataset = BenchGenerator.generate(variant: variant, seed: 0)
      let published = variant.published
      let nodes = meanAndStandardError(dataset.graphs.map { Double($0.nodeCount) })
      let entries = meanAndStandardError(dataset.graphs.map { Double($0.adjacency.nonzeroCount) })
      let root2 = 2.0.squareRoot()
      XCTAssertEqual(
        nodes.mean, published.averageNodes, accuracy: 4 * root2 * nodes.standardError,
        "\(variant) nodes")
      XCTAssertEqual(
        entries.mean, published.averageEdges, accuracy: 4 * root2 * entries.standardError,
        "\(variant) edges (nnz)")
      XCTAssertEqual(dataset.averageAdjacencyEntryCount, entries.mean, accuracy: 1e-9)
      let split = try XCTUnwrap(dataset.predefinedSplits.first)
      for (count, publishedCount, p) in [
        (split.train.count, published.train, 0.81),
        (split.validation.count, published.validation, 0.09),
        (split.test.count, published.test, 0.1),
      ] {
        let sd = (300 * p * (1 - p)).squareRoot()
        XCTAssertEqual(
          Double(count), Double(publishedCount), accuracy: 4 * root2 * sd, "\(variant)")
      }
    }
  }

  func testPointSetsMatchScikitLearnConventions() {
    XCTAssertEqual(BenchGenerator.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1])
    XCTAssertEqual(BenchGenerator.linspace(0, 1, 1), [0])
    var random = RandomSource(seed: 3)
    let moons = BenchGenerator.moons(13, noise: 0, random: &random)
    XCTAssertEqual(moons.filter { $0.1 == 0 }.count, 6)
    XCTAssertEqual(moons.filter { $0.1 == 1 }.count, 7)
    // Without noise, the outer moon lies on the unit circle, the inner one on
    // the circle of centre (1, 0.5).
    for (p, label) in moons {
      let centre = label == 0 ? SIMD2<Double>(0, 0) : SIMD2(1, 0.5)
      let d = p - centre
      XCTAssertEqual((d * d).sum(), 1, accuracy: 1e-12)
    }
    let quantiles = BenchGenerator.gaussianQuantiles(
      11, mean: SIMD2(2, -2), covariance: 0.2, random: &random)
    let radius = { (p: SIMD2<Double>) in ((p - SIMD2(2, -2)) * (p - SIMD2(2, -2))).sum() }
    let inner = quantiles.filter { $0.1 == 0 }.map { radius($0.0) }
    let outer = quantiles.filter { $0.1 == 1 }.map { radius($0.0) }
    XCTAssertEqual(inner.count, 5)
    XCTAssertEqual(outer.count, 6)
    XCTAssertLessThan(inner.max()!, outer.min()!)
    // k-NN: on a line 0, 1, 3, 7 with k = 1, 0–1, 1–0, 3–1, 7–3 → edges {01, 13, 37}.
    let line = [0.0, 1, 3, 7].map { SIMD2($0, 0) }
    let graph = BenchGenerator.symmetrisedKNNGraph(line, k: 1)
    XCTAssertEqual(graph.toDense().storage, [0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0])
  }

  // MARK: Writer

  func testWriteReadRoundTrip() throws {
    let dataset = BenchGenerator.generate(variant: .easySmall, seed: 5)
    let directory = try temporaryDirectory(self)
    let path = (directory as NSString).appendingPathComponent("out/generated.npz")
    try BenchDatasetWriter.write(dataset, to: path)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    // Atomic write: no temporary file is left beside the output.
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(
        atPath: (directory as NSString).appendingPathComponent("out")), ["generated.npz"])
    let read = try BenchDatasetReader.load(name: "easy_small", path: path)
    XCTAssertEqual(read.name, "easy_small")
    XCTAssertEqual(read.graphs, dataset.graphs)
    XCTAssertEqual(read.predefinedSplits, dataset.predefinedSplits)
    XCTAssertEqual(read.classCount, 3)
    XCTAssertEqual(read.nodeLabelValues, [0, 1, 2, 3, 4])
    XCTAssertEqual(read.fileChecksums, ["generated.npz": SHA256.hexDigest(of: [UInt8](bytes))])
    XCTAssertEqual(
      try NPZReader(path: path).arrayNames,
      [
        "tr_adj", "tr_feat", "tr_class", "val_adj", "val_feat", "val_class", "te_adj", "te_feat",
        "te_class",
      ])
    // The same dataset gives the same bytes (fixed member dates, no randomness).
    try BenchDatasetWriter.write(dataset, to: path)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), bytes)
  }

  func testBenchArchiveWithAnUnexpectedDType() throws {
    let directory = try temporaryDirectory(self)
    let path = (directory as NSString).appendingPathComponent("odd.npz")
    let complex = NumPyReaderTests.npy(
      NumPyReaderTests.header("<c8", "(1,)"), [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40])
    var members: [(String, [UInt8])] = []
    for name in BenchDatasetReader.arrayNames {
      let array: NPYArray
      if name.hasSuffix("_class") {
        array = NPYArray(shape: [1, 3], elements: .float32([1, 0, 0]))
      } else if name.hasSuffix("_adj") {
        array = NPYArray(
          shape: [1],
          elements: .object([.scipyCSRMatrix(SparseMatrix(rows: 1, columns: 1, entries: []))]))
      } else {
        array = NPYArray(
          shape: [1], elements: .object([.numpyFloat32Array([0, 0, 1, 0, 0], shape: [1, 5])]))
      }
      members.append(("\(name).npy", name == "val_feat" ? complex : NumPyWriter.encode(array)))
    }
    try NPZWriter.write(members: members, to: path)
    XCTAssertThrowsError(try BenchDatasetReader.load(path: path)) { error in
      XCTAssertTrue(
        "\(error)".hasPrefix("\(path) (member val_feat.npy): found dtype '<c8', expected"),
        "\(error)")
    }
    // With the feature array fixed, the tiny dataset loads.
    members[members.firstIndex { $0.0 == "val_feat.npy" }!].1 = members[1].1
    try NPZWriter.write(members: members, to: path)
    let dataset = try BenchDatasetReader.load(path: path)
    XCTAssertEqual(dataset.graphs.map(\.nodeLabels), [[2], [2], [2]])
    // A missing array is named.
    try NPZWriter.write(members: Array(members.dropLast()), to: path)
    XCTAssertThrowsError(try BenchDatasetReader.load(path: path)) { error in
      XCTAssertTrue("\(error)".contains("no member te_class.npy"), "\(error)")
    }
  }
}
