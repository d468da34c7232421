import TensorCore

/// The graph a benchmark runs on: by default a random graph with sparse
/// binary features sized like Cora, so benchmarks need no downloaded data.
public struct SyntheticGraph: Sendable {
  /// "synthetic", or the dataset's name for a real graph.
  public let name: String
  public let nodeCount: Int
  /// Binary symmetric adjacency without self-loops.
  public let adjacency: SparseMatrix
  /// Binary bag-of-words style features (N×F, CSR).
  public let features: SparseMatrix

  /// Cora-sized by default: 2708 nodes, 5300 undirected edges (drawn
  /// uniformly, duplicates and self-loops redrawn) and 1433 features, each
  /// present with probability `featureDensity`. Cost O(E + N·F).
  public init(
    nodeCount: Int = 2708, undirectedEdges: Int = 5300, featureCount: Int = 1433,
    featureDensity: Double = 0.013, seed: UInt64 = 0
  ) {
    var random = RandomSource(seed: seed)
    var seen = Set<Int>()
    var edges: [(Int, Int)] = []
    while edges.count < undirectedEdges {
      let u = random.nextInt(below: nodeCount)
      let v = random.nextInt(below: nodeCount)
      guard u != v, seen.insert(min(u, v) * nodeCount + max(u, v)).inserted else { continue }
      edges.append((u, v))
    }
    var entries: [(row: Int, column: Int, value: Float)] = []
    for i in 0..<nodeCount {
      for j in 0..<featureCount where random.nextUniformDouble() < featureDensity {
        entries.append((i, j, 1))
      }
    }
    self.nodeCount = nodeCount
    adjacency = SparseMatrix.symmetricAdjacency(nodeCount: nodeCount, edges: edges)
    features = SparseMatrix(rows: nodeCount, columns: featureCount, entries: entries)
    name = "synthetic"
  }

  /// A real graph (e.g. Cora) in the same shape, to benchmark on actual data.
  public init(name: String, adjacency: SparseMatrix, features: SparseMatrix) {
    self.name = name
    nodeCount = adjacency.rows
    self.adjacency = adjacency
    self.features = features
  }
}
