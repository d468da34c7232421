import TensorCore

/// S = softmax(MLP(X)): optional hidden dense layers, then a linear layer to
/// K, softmax over each row (the assignment of MinCutPool, with its
/// temperature, AsymCheegerCut and DMoN; parameters `name/mlp<i>/…` and
/// `name/output/…`).
/// Cost O(N·F·K) plus the hidden layers.
public struct SoftAssignmentMLP {
  public let hiddenLayers: [DenseLayer]
  public let output: DenseLayer

  public init(
    name: String, inputFeatures: Int, clusters: Int, hiddenUnits: [Int],
    hiddenActivation: Activation, random: inout RandomSource
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
  }

  public var parameters: [Parameter] { hiddenLayers.flatMap(\.parameters) + output.parameters }
  public var kernels: [Parameter] { hiddenLayers.map(\.kernel) + [output.kernel] }

  /// MLP(X), before the softmax (N×K).
  public func logits(_ x: NodeFeatures, tape: Tape) -> Variable {
    var h = x
    for layer in hiddenLayers { h = .dense(layer(h, tape: tape)) }
    return output(h, tape: tape)
  }

  /// S = softmax(MLP(X)).
  public func callAsFunction(_ x: NodeFeatures, tape: Tape) -> Variable {
    softmax(logits(x, tape: tape))
  }
}

/// A soft pooler S = softmax(MLP(X)) whose losses are computed per graph on
/// the raw adjacency (AsymCheegerCut, DMoN, NeuNcut): it states its MLP, its
/// loss kinds and one graph's losses; the contract's parameters, kernels,
/// batching (losses averaged over the graphs) and pooled graph
/// (`poolOnRawAdjacency`) come from this protocol.
public protocol RawAdjacencySoftPooler: Pooler {
  /// The pooler's name in errors.
  static var method: String { get }
  var mlp: SoftAssignmentMLP { get }
  var clusterCount: Int { get }
  init(mlp: SoftAssignmentMLP, clusterCount: Int)
  /// The losses of one graph, in `lossKinds` order.
  func losses(assignments s: Variable, adjacency: GraphAdjacencyBlock) throws -> [Variable]
}

extension RawAdjacencySoftPooler {
  /// A pooler named `name` (parameters `name/mlp<i>/…`, `name/output/…`).
  public init(
    name: String, inputFeatures: Int, clusters: Int, hiddenUnits: [Int] = [],
    hiddenActivation: Activation = .relu, random: inout RandomSource
  ) {
    self.init(
      mlp: SoftAssignmentMLP(
        name: name, inputFeatures: inputFeatures, clusters: clusters, hiddenUnits: hiddenUnits,
        hiddenActivation: hiddenActivation, random: &random),
      clusterCount: clusters)
  }

  public var parameters: [Parameter] { mlp.parameters }
  public var penalisedKernels: [Parameter] { mlp.kernels }

  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let s = mlp(input.features, tape: tape)
    let kinds = lossKinds
    return try poolOnRawAdjacency(
      s, input, clusterCount: clusterCount, method: Self.method, tape: tape
    ) { sg, ag in
      zip(kinds, try losses(assignments: sg, adjacency: ag)).map { AuxiliaryLoss($0, $1) }
    }
  }
}

/// One graph's adjacency as a pooler's loss sees it: a block of the sparse
/// input graph, or a dense pooled graph on the tape (differentiable).
public enum GraphAdjacencyBlock {
  case sparse(SparseMatrix)
  case dense(Variable)
}

/// The per-graph losses of a soft pooler averaged over the graphs of the
/// batch, and its pooled graphs X'_g = S_gᵀX_g, A'_g = S_gᵀA_gS_g (raw,
/// not normalised), for poolers defined on the raw adjacency
/// (AsymCheegerCut, DMoN), on the sparse input graph or on dense pooled
/// graphs (each K_g×K_g block is read as its graph's adjacency; the blocks
/// of a batch have equal size, as soft poolers make them).
/// `lossesOfGraph` gets S_g and A_g. Cost: the losses plus O(E·K + N·F·K)
/// for the pooled graphs (O(Σ N_g²·K) on dense input).
func poolOnRawAdjacency(
  _ s: Variable, _ input: PoolingInput, clusterCount k: Int, method: String, tape: Tape,
  lossesOfGraph: (Variable, GraphAdjacencyBlock) throws -> [AuxiliaryLoss]
) throws -> PoolingOutput {
  let segments = input.segments
  func block(_ range: Range<Int>) throws -> GraphAdjacencyBlock {
    switch input.adjacency {
    case .sparse(let graph):
      return .sparse(
        range == 0..<graph.adjacency.rows ? graph.adjacency : graph.adjacency.diagonalBlock(range))
    case .denseBlocks(let blocks):
      guard blocks.columns == range.count else {
        throw PoolingError(
          "\(method): dense pooled graphs of unequal size (\(range.count) nodes, blocks of "
            + "\(blocks.columns) columns) are not supported")
      }
      return .dense(segments.count == 1 ? blocks : rows(blocks, range))
    }
  }
  var losses: [AuxiliaryLoss] = []
  if segments.count == 1 {
    losses = try lossesOfGraph(s, try block(0..<segments.nodeCount))
  } else {
    var sums: [AuxiliaryLoss] = []
    for g in 0..<segments.count {
      let range = segments.range(of: g)
      let terms = try lossesOfGraph(rows(s, range), try block(range))
      sums =
        sums.isEmpty ? terms : zip(sums, terms).map { AuxiliaryLoss($0.kind, $0.value + $1.value) }
    }
    losses = sums.map { AuxiliaryLoss($0.kind, $0.value * (1 / Float(segments.count))) }
  }
  guard input.buildsPooledGraph else {
    return .soft(
      s, pooledFeatures: nil, pooledAdjacency: nil, clusterCount: k, graphCount: segments.count,
      losses: losses)
  }
  let propagated: Variable
  switch input.adjacency {
  case .sparse(let graph): propagated = matmul(graph.adjacency, s)
  case .denseBlocks(let blocks):
    propagated = blockDiagonalProduct(blocks, s, offsets: segments.offsets)
  }
  let features: Variable
  let adjacency: Variable
  if segments.count == 1 {
    features = pooledNodeFeatures(input.features, s, nil)
    adjacency = matmul(s, propagated, transposeA: true)
  } else {
    switch input.features {
    case .dense(let x): features = blockTransposeProduct(s, x, offsets: segments.offsets)
    case .sparse:
      features = concatenateRows(
        (0..<segments.count).map { pooledNodeFeatures(input.features, s, segments.range(of: $0)) })
    }
    adjacency = blockTransposeProduct(s, propagated, offsets: segments.offsets)
  }
  return .soft(
    s, pooledFeatures: features, pooledAdjacency: adjacency, clusterCount: k,
    graphCount: segments.count, losses: losses)
}
