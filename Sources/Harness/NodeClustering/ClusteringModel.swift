import GraphData
import Pooling
import TensorCore

/// A node-clustering model built from a layer list: message-passing layers
/// followed by one pooling layer whose assignment matrix S gives the clusters
/// (cluster of node i = argmax_k S_ik).
///
/// GCS layers use Ã = D^-1/2 A D^-1/2, GTVConv the raw A; MinCutPool
/// computes its losses on Ã (as the paper's code); DiffPool convolves with
/// normalise(A + I) and reconstructs the raw A; AsymCheegerCut and DMoN
/// use the raw A.
public struct ClusteringModel {
  let messagePassing: [any MessagePassingLayer]
  let l2Weights: [Float]
  let pooler: any Pooler
  public let clusterCount: Int

  /// The graph, prepared once: features and the adjacency with the
  /// operators the layers derive from it (each computed once).
  public struct Inputs {
    public let features: SparseMatrix
    public let graph: SparseGraph

    public init(features: SparseMatrix, adjacency: SparseMatrix) {
      self.features = features
      graph = SparseGraph(adjacency: adjacency)
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
          + "layer (a soft pooler: mincut, diffpool, acc, dmon, neuncut) at the end")
    }
    var width = inputFeatures
    var mp: [any MessagePassingLayer] = []
    var l2: [Float] = []
    for (index, spec) in layers.dropLast().enumerated() {
      guard let layer = spec.messagePassing else { continue }
      // Named by type and position (`gcs0`, `gtv1`): checkpoint keys.
      let type = LayerSpec.typeName(of: spec)
      mp.append(layer.make(name: "\(type)\(index)", inputFeatures: width, random: &random))
      l2.append(layer.l2)
      width = layer.units
    }
    messagePassing = mp
    l2Weights = l2
    let built = PoolerFactory.make(
      last, name: "pool\(layers.count - 1)", inputFeatures: width, classCount: classCount,
      random: &random)
    pooler = built.pooler
    clusterCount = built.clusterCount
  }

  /// Every trainable parameter, in a fixed order (checkpoint order).
  public var parameters: [Parameter] {
    messagePassing.flatMap(\.parameters) + pooler.parameters
  }

  /// The forward pass: S and the auxiliary losses (plus "l2" when any layer
  /// has an L2 penalty). Cost: that of the layers, O(E·C + nnz(X)·C + N·K²).
  public func forward(_ inputs: Inputs, tape: Tape) throws -> (
    assignments: Variable, losses: [String: Variable]
  ) {
    var x = NodeFeatures.sparse(inputs.features)
    for layer in messagePassing {
      x = .dense(try layer(x, graph: inputs.graph, tape: tape))
    }
    // Through the pooler contract; clustering scores S, so no pooled graph.
    let result = try pooler(
      PoolingInput(
        features: x, adjacency: .sparse(inputs.graph),
        segments: .single(nodes: inputs.features.rows), buildsPooledGraph: false),
      tape: tape)
    let s = result.softAssignment
    var losses: [String: Variable] = [:]
    for loss in result.losses { losses[loss.kind.name] = loss.value }
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
