import TensorCore

/// AsymCheegerCut pooling, TVGNN's pooler (Hansen & Bianchi, ICML 2023;
/// METHODS §4). S = softmax(MLP(X)) (N×K); per graph, on the raw adjacency A
/// with E stored entries:
///
///   L_GTV = (1/(2E)) Σ_ij a_ij ‖s_i − s_j‖₁        (ordered pairs)
///   q_k   = the ⌊N/K⌋-th largest entry (0-based) of column k
///   L_AN  = (N(K−1) − Σ_ik asym(s_ik − q_k)) / (N(K−1)),
///           asym(r) = (K−1)·r for r ≥ 0, −r otherwise
///
/// weighted by `loss_weights` (`total_variation`, `balance`) and averaged
/// over the graphs of a batch; X' = SᵀX and A' = SᵀAS (no diagonal removal,
/// no normalisation). Σ asym(r) is computed as K·Σ relu(r) − Σ r. Cost per
/// graph O(E·K + K·N log N + N·F·K).
public struct AsymCheegerCutPool {
  public let mlp: SoftAssignmentMLP
  public let clusterCount: Int

  public init(mlp: SoftAssignmentMLP, clusterCount: Int) {
    self.mlp = mlp
    self.clusterCount = clusterCount
  }

  /// L_GTV of one graph. Throws when A stores no entry (E = 0).
  /// Cost O(E·K).
  public static func totalVariationLoss(assignments s: Variable, adjacency a: SparseMatrix) throws
    -> Variable
  {
    guard a.nonzeroCount > 0 else {
      throw PoolingError(
        "AsymCheegerCut: a graph has no edges, so the total-variation loss is undefined (0/0)")
    }
    var sources: [Int] = []
    var targets: [Int] = []
    sources.reserveCapacity(a.nonzeroCount)
    targets.reserveCapacity(a.nonzeroCount)
    for i in 0..<a.rows {
      for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
        sources.append(i)
        targets.append(Int(a.columnIndices[p]))
      }
    }
    let weights = s.tape.constant(
      Matrix(rows: a.nonzeroCount, columns: 1, storage: a.values))
    let distances = pairwiseL1Distance(s, sources: sources, targets: targets)
    return sum(distances * weights) * (1 / Float(2 * a.nonzeroCount))
  }

  /// L_AN of one graph (N ≥ 1 rows, K ≥ 2 columns). Cost O(K·N log N).
  public static func balanceLoss(assignments s: Variable) -> Variable {
    let (n, k) = (s.rows, s.columns)
    precondition(n >= 1 && k >= 2, "AsymCheegerCut balance: needs N ≥ 1 and K ≥ 2")
    let q = columnOrderStatistic(s, rankFromTop: n / k)
    let r = s - q
    let asymmetric = sum(relu(r)) * Float(k) - sum(r)
    let scale = Float(n * (k - 1))
    return 1 - asymmetric * (1 / scale)
  }

  /// L_GTV of one dense (pooled) graph A (K×K on the tape), E = the number
  /// of its nonzero entries (all of them for a pooled graph, the diagonal
  /// included, as TVGNN's code counts). Throws when A is all zero.
  /// Cost O(K²·K').
  public static func totalVariationLoss(assignments s: Variable, denseAdjacency a: Variable)
    throws -> Variable
  {
    let edges = a.value.storage.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    guard edges > 0 else {
      throw PoolingError(
        "AsymCheegerCut: a pooled graph has no edges, so the total-variation loss is undefined")
    }
    return sum(a * pairwiseL1Distances(s)) * (1 / Float(2 * edges))
  }
}

extension AsymCheegerCutPool: RawAdjacencySoftPooler {
  public static let method = "AsymCheegerCut"
  public var lossKinds: [AuxiliaryLossKind] { [.totalVariation, .balance] }

  public func losses(assignments s: Variable, adjacency: GraphAdjacencyBlock) throws -> [Variable] {
    let totalVariation: Variable
    switch adjacency {
    case .sparse(let a): totalVariation = try Self.totalVariationLoss(assignments: s, adjacency: a)
    case .dense(let a):
      totalVariation = try Self.totalVariationLoss(assignments: s, denseAdjacency: a)
    }
    return [totalVariation, Self.balanceLoss(assignments: s)]
  }
}
