import TensorCore

/// One level of a precomputed graph coarsening: which cluster each fine
/// node joins, and the coarse graph. Graclus merges nodes into clusters;
/// node decimation (NDP) keeps some nodes (each its own cluster, numbered
/// in node order) and drops the others.
public struct Coarsening: Sendable, Equatable {
  /// Fine node → cluster in 0..<clusterCount, or −1 for a node decimation
  /// dropped.
  public let clusterOf: [Int]
  public let clusterCount: Int
  /// The coarse adjacency (clusterCount × clusterCount). Graclus: C_ab =
  /// Σ_{i∈a, j∈b} w_ij, the diagonal keeping the weights inside a cluster;
  /// NDP: the Kron-reduced graph.
  public let adjacency: SparseMatrix

  public init(clusterOf: [Int], clusterCount: Int, adjacency: SparseMatrix) {
    precondition(
      adjacency.rows == clusterCount && adjacency.columns == clusterCount,
      "Coarsening: the coarse adjacency must be clusterCount × clusterCount")
    self.clusterOf = clusterOf
    self.clusterCount = clusterCount
    self.adjacency = adjacency
  }

  /// The kept fine nodes, in cluster order (node decimation: cluster c is
  /// the c-th kept node).
  public var keptNodes: [Int] {
    var kept = [Int](repeating: -1, count: clusterCount)
    for (node, cluster) in clusterOf.enumerated() where cluster >= 0 { kept[cluster] = node }
    return kept
  }
}
