import TensorCore

/// One graph ready for a graph-classification model: the adjacency the model
/// uses and its node features, stored sparse (the one-hot blocks are mostly
/// zeros: REDDIT-BINARY's dense features would take 1.9 GB).
public struct FeaturedGraph: Sendable, Equatable {
  /// Binary N×N adjacency as used downstream: clip(A + I, 0, 1) when
  /// `add_self_loops` is on, else the stored adjacency unchanged.
  public var adjacency: SparseMatrix
  /// N×F node features (CSR), columns as in the dataset's `FeatureLayout`.
  public var features: SparseMatrix
  /// Class index in 0..<classCount.
  public var label: Int

  /// Symmetry is detected here, once (O(N + nnz)), so batches built from
  /// the graph know it without comparing with a transpose every time.
  public init(adjacency: SparseMatrix, features: SparseMatrix, label: Int) {
    self.adjacency = adjacency.detectingSymmetry()
    self.features = features
    self.label = label
  }

  /// A graph from dense features (zeros are not stored).
  public init(adjacency: SparseMatrix, features: Matrix, label: Int) {
    self.init(adjacency: adjacency, features: SparseMatrix(dense: features), label: label)
  }

  public var nodeCount: Int { adjacency.rows }
}

/// A graph-classification dataset with surrogate node features.
public struct FeaturedDataset: Sendable {
  /// The source dataset's name.
  public var name: String
  /// The graphs, in the source dataset's order (split indices refer to it).
  public var graphs: [FeaturedGraph]
  public var classCount: Int
  /// The feature columns and their encodings (save it with results).
  public var layout: FeatureLayout
  /// The source dataset's predefined splits, unchanged.
  public var predefinedSplits: [GraphSplit]

  public init(
    name: String, graphs: [FeaturedGraph], classCount: Int, layout: FeatureLayout,
    predefinedSplits: [GraphSplit] = []
  ) {
    self.name = name
    self.graphs = graphs
    self.classCount = classCount
    self.layout = layout
    self.predefinedSplits = predefinedSplits
  }

  /// Number of feature columns F.
  public var featureCount: Int { layout.width }
  /// The class of every graph, in order.
  public var labels: [Int] { graphs.map(\.label) }
  /// Bytes held by the dense feature matrices (4·Σ N·F).
  /// Bytes of the stored features (values and column indices).
  public var featureBytes: Int { graphs.reduce(0) { $0 + 8 * $1.features.nonzeroCount } }
}

/// Surrogate node features for graph classification (METHODS §6,
/// REFERENCE-NOTES §1.5): per graph, the blocks below concatenated in this
/// order, each encoder fitted on all nodes of all graphs (before any split,
/// as the official loader does):
///
/// 1. degree d_i = Σ_j Â_ij of the downstream adjacency Â (clip(A + I, 0, 1)
///    with `add_self_loops`, so true degree + 1), one-hot over the sorted
///    distinct degrees of the whole dataset, or z-scored;
/// 2. clustering coefficient c_i = 2·T_i / (d_i (d_i − 1)) of the graph
///    without self-loops (0 when d_i < 2), z-scored;
/// 3. node attributes, raw, z-scored or one-hot per column;
/// 4. node labels, one-hot over the dataset's node-label vocabulary.
///
/// Blocks that are switched off, or whose data the dataset lacks, are left
/// out. Z-scoring uses the population std; a constant column becomes 0.
public enum SurrogateFeatures {
  /// Largest dense feature set `build` allocates (4 GiB: REDDIT-BINARY's
  /// paper features take 1.9 GB).
  public static let maximumFeatureBytes = 4 << 30

  /// Builds the features of every graph of `dataset`.
  ///
  /// Cost: O(Σ_g (N_g + nnz_g)) for adjacency and degrees, ≤ Σ_i d_i² over
  /// all nodes for the triangle counts (`GraphStructure.triangleCounts`),
  /// and O(Σ_g N_g·F) time and 4·Σ_g N_g·F bytes for the dense features.
  ///
  /// - Throws: `DatasetError.invalidContent` when graphs disagree on having
  ///   node attributes or labels, attribute widths differ, a node label or
  ///   class is out of range, an attribute is not finite, or an adjacency is
  ///   not square.
  public static func build(
    dataset: GraphClassificationDataset, options: SurrogateFeatureOptions = .init()
  ) throws -> FeaturedDataset {
    try validate(dataset)
    let graphs = dataset.graphs
    let adjacencies = graphs.map {
      options.addSelfLoops ? GraphStructure.addingSelfLoops($0.adjacency) : $0.adjacency
    }

    var blocks: [FeatureBlock] = []
    var writers: [(Int, Int, inout Matrix) -> Void] = []
    var offset = 0
    func append(_ block: FeatureBlock, _ writer: @escaping (Int, Int, inout Matrix) -> Void) {
      blocks.append(block)
      writers.append(writer)
      offset += block.width
    }

    // 1. Degree of the downstream adjacency.
    if options.degree != .none {
      let degrees = adjacencies.map { a in a.rowSums().map { Double($0) } }
      switch options.degree {
      case .oneHot:
        let vocabulary = OneHotVocabulary(chunks: degrees)
        let start = offset
        append(
          FeatureBlock(
            name: "degree_one_hot", offset: start, width: vocabulary.width,
            categories: [vocabulary.categories])
        ) { g, i, x in x[i, start + vocabulary.column(of: degrees[g][i])] = 1 }
      case .zscore:
        let z = ZScoreParameters(chunks: degrees)
        let start = offset
        append(
          FeatureBlock(
            name: "degree_zscore", offset: start, width: 1, mean: [z.mean],
            standardDeviation: [z.standardDeviation])
        ) { g, i, x in x[i, start] = z.encode(degrees[g][i]) }
      case .none:
        break
      }
    }

    // 2. Clustering coefficient of the graph without self-loops.
    if options.clusteringCoefficient {
      let coefficients = graphs.map { GraphStructure.clusteringCoefficients($0.adjacency) }
      let z = ZScoreParameters(chunks: coefficients)
      let start = offset
      append(
        FeatureBlock(
          name: "clustering_coefficient_zscore", offset: start, width: 1, mean: [z.mean],
          standardDeviation: [z.standardDeviation])
      ) { g, i, x in x[i, start] = z.encode(coefficients[g][i]) }
    }

    // 3. Node attributes, column by column.
    if options.nodeAttributes != .none, let first = graphs.first?.nodeAttributes {
      let width = first.columns
      // columnsOfAttributes[c][g][i]: column c of node i of graph g (fitting needs columns).
      let columnsOfAttributes: [[[Double]]] =
        options.nodeAttributes == .raw
        ? []
        : (0..<width).map { c in
          graphs.map { g in
            let a = g.nodeAttributes!
            return (0..<a.rows).map { Double(a[$0, c]) }
          }
        }
      let start = offset
      switch options.nodeAttributes {
      case .raw:
        append(FeatureBlock(name: "node_attributes_raw", offset: start, width: width)) {
          g, i, x in
          let a = graphs[g].nodeAttributes!
          for c in 0..<width { x[i, start + c] = a[i, c] }
        }
      case .zscore:
        let fitted = columnsOfAttributes.map { ZScoreParameters(chunks: $0) }
        append(
          FeatureBlock(
            name: "node_attributes_zscore", offset: start, width: width,
            mean: fitted.map(\.mean), standardDeviation: fitted.map(\.standardDeviation))
        ) { g, i, x in
          for c in 0..<width { x[i, start + c] = fitted[c].encode(columnsOfAttributes[c][g][i]) }
        }
      case .oneHot:
        let vocabularies = columnsOfAttributes.map { OneHotVocabulary(chunks: $0) }
        var starts: [Int] = []
        var total = 0
        for v in vocabularies {
          starts.append(start + total)
          total += v.width
        }
        append(
          FeatureBlock(
            name: "node_attributes_one_hot", offset: start, width: total,
            categories: vocabularies.map(\.categories))
        ) { g, i, x in
          for c in 0..<width {
            x[i, starts[c] + vocabularies[c].column(of: columnsOfAttributes[c][g][i])] = 1
          }
        }
      case .none:
        break
      }
    }

    // 4. One-hot node labels over the dataset's vocabulary.
    if options.nodeLabels, graphs.first?.nodeLabels != nil {
      let count = nodeLabelCount(dataset)
      let values =
        dataset.nodeLabelValues.map { $0.map(Double.init) } ?? (0..<count).map(Double.init)
      let start = offset
      append(
        FeatureBlock(
          name: "node_labels_one_hot", offset: start, width: count, categories: [values])
      ) { g, i, x in x[i, start + graphs[g].nodeLabels![i]] = 1 }
    }

    let layout = FeatureLayout(options: options, blocks: blocks)
    let width = layout.width
    // Dense features cost 4·N·F bytes; one-hot blocks of continuous
    // attributes (one column per distinct value) can make that explode.
    let totalNodes = graphs.reduce(0) { $0 + $1.nodeCount }
    let bytes = 4 * Double(totalNodes) * Double(width)
    guard bytes <= Double(maximumFeatureBytes) else {
      throw DatasetError.invalidContent(
        file: dataset.name,
        found: "surrogate features of \(totalNodes) nodes × \(width) columns "
          + "(\(Int(bytes / 1_048_576)) MiB: "
          + layout.blocks.map { "\($0.name) \($0.width)" }
          .joined(separator: ", ") + ")",
        expected: "at most \(maximumFeatureBytes >> 20) MiB of dense features; use "
          + "\"node_attributes\": \"zscore\" or \"degree\": \"zscore\" for wide one-hot blocks")
    }
    var featured: [FeaturedGraph] = []
    featured.reserveCapacity(graphs.count)
    for (g, graph) in graphs.enumerated() {
      var x = Matrix(rows: graph.nodeCount, columns: width)
      for i in 0..<graph.nodeCount {
        for writer in writers { writer(g, i, &x) }
      }
      // Dense for one graph while it is written, sparse once stored.
      featured.append(FeaturedGraph(adjacency: adjacencies[g], features: x, label: graph.label))
    }
    return FeaturedDataset(
      name: dataset.name, graphs: featured, classCount: dataset.classCount, layout: layout,
      predefinedSplits: dataset.predefinedSplits)
  }

  /// Number of node-label categories: the dataset's vocabulary size, or
  /// max label + 1 when it has none.
  static func nodeLabelCount(_ dataset: GraphClassificationDataset) -> Int {
    if let values = dataset.nodeLabelValues { return values.count }
    return 1 + dataset.graphs.reduce(-1) { max($0, $1.nodeLabels?.max() ?? -1) }
  }

  /// Checks what `build` relies on; see its `Throws`.
  static func validate(_ dataset: GraphClassificationDataset) throws {
    func fail(_ found: String, _ expected: String) -> DatasetError {
      .invalidContent(file: dataset.name, found: found, expected: expected)
    }
    guard let first = dataset.graphs.first else { return }
    let attributeWidth = first.nodeAttributes?.columns
    let hasLabels = first.nodeLabels != nil
    let labelCount = hasLabels ? nodeLabelCount(dataset) : 0
    for (g, graph) in dataset.graphs.enumerated() {
      let n = graph.adjacency.rows
      if graph.adjacency.columns != n {
        throw fail(
          "graph \(g) has a \(n)×\(graph.adjacency.columns) adjacency", "a square adjacency")
      }
      if !(0..<dataset.classCount).contains(graph.label) {
        throw fail("graph \(g) has class \(graph.label)", "a class in 0..<\(dataset.classCount)")
      }
      if graph.nodeAttributes?.columns != attributeWidth {
        throw fail(
          "graph \(g) has \(graph.nodeAttributes.map { "\($0.columns)" } ?? "no") attribute columns",
          "\(attributeWidth.map { "\($0)" } ?? "no") attribute columns, as graph 0")
      }
      if let a = graph.nodeAttributes {
        if a.rows != n {
          throw fail("graph \(g) has \(a.rows) attribute rows for \(n) nodes", "\(n) rows")
        }
        if !a.isFinite { throw fail("graph \(g) has a non-finite attribute", "finite values") }
      }
      if (graph.nodeLabels != nil) != hasLabels {
        throw fail(
          "graph \(g) \(hasLabels ? "without" : "with") node labels",
          "node labels on all graphs or none")
      }
      if let labels = graph.nodeLabels {
        if labels.count != n {
          throw fail("graph \(g) has \(labels.count) node labels for \(n) nodes", "\(n)")
        }
        if let bad = labels.first(where: { !(0..<labelCount).contains($0) }) {
          throw fail("graph \(g) has node label index \(bad)", "an index in 0..<\(labelCount)")
        }
      }
    }
  }
}
