import TensorCore

/// B graphs as one disjoint union, the input of a graph-classification step:
/// a block-diagonal CSR adjacency, the stacked node features (CSR: the
/// surrogate one-hot columns are mostly zeros), node offsets per graph, the
/// graph of every node, and the labels. Nothing is padded to the largest
/// graph, so a batch costs O(Σ N_g + Σ E_g) however uneven its graphs.
public struct GraphBatch: Sendable {
  /// The dataset indices of the graphs, in batch order.
  public let graphIndices: [Int]
  /// Block-diagonal N×N adjacency, N = Σ N_g (marked symmetric when every
  /// graph's is).
  public let adjacency: SparseMatrix
  /// Stacked N×F node features.
  public let features: SparseMatrix
  /// B + 1 offsets: graph g owns nodes `nodeOffsets[g] ..< nodeOffsets[g + 1]`.
  public let nodeOffsets: [Int]
  /// The graph (0..<B) of every node.
  public let graphOfNode: [Int]
  /// The class of every graph.
  public let labels: [Int]

  /// Number of graphs B.
  public var count: Int { graphIndices.count }
  /// Total number of nodes N.
  public var nodeCount: Int { nodeOffsets.last! }

  /// The batch of `dataset.graphs[indices]`. Cost O(Σ N_g + Σ nnz(X_g) + Σ E_g).
  public init(_ dataset: FeaturedDataset, indices: [Int]) {
    precondition(!indices.isEmpty, "GraphBatch: no graphs")
    var offsets = [0]
    var rowOffsets: [Int32] = [0]
    var columns: [Int32] = []
    var values: [Float] = []
    var featureOffsets: [Int32] = [0]
    var featureColumns: [Int32] = []
    var featureValues: [Float] = []
    var graphOfNode: [Int] = []
    var labels: [Int] = []
    var symmetric = true
    let width = dataset.featureCount
    let graphs = indices.map { dataset.graphs[$0] }
    let nodes = graphs.reduce(0) { $0 + $1.nodeCount }
    offsets.reserveCapacity(indices.count + 1)
    rowOffsets.reserveCapacity(nodes + 1)
    featureOffsets.reserveCapacity(nodes + 1)
    graphOfNode.reserveCapacity(nodes)
    let edges = graphs.reduce(0) { $0 + $1.adjacency.nonzeroCount }
    columns.reserveCapacity(edges)
    values.reserveCapacity(edges)
    let featureEntries = graphs.reduce(0) { $0 + $1.features.nonzeroCount }
    featureColumns.reserveCapacity(featureEntries)
    featureValues.reserveCapacity(featureEntries)
    for (position, graph) in graphs.enumerated() {
      let a = graph.adjacency
      let base = Int32(offsets.last!)
      for i in 0..<a.rows {
        for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
          columns.append(a.columnIndices[p] + base)
          values.append(a.values[p])
        }
        rowOffsets.append(Int32(columns.count))
        let x = graph.features
        for p in Int(x.rowOffsets[i])..<Int(x.rowOffsets[i + 1]) {
          featureColumns.append(x.columnIndices[p])
          featureValues.append(x.values[p])
        }
        featureOffsets.append(Int32(featureColumns.count))
        graphOfNode.append(position)
      }
      symmetric = symmetric && a.isKnownSymmetric
      offsets.append(offsets.last! + a.rows)
      labels.append(graph.label)
    }
    let n = offsets.last!
    let adjacency = SparseMatrix(
      rows: n, columns: n, rowOffsets: rowOffsets, columnIndices: columns, values: values)
    self.adjacency = symmetric ? adjacency.assumingSymmetric() : adjacency.detectingSymmetry()
    features = SparseMatrix(
      rows: n, columns: width, rowOffsets: featureOffsets, columnIndices: featureColumns,
      values: featureValues)
    graphIndices = indices
    nodeOffsets = offsets
    self.graphOfNode = graphOfNode
    self.labels = labels
  }

  /// `indices` cut into batches of `size` (the last may be smaller), in a
  /// seeded random order when `shuffle` (Fisher–Yates with `random`), else
  /// in the given order. Cost O(|indices|).
  public static func batches(
    of indices: [Int], size: Int, shuffle: Bool, random: inout RandomSource
  ) -> [[Int]] {
    precondition(size > 0, "GraphBatch.batches: size must be positive")
    var order = indices
    if shuffle && order.count > 1 {
      for i in stride(from: order.count - 1, to: 0, by: -1) {
        let j = Int(random.next() % UInt64(i + 1))
        order.swapAt(i, j)
      }
    }
    return stride(from: 0, to: order.count, by: size).map {
      Array(order[$0..<min($0 + size, order.count)])
    }
  }
}
