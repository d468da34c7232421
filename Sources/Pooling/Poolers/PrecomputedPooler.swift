import TensorCore

/// A pooler whose coarsening of each graph is fixed before training and
/// never learnt (Graclus, NDP). Its coarsening of a graph is a function of
/// the graph, its dataset index and `coarseningSignature` alone (randomness
/// is drawn from a stream seeded by the signature's seed and the index, not
/// from the order in which batches meet the graphs), so a dataset's
/// coarsenings can be computed once, up front, and stored on disk under a
/// key made of the data checksum and the signatures
/// (`GraphClassifier.precomputeCoarsenings`).
public protocol PrecomputedPooler: Pooler, AnyObject {
  /// Everything besides the graph that its coarsening depends on (method,
  /// options, seed), e.g. `graclus seed=123`.
  var coarseningSignature: String { get }
  /// One level for graph `graphIndex` of the dataset, adjacency `a`.
  func coarsen(_ a: SparseMatrix, graphIndex: Int) throws -> Coarsening
  /// Each graph's level by dataset index: installed up front, else filled
  /// on first use.
  var coarsenings: CoarseningMemo { get }
  /// What a report should say about the coarsenings this pooler computed
  /// (e.g. how often a fallback was taken); nil when nothing.
  var coarseningNotes: String? { get }
}

extension PrecomputedPooler {
  public var coarseningNotes: String? { nil }
}

/// The coarsenings of a pooler, by the graph's dataset index. Used by one
/// run on one thread.
public final class CoarseningMemo: @unchecked Sendable {
  public var levels: [Int: Coarsening] = [:]
  public init() {}
}

/// The coarsened graphs of a batch, stacked: fine node → global coarse
/// node (−1: dropped), and the block-diagonal coarse adjacency.
public struct BatchCoarsening {
  public var clusterOf: [Int]
  public var sizes: [Int]
  public var adjacency: SparseMatrix
  public var clusterCount: Int { sizes.reduce(0, +) }
}

extension PrecomputedPooler {
  /// A random stream for graph `graphIndex` from the pooler's `seed`
  /// (splitmix-style mixing, so neighbouring indices get unrelated streams).
  public static func stream(seed: UInt64, graphIndex: Int) -> RandomSource {
    RandomSource(seed: seed ^ (UInt64(graphIndex) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
  }

  /// Each graph of `input` coarsened (from the memo, else now), stacked.
  /// `method` names the pooler in errors. Cost O(N + nnz) plus any
  /// coarsening not yet known.
  public func coarsenBatch(_ input: PoolingInput, method: String) throws -> BatchCoarsening {
    guard case .sparse(let graph) = input.adjacency else {
      throw PoolingError("\(method) needs a sparse input graph, not dense pooled ones")
    }
    guard let indices = input.graphIndices, indices.count == input.segments.count else {
      throw PoolingError("\(method) needs each graph's dataset index to key its coarsening")
    }
    var clusterOf: [Int] = []
    clusterOf.reserveCapacity(input.segments.nodeCount)
    var sizes: [Int] = []
    var entries: [(row: Int, column: Int, value: Float)] = []
    var base = 0
    for g in 0..<input.segments.count {
      let range = input.segments.range(of: g)
      let level: Coarsening
      if let known = coarsenings.levels[indices[g]] {
        level = known
      } else {
        level = try coarsen(graph.adjacency.diagonalBlock(range), graphIndex: indices[g])
        coarsenings.levels[indices[g]] = level
      }
      guard level.clusterOf.count == range.count else {
        throw PoolingError(
          "\(method): graph \(indices[g]) has \(range.count) nodes but its stored coarsening "
            + "has \(level.clusterOf.count)")
      }
      clusterOf += level.clusterOf.map { $0 < 0 ? -1 : $0 + base }
      let a = level.adjacency
      for i in 0..<a.rows {
        for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
          entries.append((base + i, base + Int(a.columnIndices[p]), a.values[p]))
        }
      }
      sizes.append(level.clusterCount)
      base += level.clusterCount
    }
    return BatchCoarsening(
      clusterOf: clusterOf, sizes: sizes,
      adjacency: SparseMatrix(rows: base, columns: base, entries: entries).detectingSymmetry())
  }
}

/// Precomputed poolers applied in turn to whole datasets.
public enum PrecomputedCoarsening {
  /// Level ℓ of every graph: `poolers[ℓ]` applied to level ℓ − 1's coarse
  /// graphs (level 0 to `graphs`). `progress` is called with (level,
  /// graphs done) every 64 graphs. Cost: the poolers' `coarsen`, summed.
  public static func levels(
    of graphs: [SparseMatrix], poolers: [any PrecomputedPooler],
    progress: (Int, Int) -> Void = { _, _ in }
  ) throws -> [[Coarsening]] {
    var current = graphs
    var result: [[Coarsening]] = []
    for (level, pooler) in poolers.enumerated() {
      var coarsened: [Coarsening] = []
      coarsened.reserveCapacity(current.count)
      for (index, a) in current.enumerated() {
        coarsened.append(try pooler.coarsen(a, graphIndex: index))
        if (index + 1) % 64 == 0 { progress(level, index + 1) }
      }
      result.append(coarsened)
      current = coarsened.map(\.adjacency)
    }
    return result
  }
}
