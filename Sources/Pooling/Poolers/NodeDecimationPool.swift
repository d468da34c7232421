import TensorCore

/// Node decimation pooling (NDP; Bianchi et al. 2020), precomputed and not
/// trainable, as METHODS §3 describes the Table 2 baseline: each graph is
/// decimated by `NodeDecimation.decimate` (spectral split, Kron reduction,
/// sparsification) once per run (`PrecomputedPooler`); the random-split
/// fallback draws from the pooler's seed and the graph's dataset index.
/// The pooled graph is the Kron-reduced graph; the pooled features are
/// the kept nodes' rows, unchanged (X' = X[kept]). Cost per batch
/// O(N·C + nnz) once decimated.
public final class NodeDecimationPool: PrecomputedPooler, @unchecked Sendable {
  /// Reduced edges with |a'_ij| at most this are dropped.
  public let sparsifyThreshold: Float
  public let seed: UInt64
  public let coarsenings = CoarseningMemo()
  /// How many graphs this pooler decimated with the random-split fallback,
  /// with a regularised L_nn, and after the eigensolver failed (reports).
  public private(set) var fallbackCounts = (randomSplits: 0, regularised: 0, eigensolverFailures: 0)

  public init(
    sparsifyThreshold: Float = NodeDecimation.defaultSparsifyThreshold,
    random: inout RandomSource
  ) {
    self.sparsifyThreshold = sparsifyThreshold
    self.seed = random.next()
  }

  public var parameters: [Parameter] { [] }
  public var penalisedKernels: [Parameter] { [] }
  public var lossKinds: [AuxiliaryLossKind] { [] }
  public var coarseningNotes: String? {
    let (splits, regularised, failures) = fallbackCounts
    return
      "\(splits) graphs split at random, \(regularised) with L_nn regularised, \(failures) eigensolver failures"
  }
  // "per-component": the split of each connected component by its own
  // eigenvector (coarsenings cached by the earlier whole-graph rule differ).
  public var coarseningSignature: String {
    "ndp per-component sparsify=\(sparsifyThreshold) seed=\(seed)"
  }

  public func coarsen(_ a: SparseMatrix, graphIndex: Int) throws -> Coarsening {
    var random = Self.stream(seed: seed, graphIndex: graphIndex)
    do {
      let outcome = try NodeDecimation.decimate(
        a, sparsifyThreshold: sparsifyThreshold, random: &random)
      if outcome.usedRandomSplit { fallbackCounts.randomSplits += 1 }
      if outcome.regularised { fallbackCounts.regularised += 1 }
      if outcome.eigensolverFailed { fallbackCounts.eigensolverFailures += 1 }
      return outcome.coarsening
    } catch {
      throw PoolingError("NDP: graph \(graphIndex): \(error)")
    }
  }

  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let batch = try coarsenBatch(input, method: "NDP")
    let x = input.features.dense(on: tape)
    var kept: [Int] = []
    kept.reserveCapacity(batch.clusterCount)
    for (node, cluster) in batch.clusterOf.enumerated() where cluster >= 0 { kept.append(node) }
    return PoolingOutput(
      assignment: .selected(kept), features: gatherRows(x, kept),
      adjacency: .sparse(SparseGraph(adjacency: batch.adjacency)),
      segments: GraphSegments(sizes: batch.sizes), losses: [])
  }
}
