import TensorCore

/// NeuNcut on a graph (METHODS §5: the same loss with W = A) as a soft
/// pooler, so node clustering runs it from a layer list: `[neuncut]` is the
/// MLP on the node features, `[gcs…, neuncut]` puts a GCS encoder first.
/// S = softmax(MLP(X)); per graph, with d = A·1, vol = dᵀS and
/// H = S·diag(1/√(vol + 1e-6)), the loss terms are `normalized_cut`
/// Tr(HᵀLH) and `volume_orthogonality` ‖HᵀDH − I‖_F / K (NeuNcut weighs the
/// second by γ/2 = 40 through `loss_weights`). The pooled graph is SᵀX,
/// SᵀAS. Cost per graph O(E·K + N·F·K + N·K²).
public struct NeuNcutPool {
  public let mlp: SoftAssignmentMLP
  public let clusterCount: Int

  public init(mlp: SoftAssignmentMLP, clusterCount: Int) {
    self.mlp = mlp
    self.clusterCount = clusterCount
  }
}

extension NeuNcutPool: RawAdjacencySoftPooler {
  public static let method = "NeuNcut"
  public var lossKinds: [AuxiliaryLossKind] { [.normalizedCut, .volumeOrthogonality] }

  public func losses(assignments s: Variable, adjacency: GraphAdjacencyBlock) throws -> [Variable] {
    guard case .sparse(let a) = adjacency else {
      throw PoolingError(
        "NeuNcut after another soft pooler (on dense pooled graphs) is not implemented")
    }
    guard a.nonzeroCount > 0 else {
      throw PoolingError("NeuNcut: a graph has no edges, so its volumes are all 0")
    }
    let terms = NeuralNormalizedCut.terms(assignments: s, adjacency: a)
    return [terms.cut, terms.orthogonality]
  }
}
