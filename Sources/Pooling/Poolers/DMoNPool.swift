import TensorCore

/// DMoN pooling (Tsitsulin et al., JMLR 2023), the other column of TVGNN's
/// table. S = softmax(MLP(X)) (N×K); per graph, on the raw adjacency A with
/// degrees d = A·1 and 2m = Σ_ij a_ij:
///
///   L_mod = −Tr(SᵀAS − Sᵀd dᵀS / 2m) / 2m
///         = −(Σ_ij a_ij⟨s_i, s_j⟩ − ‖dᵀS‖² / 2m) / 2m
///   L_col = √K / N · ‖Σ_i s_i‖₂ − 1
///
/// (d dᵀ is never formed: dᵀS is one 1×K row), weighted by `loss_weights`
/// (`modularity`, `collapse`) and averaged over the graphs of a batch;
/// X' = SᵀX and A' = SᵀAS, as DiffPool's pooled graph. Cost per graph
/// O(E·K + N·F·K).
public struct DMoNPool {
  public let mlp: SoftAssignmentMLP
  public let clusterCount: Int

  public init(mlp: SoftAssignmentMLP, clusterCount: Int) {
    self.mlp = mlp
    self.clusterCount = clusterCount
  }

  /// L_mod of one graph. Throws when A has no edge weight (2m = 0).
  /// Cost O(E·K + N·K).
  public static func modularityLoss(assignments s: Variable, adjacency a: SparseMatrix) throws
    -> Variable
  {
    let degrees = a.rowSums()
    let twiceEdges = degrees.reduce(0, +)
    guard twiceEdges > 0 else {
      throw PoolingError(
        "DMoN: a graph has no edges, so the modularity loss is undefined (0/0)")
    }
    let d = s.tape.constant(Matrix(rows: 1, columns: degrees.count, storage: degrees))
    let pooledDegrees = matmul(d, s)  // 1×K
    let expected = sumOfSquares(pooledDegrees) * (1 / twiceEdges)
    return (expected - traceOfQuadraticForm(a, s)) * (1 / twiceEdges)
  }

  /// L_col of one graph. Cost O(N·K).
  public static func collapseLoss(assignments s: Variable) -> Variable {
    let (n, k) = (s.rows, s.columns)
    return frobeniusNorm(sum(s, along: .rows)) * (Float(k).squareRoot() / Float(n)) - 1
  }

  /// L_mod of one dense (pooled) graph A (K×K on the tape), differentiable
  /// in A as well: d = A·1 and 2m = Σ A are on the tape. Throws when A is
  /// all zero. Cost O(K²·K').
  public static func modularityLoss(assignments s: Variable, denseAdjacency a: Variable) throws
    -> Variable
  {
    guard a.value.storage.contains(where: { $0 != 0 }) else {
      throw PoolingError("DMoN: a pooled graph has no edges, so the modularity loss is undefined")
    }
    let twiceEdges = sum(a)
    let pooledDegrees = matmul(transpose(sum(a, along: .columns)), s)  // 1×K
    let expected = sumOfSquares(pooledDegrees) / twiceEdges
    return (expected - sum(s * matmul(a, s))) / twiceEdges
  }
}

extension DMoNPool: RawAdjacencySoftPooler {
  public static let method = "DMoN"
  public var lossKinds: [AuxiliaryLossKind] { [.modularity, .collapse] }

  public func losses(assignments s: Variable, adjacency: GraphAdjacencyBlock) throws -> [Variable] {
    let modularity: Variable
    switch adjacency {
    case .sparse(let a): modularity = try Self.modularityLoss(assignments: s, adjacency: a)
    case .dense(let a): modularity = try Self.modularityLoss(assignments: s, denseAdjacency: a)
    }
    return [modularity, Self.collapseLoss(assignments: s)]
  }
}
