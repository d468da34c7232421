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

  /// L_c on a dense (pooled, differentiable) adjacency:
  /// −Tr(SᵀAS) / Σ_i d_i‖s_i‖² with d = A·1. Throws when A has no edges.
  /// Cost O(N²·K).
  public static func cutLoss(assignments s: Variable, denseAdjacency a: Variable) throws
    -> Variable
  {
    guard a.value.storage.contains(where: { $0 != 0 }) else {
      throw PoolingError(
        "MinCutPool: a pooled graph has no edges, so the cut loss is undefined (0/0)")
    }
    let numerator = sum(s * matmul(a, s))
    let degrees = sum(a, along: .columns)  // N×1
    let denominator = sum(s * s * degrees)
    return -(numerator / denominator)
  }
}

extension MinCutPool: Pooler {
  public var penalisedKernels: [Parameter] { hiddenLayers.map(\.kernel) + [output.kernel] }

  public var lossKinds: [AuxiliaryLossKind] { [.cut, .orthogonality] }

  /// Pools each graph of the batch: S = softmax(MLP(X)/τ) for all nodes at
  /// once, then per graph g (nodes of segment g) L_c and L_o on S_g and the
  /// adjacency fed to the layer (Ã_g of a sparse input, the dense A'_g of a
  /// pooled one), X'_g = S_gᵀX_g and A'_g = normalise(S_gᵀÃ_gS_g, zero
  /// diagonal). Losses are averaged over the graphs; the pooled graphs are
  /// K×K each, stacked (no padding). A single sparse graph takes exactly
  /// the node-clustering computation. Cost per graph O(E_g·K + N_g·K² +
  /// N_g·F·K) on sparse input, O(N_g²·K) on dense input.
  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let s = assignments(input.features, tape: tape)
    let batch = input.segments.count
    var cuts: [Variable] = []
    var orthogonalities: [Variable] = []
    var pooledFeatures: [Variable] = []
    var pooledAdjacencies: [Variable] = []
    let offDiagonal = tape.constant(
      Matrix(rows: clusterCount, columns: clusterCount, repeating: 1)
        - Matrix.identity(clusterCount))
    for g in 0..<batch {
      let range = input.segments.range(of: g)
      let sg = batch == 1 ? s : rows(s, range)
      let propagated: Variable  // Ã_g S_g
      switch input.adjacency {
      case .sparse(let graph):
        let a = batch == 1 ? graph.normalized : graph.normalized.diagonalBlock(range)
        cuts.append(try Self.cutLoss(assignments: sg, adjacency: a))
        propagated = input.buildsPooledGraph ? matmul(a, sg) : sg
      case .densePerGraph(let adjacencies):
        cuts.append(try Self.cutLoss(assignments: sg, denseAdjacency: adjacencies[g]))
        propagated = input.buildsPooledGraph ? matmul(adjacencies[g], sg) : sg
      }
      orthogonalities.append(Self.orthogonalityLoss(assignments: sg))
      guard input.buildsPooledGraph else { continue }
      pooledFeatures.append(pooledNodeFeatures(input.features, sg, batch == 1 ? nil : range))
      let pooled = matmul(sg, propagated, transposeA: true)
      pooledAdjacencies.append(normalizePooledAdjacency(pooled * offDiagonal, epsilon: poolEpsilon))
    }
    let losses = [
      AuxiliaryLoss(.cut, meanOverGraphs(cuts)),
      AuxiliaryLoss(.orthogonality, meanOverGraphs(orthogonalities)),
    ]
    return .soft(
      s, pooledFeatures: pooledFeatures, pooledAdjacencies: pooledAdjacencies,
      clusterCount: clusterCount, losses: losses)
  }
}

/// S_gᵀX_g for the rows `range` of the stacked features (all rows when
/// `nil`). Cost O(nnz(X_g)·K) sparse, O(N_g·F·K) dense.
func pooledNodeFeatures(_ x: NodeFeatures, _ s: Variable, _ range: Range<Int>?) -> Variable {
  switch x {
  case .dense(let features):
    return matmul(s, range.map { rows(features, $0) } ?? features, transposeA: true)
  case .sparse(let features):
    let block = range.map { features.rowBlock($0) } ?? features
    return transpose(matmul(block.transposed(), s))
  }
}

/// The mean of per-graph losses (the loss itself for one graph, so a single
/// graph's value is untouched).
func meanOverGraphs(_ losses: [Variable]) -> Variable {
  guard losses.count > 1 else { return losses[0] }
  var total = losses[0]
  for loss in losses.dropFirst() { total = total + loss }
  return total * (1 / Float(losses.count))
}

/// A_ij / ((√d_i + ε)(√d_j + ε)) with d = row sums, for a dense (pooled)
/// adjacency on the tape. Row sums must be non-negative. Cost O(K²).
public func normalizePooledAdjacency(_ a: Variable, epsilon: Float) -> Variable {
  let scale = sqrt(relu(sum(a, along: .columns))) + epsilon  // K×1
  return a / scale / transpose(scale)
}
