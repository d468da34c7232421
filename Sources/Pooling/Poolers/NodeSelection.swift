import TensorCore

/// How the kept nodes of a selection pooler are connected.
public enum SelectionConnectivity: String, Codable, Sendable, CaseIterable {
  /// (A·A)[idx, idx] of the adjacency fed to the layer, not renormalised:
  /// Spektral 0.1.2's TopKPool/SAGPool, which the paper's code ran.
  case squared
  /// The induced subgraph A[idx, idx], as PyG and later Spektral.
  case induced
}

/// The shared second half of the selection poolers (Top-K, SAGPool): given
/// one score per node, keep the ⌈ratio·N_g⌉ highest-scoring nodes of every
/// graph of the batch, gate their features by tanh(score) so the score's
/// parameters get a gradient, and connect them.
public enum NodeSelection {
  /// Per graph, the ⌈ratio·N_g⌉ nodes of largest score (at least one of a
  /// non-empty graph), in descending score order, ties to the lower index;
  /// indices are into the stacked rows. Cost O(N log N).
  public static func topNodes(scores: [Float], segments: GraphSegments, ratio: Double)
    -> (indices: [Int], sizes: [Int])
  {
    precondition(scores.count == segments.nodeCount, "topNodes: one score per node")
    var indices: [Int] = []
    var sizes: [Int] = []
    for g in 0..<segments.count {
      let range = segments.range(of: g)
      let keep = range.isEmpty ? 0 : max(1, Int((ratio * Double(range.count)).rounded(.up)))
      let ranked = range.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
      indices += ranked.prefix(keep)
      sizes.append(keep)
    }
    return (indices, sizes)
  }

  /// X' = (X ⊙ tanh(y))[idx] and A' by `connectivity` for the scores y
  /// (N×1) of the nodes of `input`, whose adjacency must be sparse; no
  /// auxiliary losses. The pooled adjacency is handed on as the operator
  /// the next layers use as it is (`SparseGraph(normalized:)`), as the
  /// official code did. Cost O(N·C + N log N) plus the connectivity:
  /// O(Σ_i Σ_{k∈row i} deg_k) for the squared form, O(nnz) induced.
  public static func pool(
    _ input: PoolingInput, scores y: Variable, ratio: Double,
    connectivity: SelectionConnectivity, tape: Tape
  ) throws -> PoolingOutput {
    guard case .sparse(let graph) = input.adjacency else {
      throw PoolingError(
        "a selection pooler (Top-K, SAGPool) needs a sparse input graph, not dense pooled ones")
    }
    let (kept, sizes) = topNodes(scores: y.value.storage, segments: input.segments, ratio: ratio)
    let x: Variable
    switch input.features {
    case .dense(let v): x = v
    case .sparse(let m): x = tape.constant(m.toDense())
    }
    let features = gatherRows(x * tanh(y), kept)
    let a = graph.normalized
    let adjacency: SparseMatrix
    switch connectivity {
    case .squared: adjacency = a.selectingRows(kept).multiply(a.selectingColumns(kept))
    case .induced: adjacency = a.selectingRows(kept).selectingColumns(kept)
    }
    return PoolingOutput(
      assignment: .selected(kept), features: features,
      adjacency: .sparse(SparseGraph(normalized: adjacency.detectingSymmetry())),
      segments: GraphSegments(sizes: sizes), losses: [])
  }
}
