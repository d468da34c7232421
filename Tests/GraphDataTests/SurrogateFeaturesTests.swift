import Foundation
import TensorCore
import XCTest

@testable import GraphData

final class SurrogateFeaturesTests: XCTestCase {
  // Three tiny graphs (edges undirected, no stored self-loops):
  //   triangle 0-1-2 plus pendant 3 on node 2: degrees 2,2,3,1; clustering 1,1,1/3,0
  //   path 0-1-2:                               degrees 1,2,1;   clustering 0,0,0
  //   edge 0-1 plus isolated node 2:            degrees 1,1,0;   clustering 0,0,0
  static func triangleWithPendant() -> SparseMatrix {
    .symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (1, 2), (0, 2), (2, 3)])
  }
  static func path() -> SparseMatrix { .symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 2)]) }
  static func edgeAndIsolated() -> SparseMatrix {
    .symmetricAdjacency(nodeCount: 3, edges: [(0, 1)])
  }

  /// The three graphs, optionally with node labels (file values 5, 7, 9 →
  /// indices 0, 1, 2) and one attribute column.
  static func dataset(labels: Bool = false, attributes: Bool = false) -> GraphClassificationDataset
  {
    let adjacencies = [triangleWithPendant(), path(), edgeAndIsolated()]
    let nodeLabels = [[0, 1, 2, 2], [1, 1, 0], [2, 0, 0]]
    let nodeAttributes: [[Float]] = [[0.5, 1.5, 0.5, 2.5], [1.5, 0.5, 0.5], [2.5, 2.5, 0.5]]
    let graphs = adjacencies.enumerated().map { g, a in
      LabeledGraph(
        adjacency: a, label: g % 2, nodeLabels: labels ? nodeLabels[g] : nil,
        nodeAttributes: attributes
          ? Matrix(rows: a.rows, columns: 1, storage: nodeAttributes[g]) : nil)
    }
    return GraphClassificationDataset(
      name: "tiny", graphs: graphs, classCount: 2, classValues: [0, 1],
      nodeLabelValues: labels ? [5, 7, 9] : nil)
  }

  /// Column `c` of every node of every graph, graphs concatenated.
  func column(_ d: FeaturedDataset, _ c: Int) -> [Float] {
    d.graphs.flatMap { g in
      let x = g.features.toDense()
      return (0..<g.nodeCount).map { x[$0, c] }
    }
  }

  // MARK: - Structure

  func testClusteringCoefficientsWorkedByHand() {
    let c = GraphStructure.clusteringCoefficients(Self.triangleWithPendant())
    XCTAssertEqual(c[0], 1, accuracy: 1e-12)
    XCTAssertEqual(c[1], 1, accuracy: 1e-12)
    XCTAssertEqual(c[2], 1.0 / 3.0, accuracy: 1e-12)  // T = 1, d = 3: 2·1 / (3·2)
    XCTAssertEqual(c[3], 0)  // d = 1 < 2
    XCTAssertEqual(GraphStructure.clusteringCoefficients(Self.path()), [0, 0, 0])
    XCTAssertEqual(GraphStructure.clusteringCoefficients(Self.edgeAndIsolated()), [0, 0, 0])
    XCTAssertEqual(GraphStructure.triangleCounts(Self.triangleWithPendant()), [1, 1, 1, 0])
  }

  func testCliqueAndSquareWithDiagonal() {
    // K5: every node is in C(4,2) = 6 triangles, clustering 1.
    var k5: [(Int, Int)] = []
    for i in 0..<5 { for j in (i + 1)..<5 { k5.append((i, j)) } }
    let clique = SparseMatrix.symmetricAdjacency(nodeCount: 5, edges: k5)
    XCTAssertEqual(GraphStructure.triangleCounts(clique), [6, 6, 6, 6, 6])
    XCTAssertEqual(GraphStructure.clusteringCoefficients(clique), [1, 1, 1, 1, 1])
    // Square 0-1-2-3 with diagonal 0-2: nodes 0, 2 have d = 3, T = 2 → 2/3; nodes 1, 3 → 1.
    let square = SparseMatrix.symmetricAdjacency(
      nodeCount: 4, edges: [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)])
    let c = GraphStructure.clusteringCoefficients(square)
    XCTAssertEqual(c[0], 2.0 / 3.0, accuracy: 1e-12)
    XCTAssertEqual(c[1], 1, accuracy: 1e-12)
    XCTAssertEqual(c[2], 2.0 / 3.0, accuracy: 1e-12)
    XCTAssertEqual(c[3], 1, accuracy: 1e-12)
  }

  func testStoredSelfLoopsAreIgnoredByClusteringAndNotDuplicated() {
    // The triangle-with-pendant graph with stored self-loops on nodes 0 and 3.
    let looped = SparseMatrix.symmetricAdjacency(
      nodeCount: 4, edges: [(0, 1), (1, 2), (0, 2), (2, 3), (0, 0), (3, 3)], keepSelfLoops: true)
    XCTAssertEqual(
      GraphStructure.clusteringCoefficients(looped),
      GraphStructure.clusteringCoefficients(Self.triangleWithPendant()))
    XCTAssertEqual(GraphStructure.degreesWithoutSelfLoops(looped), [2, 2, 3, 1])
    let withLoops = GraphStructure.addingSelfLoops(looped)
    XCTAssertEqual(withLoops, GraphStructure.addingSelfLoops(Self.triangleWithPendant()))
    XCTAssertEqual(withLoops.rowSums(), [3, 3, 4, 2])
    XCTAssertEqual(
      withLoops.toDense(),
      Matrix([[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 1], [0, 0, 1, 1]]))
  }

  func testAddingSelfLoopsClipsValues() {
    let a = SparseMatrix(
      rows: 2, columns: 2, entries: [(0, 0, 3), (0, 1, 2), (1, 0, 2)])
    XCTAssertEqual(GraphStructure.addingSelfLoops(a).toDense(), Matrix([[1, 1], [1, 1]]))
  }

  func testTriangleCountsMatchBruteForceOnRandomGraphs() {
    var rng = RandomSource(seed: 7)
    for trial in 0..<20 {
      let n = 5 + trial
      let p = 0.1 + 0.04 * Double(trial)
      var edges: [(Int, Int)] = []
      var dense = [[Bool]](repeating: [Bool](repeating: false, count: n), count: n)
      for i in 0..<n {
        for j in (i + 1)..<n where rng.nextUniformDouble() < p {
          edges.append((i, j))
          dense[i][j] = true
          dense[j][i] = true
        }
      }
      let a = SparseMatrix.symmetricAdjacency(nodeCount: n, edges: edges)
      var expected = [Int](repeating: 0, count: n)
      for i in 0..<n {
        for j in 0..<n where dense[i][j] {
          for k in (j + 1)..<max(j + 1, n) where dense[i][k] && dense[j][k] { expected[i] += 1 }
        }
      }
      XCTAssertEqual(GraphStructure.triangleCounts(a), expected, "trial \(trial)")
    }
  }

  // MARK: - Features

  func testDefaultsOnFeaturelessGraphs() throws {
    let d = try SurrogateFeatures.build(dataset: Self.dataset())
    // Degrees with self-loops: [3,3,4,2], [2,3,2], [2,2,1] → shared vocabulary [1,2,3,4].
    let degree = try XCTUnwrap(d.layout.block(named: "degree_one_hot"))
    XCTAssertEqual(degree.offset, 0)
    XCTAssertEqual(degree.width, 4)
    XCTAssertEqual(degree.categories, [[1, 2, 3, 4]])
    let cc = try XCTUnwrap(d.layout.block(named: "clustering_coefficient_zscore"))
    XCTAssertEqual(cc.offset, 4)
    XCTAssertEqual(cc.width, 1)
    XCTAssertEqual(d.featureCount, 5)
    XCTAssertEqual(
      d.layout.blocks.map(\.name), ["degree_one_hot", "clustering_coefficient_zscore"])

    XCTAssertEqual(d.graphs[0].features.rows, 4)
    let oneHot = d.graphs.map { g in
      let x = g.features.toDense()
      return (0..<g.nodeCount).map { i in (0..<4).map { x[i, $0] } }
    }
    XCTAssertEqual(oneHot[0], [[0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]])
    XCTAssertEqual(oneHot[1], [[0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])
    XCTAssertEqual(oneHot[2], [[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]])

    // Clustering values over all 10 nodes: 1, 1, 1/3, then seven 0s.
    let raw: [Double] = [1, 1, 1.0 / 3.0, 0, 0, 0, 0, 0, 0, 0]
    let mean = raw.reduce(0, +) / 10
    let std = (raw.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 10).squareRoot()
    XCTAssertEqual(cc.mean?[0] ?? .nan, mean, accuracy: 1e-12)
    XCTAssertEqual(cc.standardDeviation?[0] ?? .nan, std, accuracy: 1e-12)
    for (got, value) in zip(column(d, 4), raw) {
      XCTAssertEqual(got, Float((value - mean) / std), accuracy: 1e-6)
    }
    let z = column(d, 4).map(Double.init)
    XCTAssertEqual(z.reduce(0, +) / 10, 0, accuracy: 1e-6)
    XCTAssertEqual(z.map { $0 * $0 }.reduce(0, +) / 10, 1, accuracy: 1e-6)

    // Downstream adjacency carries the self-loops; labels pass through.
    XCTAssertEqual(d.graphs[1].adjacency.rowSums(), [2, 3, 2])
    XCTAssertEqual(d.labels, [0, 1, 0])
    XCTAssertEqual(d.classCount, 2)
    // Stored sparse: 8 bytes per nonzero (20 of the 10 × 5 entries here).
    XCTAssertEqual(d.graphs.map(\.features.nonzeroCount).reduce(0, +), 20)
    XCTAssertEqual(d.featureBytes, 8 * 20)
  }

  func testWithoutSelfLoopsDegreesAreTrueDegrees() throws {
    let d = try SurrogateFeatures.build(
      dataset: Self.dataset(), options: .init(addSelfLoops: false, clusteringCoefficient: false))
    XCTAssertEqual(d.layout.blocks.map(\.name), ["degree_one_hot"])
    XCTAssertEqual(d.layout.blocks[0].categories, [[0, 1, 2, 3]])
    XCTAssertEqual(d.graphs[0].adjacency, Self.triangleWithPendant())
    XCTAssertEqual(
      d.graphs[2].features.toDense(), Matrix([[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]]))
  }

  func testDegreeZScore() throws {
    let d = try SurrogateFeatures.build(
      dataset: Self.dataset(), options: .init(degree: .zscore, clusteringCoefficient: false))
    let degrees: [Double] = [3, 3, 4, 2, 2, 3, 2, 2, 2, 1]
    let mean = degrees.reduce(0, +) / 10
    let std = (degrees.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 10).squareRoot()
    XCTAssertEqual(d.featureCount, 1)
    XCTAssertEqual(d.layout.blocks[0].name, "degree_zscore")
    for (got, value) in zip(column(d, 0), degrees) {
      XCTAssertEqual(got, Float((value - mean) / std), accuracy: 1e-6)
    }
  }

  func testConstantColumnZScoresToZero() throws {
    // All three graphs are paths: every clustering coefficient is 0.
    let graphs = (0..<3).map { LabeledGraph(adjacency: Self.path(), label: $0 % 2) }
    let dataset = GraphClassificationDataset(
      name: "paths", graphs: graphs, classCount: 2, classValues: [0, 1])
    let d = try SurrogateFeatures.build(dataset: dataset, options: .init(degree: .none))
    XCTAssertEqual(column(d, 0), [Float](repeating: 0, count: 9))
    XCTAssertEqual(d.layout.blocks[0].standardDeviation, [0])
    XCTAssertTrue(d.graphs.allSatisfy { $0.features.values.allSatisfy(\.isFinite) })
  }

  func testConcatenationOrderAndWidthsWithAttributesAndLabels() throws {
    let d = try SurrogateFeatures.build(dataset: Self.dataset(labels: true, attributes: true))
    // degree one-hot (4) | clustering (1) | attributes one-hot over {0.5,1.5,2.5} (3) | labels (3)
    XCTAssertEqual(
      d.layout.blocks.map(\.name),
      [
        "degree_one_hot", "clustering_coefficient_zscore", "node_attributes_one_hot",
        "node_labels_one_hot",
      ])
    XCTAssertEqual(d.layout.blocks.map(\.offset), [0, 4, 5, 8])
    XCTAssertEqual(d.layout.blocks.map(\.width), [4, 1, 3, 3])
    XCTAssertEqual(d.featureCount, 11)
    XCTAssertEqual(d.layout.blocks[2].categories, [[0.5, 1.5, 2.5]])
    XCTAssertEqual(d.layout.blocks[3].categories, [[5, 7, 9]])
    // Node 3 of graph 0: degree 2 → column 1; attribute 2.5 → column 5+2; label index 2 → 8+2.
    let row = d.graphs[0].features.toDense().row(3)
    XCTAssertEqual(Array(row[0..<4]), [0, 1, 0, 0])
    XCTAssertEqual(Array(row[5..<8]), [0, 0, 1])
    XCTAssertEqual(Array(row[8..<11]), [0, 0, 1])
    // Node 2 of graph 1: degree 2, attribute 0.5, label index 0.
    let other = d.graphs[1].features.toDense().row(2)
    XCTAssertEqual(Array(other[0..<4]), [0, 1, 0, 0])
    XCTAssertEqual(Array(other[5..<8]), [1, 0, 0])
    XCTAssertEqual(Array(other[8..<11]), [1, 0, 0])
    // Every one-hot block has exactly one 1 per node.
    for g in d.graphs {
      for i in 0..<g.nodeCount {
        for block in d.layout.blocks where block.categories != nil {
          let slice = (block.offset..<(block.offset + block.width)).map {
            g.features.toDense()[i, $0]
          }
          XCTAssertEqual(slice.reduce(0, +), 1)
        }
      }
    }
  }

  func testAttributeEncodings() throws {
    let dataset = Self.dataset(labels: true, attributes: true)
    let raw = try SurrogateFeatures.build(
      dataset: dataset,
      options: .init(degree: .none, clusteringCoefficient: false, nodeAttributes: .raw))
    XCTAssertEqual(raw.layout.blocks.map(\.name), ["node_attributes_raw", "node_labels_one_hot"])
    XCTAssertEqual(raw.featureCount, 4)
    XCTAssertEqual(column(raw, 0), [0.5, 1.5, 0.5, 2.5, 1.5, 0.5, 0.5, 2.5, 2.5, 0.5])

    let z = try SurrogateFeatures.build(
      dataset: dataset,
      options: .init(
        degree: .none, clusteringCoefficient: false, nodeAttributes: .zscore, nodeLabels: false))
    let values = column(raw, 0).map(Double.init)
    let mean = values.reduce(0, +) / 10
    let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 10).squareRoot()
    XCTAssertEqual(z.layout.blocks.map(\.name), ["node_attributes_zscore"])
    for (got, value) in zip(column(z, 0), values) {
      XCTAssertEqual(got, Float((value - mean) / std), accuracy: 1e-6)
    }

    let none = try SurrogateFeatures.build(
      dataset: dataset,
      options: .init(degree: .none, clusteringCoefficient: false, nodeAttributes: .none))
    XCTAssertEqual(none.layout.blocks.map(\.name), ["node_labels_one_hot"])
    XCTAssertEqual(none.graphs[2].features.toDense(), Matrix([[0, 0, 1], [1, 0, 0], [1, 0, 0]]))
  }

  func testMultiColumnAttributesOneHotPerColumn() throws {
    let graphs = [
      LabeledGraph(
        adjacency: Self.path(), label: 0, nodeAttributes: Matrix([[1, 10], [2, 10], [1, 30]])),
      LabeledGraph(
        adjacency: Self.edgeAndIsolated(), label: 1,
        nodeAttributes: Matrix([[3, 20], [2, 20], [1, 10]])),
    ]
    let dataset = GraphClassificationDataset(
      name: "attrs", graphs: graphs, classCount: 2, classValues: [0, 1])
    let d = try SurrogateFeatures.build(
      dataset: dataset, options: .init(degree: .none, clusteringCoefficient: false))
    XCTAssertEqual(d.layout.blocks[0].categories, [[1, 2, 3], [10, 20, 30]])
    XCTAssertEqual(d.featureCount, 6)
    XCTAssertEqual(d.graphs[0].features.toDense().row(2), [1, 0, 0, 0, 0, 1])
    XCTAssertEqual(d.graphs[1].features.toDense().row(0), [0, 0, 1, 0, 1, 0])
  }

  func testLayoutSummaryAndCodable() throws {
    let d = try SurrogateFeatures.build(dataset: Self.dataset(labels: true))
    XCTAssertEqual(d.layout.summary[0], "degree_one_hot: 4 columns, values [1, 2, 3, 4]")
    XCTAssertTrue(d.layout.summary[1].hasPrefix("clustering_coefficient_zscore: 1 column, mean "))
    XCTAssertEqual(d.layout.summary[2], "node_labels_one_hot: 3 columns, values [5, 7, 9]")
    let json = try JSONEncoder().encode(d.layout)
    XCTAssertEqual(try JSONDecoder().decode(FeatureLayout.self, from: json), d.layout)
    let text = String(decoding: json, as: UTF8.self)
    XCTAssertTrue(text.contains("\"add_self_loops\":true"), text)
    XCTAssertTrue(text.contains("\"standard_deviation\""), text)
  }

  func testInconsistentDatasetsThrow() {
    var dataset = Self.dataset(labels: true, attributes: true)
    dataset.graphs[1].nodeAttributes = nil
    XCTAssertThrowsError(try SurrogateFeatures.build(dataset: dataset))
    dataset = Self.dataset(labels: true)
    dataset.graphs[2].nodeLabels = [0, 3, 0]
    XCTAssertThrowsError(try SurrogateFeatures.build(dataset: dataset)) { error in
      XCTAssertTrue("\(error)".contains("node label index 3"), "\(error)")
    }
    dataset = Self.dataset()
    dataset.graphs[0].label = 2
    XCTAssertThrowsError(try SurrogateFeatures.build(dataset: dataset))
  }

  // MARK: - Options

  func testOptionsDefaultsAndJSON() throws {
    let defaults = SurrogateFeatureOptions()
    XCTAssertTrue(defaults.addSelfLoops)
    XCTAssertEqual(defaults.degree, .oneHot)
    XCTAssertTrue(defaults.clusteringCoefficient)
    XCTAssertEqual(defaults.nodeAttributes, .oneHot)
    XCTAssertTrue(defaults.nodeLabels)
    let empty = try JSONDecoder().decode(SurrogateFeatureOptions.self, from: Data("{}".utf8))
    XCTAssertEqual(empty, defaults)

    let custom = try JSONDecoder().decode(
      SurrogateFeatureOptions.self,
      from: Data(#"{"add_self_loops": false, "degree": "zscore", "node_attributes": "raw"}"#.utf8))
    XCTAssertEqual(
      custom, SurrogateFeatureOptions(addSelfLoops: false, degree: .zscore, nodeAttributes: .raw))
    let roundTrip = try JSONDecoder().decode(
      SurrogateFeatureOptions.self, from: JSONEncoder().encode(custom))
    XCTAssertEqual(roundTrip, custom)

    XCTAssertThrowsError(
      try JSONDecoder().decode(
        SurrogateFeatureOptions.self, from: Data(#"{"self_loops": true}"#.utf8))
    ) { error in XCTAssertTrue("\(error)".contains("unknown key 'self_loops'"), "\(error)") }
    XCTAssertThrowsError(
      try JSONDecoder().decode(
        SurrogateFeatureOptions.self, from: Data(#"{"degree": "onehot"}"#.utf8)))
  }

  // MARK: - Table 5

  func testTable5Statistics() {
    var dataset = Self.dataset(labels: true, attributes: true)
    // A stored self-loop counts once as an edge.
    dataset.graphs[1].adjacency = .symmetricAdjacency(
      nodeCount: 3, edges: [(0, 1), (1, 2), (2, 2)], keepSelfLoops: true)
    let s = dataset.table5Statistics
    XCTAssertEqual(s.samples, 3)
    XCTAssertEqual(s.classes, 2)
    XCTAssertEqual(s.averageNodes, 10.0 / 3.0, accuracy: 1e-12)
    XCTAssertEqual(s.averageEdges, (4.0 + 3.0 + 1.0) / 3.0, accuracy: 1e-12)
    XCTAssertEqual(s.cells, ["3", "2", "3.33", "2.67", "1", "yes"])
    XCTAssertEqual(Table5Statistics.headers.count, s.cells.count)
    XCTAssertEqual(Self.dataset().table5Statistics.cells.suffix(2), ["–", "no"])
  }
}
