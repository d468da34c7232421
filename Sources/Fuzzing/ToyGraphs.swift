import Foundation
import GraphData
import Harness
import TensorCore
import ZIPFoundation

/// A seeded handful of small labelled graphs (2 to 7 nodes, node labels
/// 0..<5, two node attributes, edge labels, two classes), written out in
/// each dataset format a reader accepts. Small on purpose: a fuzz input
/// costs milliseconds, so thousands fit in a test run.
struct ToyGraphs {
  struct Graph {
    var nodeCount: Int
    /// Undirected edges (i < j, or i == j for a self-loop), local indices.
    var edges: [(Int, Int)]
    var nodeLabels: [Int]
    var attributes: [[Float]]
    var edgeLabels: [Int]
    var label: Int

    var adjacency: SparseMatrix {
      var rows = [[Int32]](repeating: [], count: nodeCount)
      for (i, j) in edges {
        rows[i].append(Int32(j))
        if i != j { rows[j].append(Int32(i)) }
      }
      var offsets: [Int32] = [0]
      var columns: [Int32] = []
      for row in rows {
        columns += Array(Set(row)).sorted()
        offsets.append(Int32(columns.count))
      }
      return SparseMatrix(
        rows: nodeCount, columns: nodeCount, rowOffsets: offsets, columnIndices: columns,
        values: [Float](repeating: 1, count: columns.count))
    }
  }

  var graphs: [Graph] = []

  init(random: inout RandomSource, count: Int = 6) {
    func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    for g in 0..<count {
      let n = 2 + below(6)
      var edges: [(Int, Int)] = []
      for i in 0..<n {
        for j in i..<n where (i == j ? below(8) == 0 : below(3) == 0) { edges.append((i, j)) }
      }
      if edges.isEmpty { edges.append((0, 1)) }
      graphs.append(
        Graph(
          nodeCount: n, edges: edges, nodeLabels: (0..<n).map { _ in below(5) },
          attributes: (0..<n).map { _ in [Float(below(100)) / 8, Float(below(9)) - 4] },
          edgeLabels: edges.map { _ in below(3) }, label: g % 2))
    }
  }

  // MARK: - TU text

  func tuMembers() -> [FuzzSample.Member] {
    var a = ""
    var indicator = ""
    var graphLabels = ""
    var nodeLabels = ""
    var attributes = ""
    var edgeLabels = ""
    var first = 1
    for (g, graph) in graphs.enumerated() {
      for node in 0..<graph.nodeCount {
        indicator += "\(g + 1)\n"
        nodeLabels += "\(graph.nodeLabels[node])\n"
        attributes += graph.attributes[node].map { "\($0)" }.joined(separator: ", ") + "\n"
      }
      for ((i, j), label) in zip(graph.edges, graph.edgeLabels) {
        a += "\(first + i), \(first + j)\n"
        edgeLabels += "\(label)\n"
        if i != j {
          a += "\(first + j), \(first + i)\n"
          edgeLabels += "\(label)\n"
        }
      }
      graphLabels += graph.label == 0 ? "-1\n" : "1\n"
      first += graph.nodeCount
    }
    return [
      ("A", a), ("graph_indicator", indicator), ("graph_labels", graphLabels),
      ("node_labels", nodeLabels), ("node_attributes", attributes), ("edge_labels", edgeLabels),
    ].map { FuzzSample.Member(path: "TOY/TOY_\($0.0).txt", bytes: Array($0.1.utf8)) }
  }

  // MARK: - GIN text

  func ginMembers() -> [FuzzSample.Member] {
    var text = "\(graphs.count)\n"
    for graph in graphs {
      text += "\(graph.nodeCount) \(graph.label)\n"
      let adjacency = graph.adjacency
      for node in 0..<graph.nodeCount {
        let neighbours = adjacency.columnIndices[
          Int(adjacency.rowOffsets[node])..<Int(adjacency.rowOffsets[node + 1])]
        text += "\(graph.nodeLabels[node]) \(neighbours.count)"
        text += neighbours.map { " \($0)" }.joined() + "\n"
      }
    }
    let test = "0\n\(graphs.count - 1)\n"
    let train = (1..<(graphs.count - 1)).map { "\($0)\n" }.joined()
    return [
      FuzzSample.Member(path: "TOY/TOY.txt", bytes: Array(text.utf8)),
      FuzzSample.Member(path: "TOY/10fold_idx/test_idx-1.txt", bytes: Array(test.utf8)),
      FuzzSample.Member(path: "TOY/10fold_idx/train_idx-1.txt", bytes: Array(train.utf8)),
    ]
  }

  // MARK: - Bench npz

  func benchMembers(scratch: String) throws -> [FuzzSample.Member] {
    let labelled = graphs.map { graph in
      LabeledGraph(adjacency: graph.adjacency, label: graph.label, nodeLabels: graph.nodeLabels)
    }
    let count = graphs.count
    let dataset = GraphClassificationDataset(
      name: "toy", graphs: labelled, classCount: 2, classValues: [0, 1],
      predefinedSplits: [
        GraphSplit(train: Array(0..<(count - 2)), validation: [count - 2], test: [count - 1])
      ])
    let path = "\(scratch)/bench-sample.npz"
    try BenchDatasetWriter.write(dataset, to: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try FuzzSample.members(ofZipAt: path)
  }

  // MARK: - Planetoid pickles

  /// Six nodes, four features, two classes: allx/ally hold nodes 0–2,
  /// test.index lists 5 and 3, so node 4 is a gap as in Citeseer.
  func planetoidSample() -> FuzzSample {
    func csr(_ dense: [[Float]]) -> PickleValue {
      var offsets: [Int32] = [0]
      var columns: [Int32] = []
      var values: [Float] = []
      for row in dense {
        for (j, v) in row.enumerated() where v != 0 {
          columns.append(Int32(j))
          values.append(v)
        }
        offsets.append(Int32(columns.count))
      }
      return .scipyCSRMatrix(
        SparseMatrix(
          rows: dense.count, columns: 4, rowOffsets: offsets, columnIndices: columns,
          values: values))
    }
    func oneHot(_ classes: [Int]) -> PickleValue {
      .numpyInt32Array(
        classes.flatMap { c in (0..<2).map { Int32($0 == c ? 1 : 0) } }, shape: [classes.count, 2])
    }
    let allx: [[Float]] = [[1, 1, 0, 0], [0, 2, 0, 2], [0, 0, 0, 0]]
    let graph = graphs[0]
    var lists = [[Int]](repeating: [], count: 6)
    for (i, j) in graph.edges where i < 6 && j < 6 {
      lists[i].append(j)
      if i != j { lists[j].append(i) }
    }
    let dict = PickleValue.dict(
      lists.enumerated().map { node, neighbours in
        PickleDictEntry(key: .int(node), value: .list(neighbours.map { .int($0) }))
      }, defaultFactory: PickleGlobal(module: "builtins", name: "list"))
    let files: [(String, PickleValue)] = [
      ("x", csr(Array(allx.prefix(2)))), ("y", oneHot([0, 1])),
      ("tx", csr([[0, 0, 3, 1], [1, 0, 0, 0]])), ("ty", oneHot([1, 0])),
      ("allx", csr(allx)), ("ally", oneHot([0, 1, 0])), ("graph", dict),
    ]
    return FuzzSample(
      files: files.map { ("ind.toy.\($0.0)", .plain(PickleWriter.pickle($0.1))) }
        + [("ind.toy.test.index", .plain(Array("5\n3\n".utf8)))])
  }

  // MARK: - Checkpoint

  /// A checkpoint of a small model after two Adam steps.
  static func checkpoint(random: inout RandomSource) -> Checkpoint {
    func gaussian(_ rows: Int, _ columns: Int) -> Matrix {
      Matrix(
        rows: rows, columns: columns,
        storage: (0..<(rows * columns)).map { _ in Float(random.nextGaussian()) })
    }
    let parameters = [
      Parameter(name: "gcs1/kernel_message", value: gaussian(4, 3)),
      Parameter(name: "gcs1/bias", value: gaussian(1, 3)),
      Parameter(name: "pool/kernel", value: gaussian(3, 2)),
    ]
    var adam = Adam(learningRate: 0.01)
    for _ in 0..<2 {
      let tape = Tape()
      var loss = sumOfSquares(tape.parameter(parameters[0]))
      for parameter in parameters.dropFirst() {
        loss = loss + sumOfSquares(tape.parameter(parameter))
      }
      adam.update(parameters, with: tape.gradients(of: loss))
    }
    return Checkpoint(
      parameters: parameters, optimizer: adam, iteration: 2, random: random,
      config: #"{"method": "MinCutPool"}"#)
  }
}

extension FuzzSample {
  /// The members of the zip at `path`, in archive order.
  static func members(ofZipAt path: String) throws -> [Member] {
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    return try archive.filter { $0.type == .file }.map { entry in
      var bytes: [UInt8] = []
      _ = try archive.extract(entry) { bytes.append(contentsOf: $0) }
      return Member(path: entry.path, bytes: bytes)
    }
  }
}
