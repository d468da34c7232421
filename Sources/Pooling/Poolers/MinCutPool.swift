import TensorCore

/// MinCutPool (Bianchi, Grattarola, Alippi, ICML 2020), single-graph mode.
///
/// Given node features X (N×F) and the adjacency Ã (N×N) fed to the layer:
///
///   S   = softmax(MLP(X) / τ)                   (N×K, row-wise)
///   L_c = −Tr(SᵀÃS) / Tr(SᵀD̃S),  D̃ = diag(Ã·1)  ∈ [−1, 0]
///   L_o = ‖ SᵀS / ‖SᵀS‖_F − I_K / √K ‖_F         ∈ [0, 2]
///   X'  = SᵀX,  A' = normalise(SᵀÃS with zero diagonal)
///
/// where MLP is optional hidden dense layers then a linear layer to K, and
/// normalise(A)_ij = A_ij / ((√d_i + ε)(√d_j + ε)). Ã stays sparse:
/// Tr(SᵀÃS) = Σ_ij ã_ij⟨s_i, s_j⟩ costs O(E·K) and Tr(SᵀD̃S) = Σ_i d̃_i‖s_i‖²
/// costs O(N·K), so a step costs O(E·K + N·K² + N·F·K).
public struct MinCutPool {
  public let hiddenLayers: [DenseLayer]
  public let output: DenseLayer
  public let clusterCount: Int
  public let temperature: Float
  public let poolEpsilon: Float

  /// - Parameters:
  ///   - name: parameter prefix (`name/mlp0/kernel`, …, `name/output/kernel`).
  ///   - hiddenUnits: sizes of the optional hidden layers (empty: none).
  ///   - poolEpsilon: ε of the pooled-adjacency normalisation (1e-7 as
  ///     Spektral; PyG uses 1e-15).
  public init(
    name: String, inputFeatures: Int, clusters: Int, hiddenUnits: [Int] = [],
    hiddenActivation: Activation = .relu, temperature: Float = 1, poolEpsilon: Float = 1e-7,
    random: inout RandomSource
  ) {
    var layers: [DenseLayer] = []
    var width = inputFeatures
    for (i, units) in hiddenUnits.enumerated() {
      layers.append(
        DenseLayer(
          name: "\(name)/mlp\(i)", inputFeatures: width, units: units,
          activation: hiddenActivation, random: &random))
      width = units
    }
    hiddenLayers = layers
    output = DenseLayer(
      name: "\(name)/output", inputFeatures: width, units: clusters, random: &random)
    clusterCount = clusters
    self.temperature = temperature
    self.poolEpsilon = poolEpsilon
  }

  public var parameters: [Parameter] { hiddenLayers.flatMap(\.parameters) + output.parameters }

  /// S = softmax(MLP(X) / τ). Cost O(N·F·K) plus the hidden layers.
  public func assignments(_ x: NodeFeatures, tape: Tape) -> Variable {
    var h = x
    for layer in hiddenLayers { h = .dense(layer(h, tape: tape)) }
    let logits = output(h, tape: tape)
    return softmax(temperature == 1 ? logits : logits * (1 / temperature))
  }

  /// L_c = −Tr(SᵀÃS) / Tr(SᵀD̃S). Throws on a graph without edges, where the
  /// denominator is 0 and the loss is undefined. Cost O(E·K + N·K).
  public static func cutLoss(assignments s: Variable, adjacency: SparseMatrix) throws -> Variable {
    let degrees = adjacency.rowSums()
    guard degrees.contains(where: { $0 != 0 }) else {
      throw PoolingError("MinCutPool: the graph has no edges, so the cut loss is undefined (0/0)")
    }
    let numerator = traceOfQuadraticForm(adjacency, s)
    let denominator = weightedSumOfSquaredRows(s, weights: degrees)
    return -(numerator / denominator)
  }

  /// L_o = ‖ SᵀS / ‖SᵀS‖_F − I_K / √K ‖_F. Cost O(N·K²).
  public static func orthogonalityLoss(assignments s: Variable) -> Variable {
    let k = s.columns
    let sts = matmul(s, s, transposeA: true)
    let target = s.tape.constant(Matrix.identity(k) * (1 / Float(k).squareRoot()))
    return frobeniusNorm(sts / frobeniusNorm(sts) - target)
  }

  /// The full layer: assignments, losses and (when `pooledGraph`) the
  /// pooled graph X' = SᵀX, A' = normalise(SᵀÃS, zero diagonal). `x` is
  /// what the MLP reads and what is pooled.
  public func callAsFunction(
    _ x: NodeFeatures, adjacency: SparseMatrix, pooledGraph: Bool = true, tape: Tape
  ) throws -> PoolingResult {
    let s = assignments(x, tape: tape)
    let cut = try Self.cutLoss(assignments: s, adjacency: adjacency)
    let orthogonality = Self.orthogonalityLoss(assignments: s)
    var pooledFeatures: Variable? = nil
    var pooledAdjacency: Variable? = nil
    if pooledGraph {
      switch x {
      case .dense(let features): pooledFeatures = matmul(s, features, transposeA: true)
      case .sparse(let features): pooledFeatures = transpose(matmul(features.transposed(), s))
      }
      let pooled = matmul(s, matmul(adjacency, s), transposeA: true)
      let offDiagonal = tape.constant(
        Matrix(rows: clusterCount, columns: clusterCount, repeating: 1)
          - Matrix.identity(clusterCount))
      pooledAdjacency = normalizePooledAdjacency(pooled * offDiagonal, epsilon: poolEpsilon)
    }
    return PoolingResult(
      assignments: s, pooledFeatures: pooledFeatures, pooledAdjacency: pooledAdjacency,
      auxiliaryLosses: ["cut": cut, "orthogonality": orthogonality])
  }
}

/// A_ij / ((√d_i + ε)(√d_j + ε)) with d = row sums, for a dense (pooled)
/// adjacency on the tape. Row sums must be non-negative. Cost O(K²).
public func normalizePooledAdjacency(_ a: Variable, epsilon: Float) -> Variable {
  let scale = sqrt(relu(sum(a, along: .columns))) + epsilon  // K×1
  return a / scale / transpose(scale)
}
