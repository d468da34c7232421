import GraphData
import Pooling
import TensorCore

/// A node-clustering model built from a layer list: message-passing layers
/// followed by one pooling layer whose assignment matrix S gives the clusters
/// (cluster of node i = argmax_k S_ik).
///
/// Message passing uses Ã = D^-1/2 A D^-1/2; MinCutPool computes its losses
/// on the same Ã (as the paper's code); DiffPool convolves with
/// normalise(A + I) and reconstructs the raw A.
public struct ClusteringModel {
  enum Pooler {
    case mincut(MinCutPool)
    case diffpool(DiffPool)
  }

  let messagePassing: [GCSConv]
  let l2Weights: [Float]
  let pooler: Pooler
  public let clusterCount: Int

  /// The graph, prepared once: features and the adjacencies the layers use.
  public struct Inputs {
    public let features: SparseMatrix
    public let adjacency: SparseMatrix
    public let normalizedAdjacency: SparseMatrix
    public let diffPoolFilter: SparseMatrix

    public init(features: SparseMatrix, adjacency: SparseMatrix) {
      self.features = features
      self.adjacency = adjacency
      normalizedAdjacency = adjacency.symmetricallyNormalized()
      diffPoolFilter = DiffPool.filter(adjacency: adjacency)
    }
  }

  /// Builds the model; `classCount` is the K used when a pooler omits `k`.
  /// Throws when the layer list is not `gcs* → (mincut | diffpool)`.
  public init(
    layers: [LayerSpec], inputFeatures: Int, classCount: Int, random: inout RandomSource
  ) throws {
    guard let last = layers.last, last.isPooling, !layers.dropLast().contains(where: \.isPooling)
    else {
      throw PoolingError(
        "a node-clustering model is message-passing layers followed by exactly one pooling "
          + "layer (mincut or diffpool) at the end")
    }
    var width = inputFeatures
    var mp: [GCSConv] = []
    var l2: [Float] = []
    for (index, spec) in layers.dropLast().enumerated() {
      guard case .gcs(let gcs) = spec else { continue }
      mp.append(
        GCSConv(
          name: "gcs\(index)", inputFeatures: width, units: gcs.units, activation: gcs.activation,
          initializer: gcs.kernelInitializer, random: &random))
      l2.append(gcs.l2)
      width = gcs.units
    }
    messagePassing = mp
    l2Weights = l2
    let poolName = "pool\(layers.count - 1)"
    switch last {
    case .mincut(let spec):
      clusterCount = spec.k ?? classCount
      pooler = .mincut(
        MinCutPool(
          name: poolName, inputFeatures: width, clusters: clusterCount, hiddenUnits: spec.mlpHidden,
          hiddenActivation: spec.mlpActivation, temperature: spec.temperature,
          poolEpsilon: spec.poolEpsilon ?? 1e-7, random: &random))
    case .diffpool(let spec):
      clusterCount = spec.k ?? classCount
      pooler = .diffpool(
        DiffPool(
          name: poolName, inputFeatures: width, clusters: clusterCount,
          channels: spec.channels ?? 16, activation: spec.activation ?? .linear,
          divideLinkLossByNodeCountSquared: spec.normalizeLinkLoss,
          random: &random))
    case .gcs:
      preconditionFailure("unreachable: checked above")
    }
  }

  /// Every trainable parameter, in a fixed order (checkpoint order).
  public var parameters: [Parameter] {
    let pool: [Parameter] =
      switch pooler {
      case .mincut(let p): p.parameters
      case .diffpool(let p): p.parameters
      }
    return messagePassing.flatMap(\.parameters) + pool
  }

  /// The forward pass: S and the auxiliary losses (plus "l2" when any layer
  /// has an L2 penalty). Cost: that of the layers, O(E·C + nnz(X)·C + N·K²).
  public func forward(_ inputs: Inputs, tape: Tape) throws -> (
    assignments: Variable, losses: [String: Variable]
  ) {
    var x = NodeFeatures.sparse(inputs.features)
    for layer in messagePassing {
      x = .dense(layer(x, normalizedAdjacency: inputs.normalizedAdjacency, tape: tape))
    }
    // Through the pooler's own call; clustering scores S, so no pooled graph.
    let result: PoolingResult
    switch pooler {
    case .mincut(let pool):
      result = try pool(
        x, adjacency: inputs.normalizedAdjacency, pooledGraph: false, tape: tape)
    case .diffpool(let pool):
      result = pool(
        x, adjacency: inputs.adjacency, filter: inputs.diffPoolFilter, pooledGraph: false,
        tape: tape)
    }
    let s = result.assignments
    var losses = result.auxiliaryLosses
    let penalised = zip(messagePassing, l2Weights).filter { $0.1 > 0 }
    if !penalised.isEmpty {
      var total = l2Penalty(
        penalised[0].0.kernels.map { tape.parameter($0) }, lambda: penalised[0].1)
      for (layer, lambda) in penalised.dropFirst() {
        total = total + l2Penalty(layer.kernels.map { tape.parameter($0) }, lambda: lambda)
      }
      losses["l2"] = total
    }
    return (s, losses)
  }
}
