import TensorCore

/// The one contract every pooler fits (MinCutPool, DiffPool, the selection
/// poolers Top-K and SAGPool and the precomputed Graclus and NDP today;
/// TVGNN's AsymCheegerCut and DMoN are meant to be new files conforming to
/// it). The model builder, the training loops and the result tables know a
/// pooler only through this protocol: its parameters, the kernels an L2
/// penalty applies to, and one call from a `PoolingInput` to a
/// `PoolingOutput`.
public protocol Pooler {
  /// Every trainable parameter, in a fixed order (checkpoint order).
  var parameters: [Parameter] { get }
  /// The weights the protocol's L2 penalty applies to (kernels, not biases).
  var penalisedKernels: [Parameter] { get }
  /// The loss kinds `callAsFunction` returns, in its order.
  var lossKinds: [AuxiliaryLossKind] { get }
  /// Pools every graph of `input` on `tape`.
  func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput
}

/// The graphs of a batch as ranges of consecutive nodes: graph g owns nodes
/// `offsets[g] ..< offsets[g + 1]` of the stacked feature rows.
public struct GraphSegments: Sendable, Equatable {
  /// B + 1 non-decreasing offsets starting at 0.
  public let offsets: [Int]

  /// Segments from node offsets (`[0, n_0, n_0 + n_1, …]`).
  public init(offsets: [Int]) {
    precondition(offsets.first == 0, "GraphSegments: offsets must start at 0")
    precondition(
      zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 },
      "GraphSegments: offsets must not decrease")
    self.offsets = offsets
  }

  /// Segments of graphs with `sizes` nodes each.
  public init(sizes: [Int]) {
    var offsets = [0]
    for size in sizes { offsets.append(offsets.last! + size) }
    self.init(offsets: offsets)
  }

  /// One graph of `nodes` nodes.
  public static func single(nodes: Int) -> GraphSegments { GraphSegments(offsets: [0, nodes]) }

  /// Number of graphs B.
  public var count: Int { offsets.count - 1 }
  /// Total number of nodes.
  public var nodeCount: Int { offsets.last! }
  /// The node range of graph `g`.
  public func range(of g: Int) -> Range<Int> { offsets[g]..<offsets[g + 1] }
  /// The graph of every node (node → segment id). Cost O(N).
  public var segmentIDs: [Int] {
    var ids = [Int](repeating: 0, count: nodeCount)
    for g in 0..<count { for node in range(of: g) { ids[node] = g } }
    return ids
  }
}

/// A sparse (block-diagonal for a batch) adjacency with the operators the
/// layers derive from it, each computed once, on first use.
public final class SparseGraph: @unchecked Sendable {
  /// The raw adjacency A.
  public let adjacency: SparseMatrix
  private var cachedNormalized: SparseMatrix?
  private var cachedDiffPoolFilter: SparseMatrix?

  public init(adjacency: SparseMatrix) { self.adjacency = adjacency }

  /// A graph whose adjacency is already the operator the layers use (a
  /// selection pooler's (A·A)[idx, idx]): `normalized` returns it as it is.
  public init(normalized: SparseMatrix) {
    adjacency = normalized
    cachedNormalized = normalized
  }

  /// Ã = D^-1/2 A D^-1/2 (what GCS layers and MinCutPool's losses use).
  public var normalized: SparseMatrix {
    if let cachedNormalized { return cachedNormalized }
    let value = adjacency.symmetricallyNormalized()
    cachedNormalized = value
    return value
  }

  /// normalise(A + I) with ε = 1e-7 (DiffPool's filter).
  public var diffPoolFilter: SparseMatrix {
    if let cachedDiffPoolFilter { return cachedDiffPoolFilter }
    let value = DiffPool.filter(adjacency: adjacency)
    cachedDiffPoolFilter = value
    return value
  }
}

/// The adjacency entering a pooler: the sparse input graph, or the dense
/// differentiable pooled graphs of an earlier soft pooler.
public enum PoolingAdjacency {
  case sparse(SparseGraph)
  /// One dense n_g×n_g adjacency per graph, stacked: the rows of graph g
  /// (its segment) hold A_g in their first n_g columns (K×K blocks after a
  /// soft pooler with K clusters). `blockDiagonalProduct` multiplies by it.
  case denseBlocks(Variable)
}

/// What a pooler reads.
public struct PoolingInput {
  /// Node features of every graph, stacked (N×F).
  public var features: NodeFeatures
  public var adjacency: PoolingAdjacency
  public var segments: GraphSegments
  /// Whether to build the pooled graph (node clustering scores the
  /// assignment alone, so it asks for none).
  public var buildsPooledGraph: Bool
  /// Each graph's index in its dataset, when known: precomputed poolers
  /// (Graclus) key their per-graph coarsening by it.
  public var graphIndices: [Int]?

  public init(
    features: NodeFeatures, adjacency: PoolingAdjacency, segments: GraphSegments,
    buildsPooledGraph: Bool = true, graphIndices: [Int]? = nil
  ) {
    self.features = features
    self.adjacency = adjacency
    self.segments = segments
    self.buildsPooledGraph = buildsPooledGraph
    self.graphIndices = graphIndices
  }
}

/// How nodes map to the pooled graph's nodes.
public enum PoolingAssignment {
  /// S (N×K per graph, stacked): soft poolers (MinCut, DiffPool, …).
  case soft(Variable)
  /// The kept nodes' indices (selection poolers: Top-K, SAGPool; NDP).
  case selected([Int])
  /// A fixed node → cluster map (precomputed clustering poolers: Graclus).
  case clusters([Int])
}

/// The kinds of auxiliary loss poolers add to the task loss.
public enum AuxiliaryLossKind: String, CaseIterable, Codable, Sendable {
  /// MinCutPool's L_c = −Tr(SᵀÃS)/Tr(SᵀD̃S).
  case cut
  /// MinCutPool's L_o = ‖SᵀS/‖SᵀS‖_F − I/√K‖_F.
  case orthogonality
  /// DiffPool's L_LP = ‖A − SSᵀ‖_F.
  case linkPrediction = "link_prediction"
  /// DiffPool's L_E = mean_i H(s_i).
  case entropy
  /// AsymCheegerCut's L_GTV = (1/2E) Σ_ij a_ij ‖s_i − s_j‖₁.
  case totalVariation = "total_variation"
  /// AsymCheegerCut's asymmetric-norm balance L_AN.
  case balance
  /// DMoN's spectral modularity −Tr(SᵀAS − Sᵀd dᵀS/2m)/2m.
  case modularity
  /// DMoN's collapse regularisation √K/N ‖Σ_i s_i‖ − 1.
  case collapse
  /// NeuNcut's relaxed normalised cut Tr(HᵀLH).
  case normalizedCut = "normalized_cut"
  /// NeuNcut's ‖HᵀDH − I‖_F / K (weighted by γ/2).
  case volumeOrthogonality = "volume_orthogonality"

  /// The name configs use (`loss_weights` keys) and logs print.
  public var name: String { rawValue }
}

/// One auxiliary loss of a pooler, a 1×1 variable already averaged over
/// the graphs of the batch.
public struct AuxiliaryLoss {
  public let kind: AuxiliaryLossKind
  public let value: Variable

  public init(_ kind: AuxiliaryLossKind, _ value: Variable) {
    self.kind = kind
    self.value = value
  }
}

/// What a pooler returns.
public struct PoolingOutput {
  public var assignment: PoolingAssignment
  /// X' of every graph, stacked (`nil` when no pooled graph was asked for).
  public var features: Variable?
  /// A' (`nil` as above).
  public var adjacency: PoolingAdjacency?
  /// The pooled graphs' segments (`nil` as above).
  public var segments: GraphSegments?
  public var losses: [AuxiliaryLoss]

  public init(
    assignment: PoolingAssignment, features: Variable? = nil, adjacency: PoolingAdjacency? = nil,
    segments: GraphSegments? = nil, losses: [AuxiliaryLoss]
  ) {
    self.assignment = assignment
    self.features = features
    self.adjacency = adjacency
    self.segments = segments
    self.losses = losses
  }

  /// The output of a soft pooler: S, and, when the graphs were pooled, the
  /// pooled graphs of the batch stacked (K rows per graph): X' ((B·K)×C)
  /// and A' ((B·K)×K, one K×K block per graph).
  public static func soft(
    _ s: Variable, pooledFeatures: Variable?, pooledAdjacency: Variable?, clusterCount: Int,
    graphCount: Int, losses: [AuxiliaryLoss]
  ) -> PoolingOutput {
    guard let pooledFeatures, let pooledAdjacency else {
      return PoolingOutput(assignment: .soft(s), losses: losses)
    }
    return PoolingOutput(
      assignment: .soft(s), features: pooledFeatures, adjacency: .denseBlocks(pooledAdjacency),
      segments: GraphSegments(sizes: Array(repeating: clusterCount, count: graphCount)),
      losses: losses)
  }

  /// S of a soft pooler (a precondition failure for other assignments).
  public var softAssignment: Variable {
    guard case .soft(let s) = assignment else {
      preconditionFailure("the pooler's assignment is not soft")
    }
    return s
  }

  /// The loss of `kind`, if the pooler returned one.
  public func loss(_ kind: AuxiliaryLossKind) -> Variable? {
    losses.first { $0.kind == kind }?.value
  }
}

/// Errors raised by poolers on inputs they cannot handle.
public struct PoolingError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
