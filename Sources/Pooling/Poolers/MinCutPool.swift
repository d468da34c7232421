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
  /// The MLP before the softmax (`name/mlp<i>/…`, `name/output/…`).
  public let mlp: SoftAssignmentMLP
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
    mlp = SoftAssignmentMLP(
      name: name, inputFeatures: inputFeatures, clusters: clusters, hiddenUnits: hiddenUnits,
      hiddenActivation: hiddenActivation, random: &random)
    clusterCount = clusters
    self.temperature = temperature
    self.poolEpsilon = poolEpsilon
  }

  public var parameters: [Parameter] { mlp.parameters }

  /// S = softmax(MLP(X) / τ). Cost O(N·F·K) plus the hidden layers.
  public func assignments(_ x: NodeFeatures, tape: Tape) -> Variable {
    let logits = mlp.logits(x, tape: tape)
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
  public var penalisedKernels: [Parameter] { mlp.kernels }

  public var lossKinds: [AuxiliaryLossKind] { [.cut, .orthogonality] }

  /// Pools each graph of the batch: S = softmax(MLP(X)/τ) for all nodes at
  /// once; per graph g, L_c and L_o on S_g and the adjacency fed to the
  /// layer (Ã_g of a sparse input, the dense A'_g of a pooled one),
  /// X'_g = S_gᵀX_g and A'_g = normalise(S_gᵀÃ_gS_g, zero diagonal). Losses
  /// are averaged over the graphs; the pooled graphs are K×K each, stacked
  /// (no padding). A single graph takes the single-graph formulas (exactly
  /// the node-clustering computation); a batch computes every graph's terms
  /// with whole-batch ops (`batched`). Cost per graph O(E_g·K + N_g·K² +
  /// N_g·F·K) on sparse input, O(N_g²·K) on dense input.
  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let s = assignments(input.features, tape: tape)
    if input.segments.count > 1 { return try batched(s, input, tape: tape) }
    let cut: Variable
    let propagated: Variable  // Ã S
    switch input.adjacency {
    case .sparse(let graph):
      cut = try Self.cutLoss(assignments: s, adjacency: graph.normalized)
      propagated = input.buildsPooledGraph ? matmul(graph.normalized, s) : s
    case .denseBlocks(let a):
      cut = try Self.cutLoss(assignments: s, denseAdjacency: a)
      propagated = input.buildsPooledGraph ? matmul(a, s) : s
    }
    let losses = [
      AuxiliaryLoss(.cut, cut),
      AuxiliaryLoss(.orthogonality, Self.orthogonalityLoss(assignments: s)),
    ]
    guard input.buildsPooledGraph else {
      return .soft(
        s, pooledFeatures: nil, pooledAdjacency: nil, clusterCount: clusterCount, graphCount: 1,
        losses: losses)
    }
    let offDiagonal = tape.constant(
      Matrix(rows: clusterCount, columns: clusterCount, repeating: 1)
        - Matrix.identity(clusterCount))
    let pooled = matmul(s, propagated, transposeA: true) * offDiagonal
    return .soft(
      s, pooledFeatures: pooledNodeFeatures(input.features, s, nil),
      pooledAdjacency: normalizePooledAdjacency(pooled, epsilon: poolEpsilon),
      clusterCount: clusterCount, graphCount: 1, losses: losses)
  }

  /// The batch of B > 1 graphs, each term for all graphs in one op:
  /// P = ÃS (one sparse product over the block-diagonal Ã, or one product
  /// per dense block), L_c,g = −`blockCutRatios`(S, P, d)_g, (SᵀS)_g,
  /// (SᵀX)_g and (SᵀP)_g by `blockTransposeProduct`, L_o,g by
  /// `blockOrthogonalityDistances` and A'_g by `normalizedBlocks`.
  /// Equal to the mean of the single-graph results up to rounding (tested).
  private func batched(_ s: Variable, _ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let segments = input.segments
    let (graphs, k) = (segments.count, clusterCount)
    let propagated: Variable  // P = ÃS, N×K
    let degrees: Variable  // d = Ã·1, N×1
    switch input.adjacency {
    case .sparse(let graph):
      let a = graph.normalized
      let d = a.rowSums()
      try Self.requireEdges(segments) { range in range.contains { d[$0] != 0 } }
      propagated = matmul(a, s)
      degrees = tape.constant(Matrix(rows: d.count, columns: 1, storage: d))
    case .denseBlocks(let blocks):
      let values = blocks.value
      try Self.requireEdges(segments) { range in
        values.storage[(range.lowerBound * values.columns)..<(range.upperBound * values.columns)]
          .contains { $0 != 0 }
      }
      propagated = blockDiagonalProduct(blocks, s, offsets: segments.offsets)
      degrees = sum(blocks, along: .columns)
    }
    let cut = -mean(blockCutRatios(s, propagated, weights: degrees, offsets: segments.offsets))
    let orthogonality = mean(
      blockOrthogonalityDistances(blockTransposeProduct(s, s, offsets: segments.offsets)))
    let losses = [AuxiliaryLoss(.cut, cut), AuxiliaryLoss(.orthogonality, orthogonality)]
    guard input.buildsPooledGraph else {
      return .soft(
        s, pooledFeatures: nil, pooledAdjacency: nil, clusterCount: k, graphCount: graphs,
        losses: losses)
    }
    let features: Variable
    switch input.features {
    case .dense(let x): features = blockTransposeProduct(s, x, offsets: segments.offsets)
    case .sparse:
      features = concatenateRows(
        (0..<graphs).map { pooledNodeFeatures(input.features, s, segments.range(of: $0)) })
    }
    let pooled = normalizedBlocks(
      blockTransposeProduct(s, propagated, offsets: segments.offsets),
      offsets: (0...graphs).map { $0 * k }, epsilon: poolEpsilon, zeroingDiagonal: true)
    return .soft(
      s, pooledFeatures: features, pooledAdjacency: pooled, clusterCount: k, graphCount: graphs,
      losses: losses)
  }

  /// Throws naming the first graph of `segments` for which `hasEdges` is
  /// false (its cut loss would be 0/0).
  private static func requireEdges(
    _ segments: GraphSegments, _ hasEdges: (Range<Int>) -> Bool
  ) throws {
    for g in 0..<segments.count where !hasEdges(segments.range(of: g)) {
      throw PoolingError(
        "MinCutPool: graph \(g) of the batch has no edges, so its cut loss is undefined (0/0)")
    }
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

/// A_ij / ((√d_i + ε)(√d_j + ε)) with d = row sums, for a dense (pooled)
/// adjacency on the tape. Row sums must be non-negative. Cost O(K²).
public func normalizePooledAdjacency(_ a: Variable, epsilon: Float) -> Variable {
  let scale = sqrt(relu(sum(a, along: .columns))) + epsilon  // K×1
  return a / scale / transpose(scale)
}
