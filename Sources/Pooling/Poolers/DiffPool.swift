import TensorCore

/// DiffPool (Ying et al., 2018) as in the MinCutPool paper's baselines
/// (Spektral 0.1.2), single-graph mode:
///
///   F   = normalise(A + I)                        (ε = 1e-7 after the √)
///   Z   = act(F X W_emb)        (N×C, no bias)
///   S   = softmax(F X W_pool)   (N×K, no bias)
///   L_LP = ‖A − SSᵀ‖_F  (optionally / N²),   L_E = mean_i(−Σ_k S_ik log(S_ik + 1e-7))
///   X'  = SᵀZ,  A' = SᵀAS  (no diagonal removal, no normalisation)
///
/// The link loss never forms the N×N matrix SSᵀ:
/// ‖A − SSᵀ‖²_F = ‖A‖²_F − 2 Tr(SᵀAS) + ‖SᵀS‖²_F, costing O(E·K + N·K²).
public struct DiffPool {
  public let embeddingKernel: Parameter
  public let poolingKernel: Parameter
  public let activation: Activation
  public let clusterCount: Int
  /// Divide L_LP by N² as PyG does (default false: the paper's code does not).
  public let divideLinkLossByNodeCountSquared: Bool

  public init(
    name: String, inputFeatures: Int, clusters: Int, channels: Int, activation: Activation,
    divideLinkLossByNodeCountSquared: Bool = false, initializer: Initializer = .glorotUniform,
    random: inout RandomSource
  ) {
    embeddingKernel = Parameter(
      name: "\(name)/kernel_embedding",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: channels, random: &random))
    poolingKernel = Parameter(
      name: "\(name)/kernel_pooling",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: clusters, random: &random))
    self.activation = activation
    clusterCount = clusters
    self.divideLinkLossByNodeCountSquared = divideLinkLossByNodeCountSquared
  }

  public var parameters: [Parameter] { [embeddingKernel, poolingKernel] }

  /// The filter F = normalise(A + I) the layer convolves with; compute once
  /// per graph. Cost O(N + nnz).
  public static func filter(adjacency: SparseMatrix, epsilon: Float = 1e-7) -> SparseMatrix {
    adjacency.addingIdentity().normalizedWithEpsilon(epsilon)
  }

  /// L_LP = ‖A − SSᵀ‖_F via ‖A‖² − 2Tr(SᵀAS) + ‖SᵀS‖² (clamped at 0 against
  /// rounding). Cost O(E·K + N·K²).
  public static func linkPredictionLoss(
    assignments s: Variable, adjacency: SparseMatrix, divideByNodeCountSquared: Bool = false
  ) -> Variable {
    let squared =
      sumOfSquares(matmul(s, s, transposeA: true)) - 2 * traceOfQuadraticForm(adjacency, s)
      + adjacency.squaredFrobeniusNorm()
    let loss = sqrt(relu(squared))
    let n = Float(adjacency.rows)
    return divideByNodeCountSquared ? loss * (1 / (n * n)) : loss
  }

  /// L_E = mean_i(−Σ_k S_ik log(S_ik + 1e-7)). Cost O(N·K).
  public static func entropyLoss(assignments s: Variable) -> Variable {
    -sum(s * log(s + 1e-7)) * (1 / Float(s.rows))
  }

  /// The full layer on features `x` with raw adjacency `adjacency` and its
  /// precomputed `filter`; the embedding Z and the pooled graph only when
  /// `pooledGraph` (node clustering scores S alone).
  public func callAsFunction(
    _ x: NodeFeatures, adjacency: SparseMatrix, filter: SparseMatrix, pooledGraph: Bool = true,
    tape: Tape
  ) -> PoolingResult {
    let s = softmax(matmul(filter, x.times(tape.parameter(poolingKernel))))
    var pooledFeatures: Variable? = nil
    var pooledAdjacency: Variable? = nil
    if pooledGraph {
      let z = activation(matmul(filter, x.times(tape.parameter(embeddingKernel))))
      pooledFeatures = matmul(s, z, transposeA: true)
      pooledAdjacency = matmul(s, matmul(adjacency, s), transposeA: true)
    }
    return PoolingResult(
      assignments: s, pooledFeatures: pooledFeatures, pooledAdjacency: pooledAdjacency,
      auxiliaryLosses: [
        "link_prediction": Self.linkPredictionLoss(
          assignments: s, adjacency: adjacency,
          divideByNodeCountSquared: divideLinkLossByNodeCountSquared),
        "entropy": Self.entropyLoss(assignments: s),
      ])
  }
}
