import TensorCore

/// One graph of a graph-classification dataset, as stored on disk (before
/// any surrogate features or self-loops are added).
public struct LabeledGraph: Sendable, Equatable {
  /// Symmetric binary adjacency (N×N, CSR). Self-loops present in the file
  /// are kept as diagonal entries; duplicate edges collapse.
  public var adjacency: SparseMatrix
  /// Class index in 0..<classCount.
  public var label: Int
  /// Categorical node labels (the file's values mapped to 0..<nodeLabelCount), if any.
  public var nodeLabels: [Int]?
  /// Continuous node attributes (N×d), if any.
  public var nodeAttributes: Matrix?
  /// Categorical edge labels aligned with `adjacency`'s stored entries
  /// (`adjacency.values` order), if any.
  public var edgeLabels: [Int]?

  public init(
    adjacency: SparseMatrix, label: Int, nodeLabels: [Int]? = nil, nodeAttributes: Matrix? = nil,
    edgeLabels: [Int]? = nil
  ) {
    self.adjacency = adjacency
    self.label = label
    self.nodeLabels = nodeLabels
    self.nodeAttributes = nodeAttributes
    self.edgeLabels = edgeLabels
  }

  public var nodeCount: Int { adjacency.rows }

  /// Number of self-loops (diagonal entries).
  public var selfLoopCount: Int {
    var count = 0
    for i in 0..<adjacency.rows {
      for p in Int(adjacency.rowOffsets[i])..<Int(adjacency.rowOffsets[i + 1])
      where Int(adjacency.columnIndices[p]) == i {
        count += 1
      }
    }
    return count
  }

  /// Edges counted as the MinCutPool paper's Table 5 (and the TU benchmark
  /// statistics) count them: each undirected edge once, each self-loop once,
  /// i.e. (nnz(A) + self-loops) / 2.
  public var undirectedEdgeCount: Int { (adjacency.nonzeroCount + selfLoopCount) / 2 }
}

/// A predefined split of a dataset's graphs, by graph index.
public struct GraphSplit: Sendable, Equatable, Codable {
  public var train: [Int]
  public var validation: [Int]
  public var test: [Int]

  public init(train: [Int], validation: [Int], test: [Int]) {
    self.train = train
    self.validation = validation
    self.test = test
  }
}

/// A graph-classification dataset: graphs, their classes and how the file's
/// label values map to class indices.
public struct GraphClassificationDataset: Sendable {
  /// The dataset's name as in its files (e.g. "PROTEINS", "REDDIT-BINARY", "easy_small").
  public var name: String
  public var graphs: [LabeledGraph]
  public var classCount: Int
  /// The file's label value of each class index (e.g. [-1, 1] for MUTAG).
  public var classValues: [Int]
  /// The file's node-label value of each node-label index, if node labels exist.
  public var nodeLabelValues: [Int]?
  /// The file's edge-label value of each edge-label index, if edge labels exist.
  public var edgeLabelValues: [Int]?
  /// Splits shipped with the data (the Bench train/validation/test split, or
  /// the GIN archives' 10 folds as test folds), if any.
  public var predefinedSplits: [GraphSplit]
  /// SHA-256 (hex) of every file read, by file name.
  public var fileChecksums: [String: String]

  public init(
    name: String, graphs: [LabeledGraph], classCount: Int, classValues: [Int],
    nodeLabelValues: [Int]? = nil, edgeLabelValues: [Int]? = nil,
    predefinedSplits: [GraphSplit] = [], fileChecksums: [String: String] = [:]
  ) {
    self.name = name
    self.graphs = graphs
    self.classCount = classCount
    self.classValues = classValues
    self.nodeLabelValues = nodeLabelValues
    self.edgeLabelValues = edgeLabelValues
    self.predefinedSplits = predefinedSplits
    self.fileChecksums = fileChecksums
  }

  public var averageNodeCount: Double {
    graphs.isEmpty ? 0 : Double(graphs.map(\.nodeCount).reduce(0, +)) / Double(graphs.count)
  }

  /// Average edges per graph, counted as `LabeledGraph.undirectedEdgeCount`.
  public var averageEdgeCount: Double {
    graphs.isEmpty
      ? 0 : Double(graphs.map(\.undirectedEdgeCount).reduce(0, +)) / Double(graphs.count)
  }

  /// Average stored entries of A per graph (each undirected edge twice, each
  /// self-loop once): how the Bench README, and so Table 5's Bench rows,
  /// count "edges".
  public var averageAdjacencyEntryCount: Double {
    graphs.isEmpty
      ? 0 : Double(graphs.map(\.adjacency.nonzeroCount).reduce(0, +)) / Double(graphs.count)
  }

  /// Bytes held by the graphs' arrays (CSR, labels, attributes): the
  /// dataset's in-memory size, without allocator overhead.
  public var storageBytes: Int {
    graphs.reduce(0) { total, g in
      total + 4 * (g.adjacency.rowOffsets.count + 2 * g.adjacency.nonzeroCount)
        + 8 * (g.nodeLabels?.count ?? 0) + 4 * (g.nodeAttributes?.count ?? 0)
        + 8 * (g.edgeLabels?.count ?? 0)
    }
  }

  public var hasNodeAttributes: Bool { graphs.first?.nodeAttributes != nil }
  public var hasNodeLabels: Bool { graphs.first?.nodeLabels != nil }
}

extension GraphClassificationDataset {
  /// SHA-256 (hex) of the dataset's content: for every graph its class,
  /// node count, CSR arrays, adjacency values and node labels, then the
  /// predefined splits, as little-endian integers and floats. Identifies
  /// generated data in results as a file checksum identifies read data.
  /// Cost O(total nodes + entries).
  public func contentDigest() -> String {
    var hash = SHA256()
    func add(_ values: [Int]) {
      values.map { Int64($0).littleEndian }.withUnsafeBytes { hash.update($0) }
    }
    for graph in graphs {
      add([graph.label, graph.nodeCount])
      add(graph.adjacency.rowOffsets.map(Int.init))
      add(graph.adjacency.columnIndices.map(Int.init))
      graph.adjacency.values.map(\.bitPattern.littleEndian).withUnsafeBytes { hash.update($0) }
      add(graph.nodeLabels ?? [-1])
    }
    for split in predefinedSplits { add(split.train + [-1] + split.validation + [-1] + split.test) }
    return hash.finalizeHex()
  }
}
