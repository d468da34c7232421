import TensorCore

/// A random graph with sparse binary features, sized like a citation
/// dataset, for benchmarks that must not depend on downloaded data.
public struct SyntheticGraph: Sendable {
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
  }
}
