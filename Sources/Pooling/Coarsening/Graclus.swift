import TensorCore

/// Graclus matching (Dhillon, Guan, Kulis 2007), as METHODS §3 describes
/// the Table 2 baseline: visit the nodes in a given (random) order; match
/// each unmatched node i with the unmatched neighbour j ≠ i maximising the
/// normalised-cut weight w_ij (1/d_i + 1/d_j), d = weighted degrees (row
/// sums), ties to the lower index; a node without unmatched neighbours
/// stays alone. Clusters are numbered in visiting order. Not trainable:
/// computed once per graph and level.
public enum Graclus {
  /// One level with the visiting `order` (a permutation of the nodes).
  /// Cost O(N + nnz) plus the coarse graph's sorting.
  public static func coarsen(_ a: SparseMatrix, order: [Int]) -> Coarsening {
    let n = a.rows
    precondition(a.columns == n, "Graclus: the adjacency must be square")
    precondition(
      order.count == n && Set(order).count == n && order.allSatisfy { (0..<n).contains($0) },
      "Graclus: the visiting order must be a permutation of the \(n) nodes")
    let degrees = a.rowSums()
    var clusterOf = [Int](repeating: -1, count: n)
    var clusters = 0
    for i in order where clusterOf[i] < 0 {
      var partner = -1
      var bestScore = -Float.infinity
      for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
        let j = Int(a.columnIndices[p])
        guard j != i, clusterOf[j] < 0, a.values[p] > 0 else { continue }
        let score = a.values[p] * (1 / degrees[i] + 1 / degrees[j])
        if score > bestScore || (score == bestScore && j < partner) {
          (partner, bestScore) = (j, score)
        }
      }
      clusterOf[i] = clusters
      if partner >= 0 { clusterOf[partner] = clusters }
      clusters += 1
    }
    var entries: [(row: Int, column: Int, value: Float)] = []
    entries.reserveCapacity(a.nonzeroCount)
    for i in 0..<n {
      for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
        entries.append((clusterOf[i], clusterOf[Int(a.columnIndices[p])], a.values[p]))
      }
    }
    return Coarsening(
      clusterOf: clusterOf, clusterCount: clusters,
      adjacency: SparseMatrix(rows: clusters, columns: clusters, entries: entries))
  }

  /// `levels` successive levels, each visiting its graph's nodes in a
  /// random order drawn from `random` (the run's seed). Cost per level as
  /// `coarsen(_:order:)`.
  public static func pyramid(_ a: SparseMatrix, levels: Int, random: inout RandomSource)
    -> [Coarsening]
  {
    var graph = a
    var result: [Coarsening] = []
    for _ in 0..<levels {
      let level = coarsen(graph, order: random.permutation(graph.rows))
      result.append(level)
      graph = level.adjacency
    }
    return result
  }
}
