import TensorCore

/// S = softmax(MLP(X)): optional hidden dense layers, then a linear layer to
/// K, softmax over each row (the assignment of AsymCheegerCut and DMoN;
/// parameters `name/mlp<i>/…` and `name/output/…`, as MinCutPool's).
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

  public func callAsFunction(_ x: NodeFeatures, tape: Tape) -> Variable {
    var h = x
    for layer in hiddenLayers { h = .dense(layer(h, tape: tape)) }
    return softmax(output(h, tape: tape))
  }
}

/// The per-graph losses of a soft pooler averaged over the graphs of the
/// batch, and its pooled graphs X'_g = S_gᵀX_g, A'_g = S_gᵀA_gS_g (raw,
/// not normalised), for poolers defined on the raw sparse adjacency
/// (AsymCheegerCut, DMoN). `lossesOfGraph` gets S_g and A_g. Cost: the
/// losses plus O(E·K + N·F·K) for the pooled graphs.
func poolOnRawAdjacency(
  _ s: Variable, _ input: PoolingInput, clusterCount k: Int, method: String, tape: Tape,
  lossesOfGraph: (Variable, SparseMatrix) throws -> [AuxiliaryLoss]
) throws -> PoolingOutput {
  guard case .sparse(let graph) = input.adjacency else {
    throw PoolingError(
      "\(method) after another soft pooler (on dense pooled graphs) is not implemented yet; "
        + "it is planned with TVGNN's graph-classification table")
  }
  let segments = input.segments
  var losses: [AuxiliaryLoss] = []
  if segments.count == 1 {
    losses = try lossesOfGraph(s, graph.adjacency)
  } else {
    var sums: [AuxiliaryLoss] = []
    for g in 0..<segments.count {
      let range = segments.range(of: g)
      let terms = try lossesOfGraph(rows(s, range), graph.adjacency.diagonalBlock(range))
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
  let propagated = matmul(graph.adjacency, s)
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
