import TensorCore

/// Graclus pooling (Dhillon et al. 2007), precomputed and not trainable, as
/// METHODS §3 describes the Table 2 baseline: each graph is coarsened by
/// Graclus matching (`Graclus.coarsen`, a random visiting order drawn from
/// the run's seed) the first time the pooler meets it, and the coarsening
/// is kept for the run (keyed by the graph's dataset index). The pooled
/// graph is the coarse graph (cluster weights summed, as the layers'
/// normalisation then sees it); the pooled features are the per-cluster,
/// per-column maximum (PyG), or one member of each cluster (the NDP code's
/// keep-one switch). Cost per batch O(N·C + nnz) once coarsened.
public final class GraclusPool: Pooler, @unchecked Sendable {
  /// How the features of a cluster's nodes become the cluster's.
  public enum FeaturePooling: String, Codable, Sendable, CaseIterable {
    /// Per-column maximum over the cluster (PyG's max_pool).
    case max
    /// The cluster's last-numbered fine node (the NDP code keeps one member).
    case keepOne = "keep_one"
  }

  public let featurePooling: FeaturePooling
  private var random: RandomSource
  /// Coarsening of each graph met so far, by dataset index. The pooler is
  /// used by one run on one thread.
  private var cache: [Int: Coarsening] = [:]

  public init(featurePooling: FeaturePooling = .max, random: inout RandomSource) {
    self.featurePooling = featurePooling
    // Its own stream, split off the run's, so the coarsening does not
    // depend on how many weights other layers draw later.
    self.random = RandomSource(seed: random.next())
  }

  public var parameters: [Parameter] { [] }
  public var penalisedKernels: [Parameter] { [] }
  public var lossKinds: [AuxiliaryLossKind] { [] }

  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    guard case .sparse(let graph) = input.adjacency else {
      throw PoolingError("Graclus needs a sparse input graph, not dense pooled ones")
    }
    guard let indices = input.graphIndices, indices.count == input.segments.count else {
      throw PoolingError("Graclus needs each graph's dataset index to key its coarsening")
    }
    var clusterOf: [Int] = []  // fine node → global cluster
    var sizes: [Int] = []
    var entries: [(row: Int, column: Int, value: Float)] = []
    var base = 0
    for g in 0..<input.segments.count {
      let range = input.segments.range(of: g)
      let level: Coarsening
      if let known = cache[indices[g]] {
        level = known
      } else {
        let block = graph.adjacency.diagonalBlock(range)
        level = Graclus.coarsen(block, order: random.permutation(block.rows))
        cache[indices[g]] = level
      }
      precondition(
        level.clusterOf.count == range.count, "Graclus: graph \(indices[g]) changed size")
      clusterOf += level.clusterOf.map { $0 + base }
      let a = level.adjacency
      for i in 0..<a.rows {
        for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
          entries.append((base + i, base + Int(a.columnIndices[p]), a.values[p]))
        }
      }
      sizes.append(level.clusterCount)
      base += level.clusterCount
    }
    let x: Variable
    switch input.features {
    case .dense(let v): x = v
    case .sparse(let m): x = tape.constant(m.toDense())
    }
    let features: Variable
    switch featurePooling {
    case .max: features = segmentMax(x, segments: clusterOf, segmentCount: base)
    case .keepOne:
      var member = [Int](repeating: 0, count: base)
      for (node, cluster) in clusterOf.enumerated() { member[cluster] = node }
      features = gatherRows(x, member)
    }
    let coarse = SparseMatrix(rows: base, columns: base, entries: entries).detectingSymmetry()
    return PoolingOutput(
      assignment: .clusters(clusterOf), features: features,
      adjacency: .sparse(SparseGraph(adjacency: coarse)), segments: GraphSegments(sizes: sizes),
      losses: [])
  }
}
