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
    let x = input.features.dense(on: tape)
    let features = gatherRows(x * tanh(y), kept)
    let a = graph.normalized
    let adjacency: SparseMatrix
    switch connectivity {
    case .squared:
      adjacency = squaredConnectivity(a, kept: kept, sizes: sizes, segments: input.segments)
    case .induced: adjacency = a.selectingRows(kept).selectingColumns(kept)
    }
    return PoolingOutput(
      assignment: .selected(kept), features: features,
      adjacency: .sparse(SparseGraph(normalized: adjacency.detectingSymmetry())),
      segments: GraphSegments(sizes: sizes), losses: [])
  }

  /// (A·A)[idx, idx] of a block-diagonal A, graph by graph: a graph whose
  /// block is at least 1/8 full (COLLAB's near-cliques) multiplies its kept
  /// rows and columns densely with BLAS, a sparser one with the sparse
  /// product; the blocks are joined into one block-diagonal CSR matrix of
  /// the kept nodes (graph order). Cost per graph O(k_g·n_g·k_g) dense or
  /// O(Σ_{i∈kept} Σ_{j∈row i} deg_j) sparse.
  public static func squaredConnectivity(
    _ a: SparseMatrix, kept: [Int], sizes: [Int], segments: GraphSegments
  ) -> SparseMatrix {
    var offsets: [Int32] = [0]
    var columns: [Int32] = []
    var values: [Float] = []
    var first = 0  // position of graph g's first kept node
    for g in 0..<segments.count {
      let range = segments.range(of: g)
      let local = kept[first..<(first + sizes[g])].map { $0 - range.lowerBound }
      let block = a.diagonalBlock(range)
      let product: SparseMatrix
      if 8 * block.nonzeroCount >= range.count * range.count {
        let dense = block.toDense()
        var rows = Matrix(rows: local.count, columns: range.count)
        var cols = Matrix(rows: range.count, columns: local.count)
        for (r, i) in local.enumerated() {
          for j in 0..<range.count {
            rows.storage[r * range.count + j] = dense.storage[i * range.count + j]
            cols.storage[j * local.count + r] = dense.storage[j * range.count + i]
          }
        }
        product = SparseMatrix(dense: Matrix.product(rows, cols))
      } else {
        product = block.selectingRows(local).multiply(block.selectingColumns(local))
      }
      let base = Int32(first)
      for i in 0..<product.rows {
        for p in Int(product.rowOffsets[i])..<Int(product.rowOffsets[i + 1]) {
          columns.append(product.columnIndices[p] + base)
          values.append(product.values[p])
        }
        offsets.append(Int32(columns.count))
      }
      first += sizes[g]
    }
    return SparseMatrix(
      rows: kept.count, columns: kept.count, rowOffsets: offsets, columnIndices: columns,
      values: values)
  }
}
