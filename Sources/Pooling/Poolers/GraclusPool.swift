import TensorCore

/// Graclus pooling (Dhillon et al. 2007), precomputed and not trainable, as
/// METHODS §3 describes the Table 2 baseline: each graph is coarsened by
/// Graclus matching (`Graclus.coarsen`) with a random visiting order drawn
/// from the pooler's seed (split off the run's) and the graph's dataset
/// index, once per run (`PrecomputedPooler`). The pooled graph is the
/// coarse graph (cluster weights summed, as the layers' normalisation then
/// sees it); the pooled features are the per-cluster, per-column maximum
/// (PyG), or one member of each cluster (the NDP code's keep-one switch).
/// Cost per batch O(N·C + nnz) once coarsened.
public final class GraclusPool: PrecomputedPooler, @unchecked Sendable {
  /// How the features of a cluster's nodes become the cluster's.
  public enum FeaturePooling: String, Codable, Sendable, CaseIterable {
    /// Per-column maximum over the cluster (PyG's max_pool).
    case max
    /// The cluster's last-numbered fine node (the NDP code keeps one member).
    case keepOne = "keep_one"
  }

  public let featurePooling: FeaturePooling
  /// Seed of the visiting orders, drawn from the run's stream so the
  /// coarsening does not depend on how many weights other layers draw.
  public let seed: UInt64
  public let coarsenings = CoarseningMemo()

  public init(featurePooling: FeaturePooling = .max, random: inout RandomSource) {
    self.featurePooling = featurePooling
    self.seed = random.next()
  }

  public var parameters: [Parameter] { [] }
  public var penalisedKernels: [Parameter] { [] }
  public var lossKinds: [AuxiliaryLossKind] { [] }
  // The feature pooling acts after the coarsening, so it is not part of it.
  public var coarseningSignature: String { "graclus seed=\(seed)" }

  public func coarsen(_ a: SparseMatrix, graphIndex: Int) -> Coarsening {
    var random = Self.stream(seed: seed, graphIndex: graphIndex)
    return Graclus.coarsen(a, order: random.permutation(a.rows))
  }

  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let batch = try coarsenBatch(input, method: "Graclus")
    let x = input.features.dense(on: tape)
    let count = batch.clusterCount
    let features: Variable
    switch featurePooling {
    case .max: features = segmentMax(x, segments: batch.clusterOf, segmentCount: count)
    case .keepOne:
      var member = [Int](repeating: 0, count: count)
      for (node, cluster) in batch.clusterOf.enumerated() { member[cluster] = node }
      features = gatherRows(x, member)
    }
    return PoolingOutput(
      assignment: .clusters(batch.clusterOf), features: features,
      adjacency: .sparse(SparseGraph(adjacency: batch.adjacency)),
      segments: GraphSegments(sizes: batch.sizes), losses: [])
  }
}
