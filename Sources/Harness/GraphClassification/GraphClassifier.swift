import GraphData
import Pooling
import TensorCore

/// A graph classifier built from a layer list, e.g. the paper's
/// `gcs 32 – mincut k_ratio 0.5 – gcs 32 – mincut k_ratio 0.25 – gcs 32 –
/// readout mean – dense` (METHODS §6), No-pool (`gcs ×3 – readout – dense`)
/// or Dense (`dense 32 relu ×3 – readout – dense`).
///
/// Layers before the readout work on the node rows of a `GraphBatch`: a GCS
/// layer propagates over the sparse block-diagonal Ã of the input graphs or,
/// after a pooler, over each graph's dense pooled adjacency; a pooler goes
/// through the `Pooler` contract, so this type never names one. The readout
/// turns each graph's rows into one row; dense layers after it end at the
/// class logits (the last layer: `dense` with the number of classes as
/// units, linear). Cost per batch: the layers' costs, O(E·C + N·F·C) before
/// pooling and O(Σ K_g²·C) after.
public struct GraphClassifier {
  enum Layer {
    case messagePassing(any MessagePassingLayer, l2: Float)
    case pool(any Pooler, l2: Float)
    case readout(Readout)
    case dense(DenseLayer, l2: Float)
  }

  let layers: [Layer]
  public let classCount: Int
  /// K of each pooler, in order.
  public let clusterCounts: [Int]

  /// The forward pass of one batch.
  public struct Output {
    /// B×C class logits.
    public let logits: Variable
    /// Every pooler's auxiliary losses, in layer order.
    public let auxiliaryLosses: [AuxiliaryLoss]
    /// Σ λ‖W‖² over the kernels of layers with `l2` > 0, if any.
    public let l2: Variable?
  }

  /// Builds the model; `averageNodes` (the training graphs' mean size), or
  /// `maximumNodes` (the dataset's largest graph) for a pooler sized by it,
  /// resolves the poolers' `k_ratio`. Throws when the list is not node
  /// layers (gcs, pooling, dense) – one readout – dense layers, ending in a
  /// linear dense layer with `classCount` units.
  public init(
    layers specs: [LayerSpec], inputFeatures: Int, classCount: Int, averageNodes: Double,
    maximumNodes: Int? = nil,
    random: inout RandomSource
  ) throws {
    let readouts = specs.indices.filter {
      if case .readout = specs[$0] { return true }
      return false
    }
    guard readouts.count == 1, let readoutIndex = readouts.first else {
      throw PoolingError(
        "a graph classifier has exactly one readout layer (found \(readouts.count))")
    }
    guard case .dense(let last)? = specs.last, (last.units ?? classCount) == classCount,
      last.activation == .linear
    else {
      throw PoolingError(
        "a graph classifier ends with a linear dense layer of \(classCount) units (the classes)")
    }
    var width = inputFeatures
    var built: [Layer] = []
    var clusters: [Int] = []
    for (index, spec) in specs.enumerated() {
      let afterReadout = index > readoutIndex
      // Every pooler goes through its spec's `PoolingLayerSpec`; no pooler
      // is named here.
      if let pooling = spec.pooling {
        guard !afterReadout else {
          throw PoolingError("layer \(index): a pooler after the readout has no graph to pool")
        }
        let made = pooling.make(
          name: "pool\(index)", inputFeatures: width, classCount: classCount,
          graphSizes: GraphSizes(average: averageNodes, maximum: maximumNodes), random: &random)
        // A precomputed coarsening is fixed per graph before training, which
        // holds only while every pooler before it is precomputed too.
        let poolersBefore = built.compactMap { layer -> (any Pooler)? in
          if case .pool(let pooler, _) = layer { return pooler }
          return nil
        }
        if made.pooler is any PrecomputedPooler,
          !poolersBefore.allSatisfy({ $0 is any PrecomputedPooler })
        {
          throw PoolingError(
            "layer \(index): a precomputed pooler (graclus, ndp) must not follow a trainable "
              + "pooler: its coarsening of a graph is computed once, before training")
        }
        built.append(.pool(made.pooler, l2: pooling.l2))
        clusters.append(made.clusterCount)
        width = made.outputFeatures
        continue
      }
      if let layer = spec.messagePassing {
        let type = LayerSpec.typeName(of: spec)
        guard !afterReadout else {
          throw PoolingError(
            "layer \(index): \(type) after the readout has no graph to propagate on")
        }
        built.append(
          .messagePassing(
            layer.make(name: "\(type)\(index)", inputFeatures: width, random: &random),
            l2: layer.l2))
        width = layer.units
        continue
      }
      switch spec {
      case .readout(let readout):
        built.append(.readout(readout.mode))
      case .dense(let dense):
        let units = dense.units ?? classCount
        built.append(
          .dense(
            DenseLayer(
              name: "dense\(index)", inputFeatures: width, units: units,
              activation: dense.activation, random: &random), l2: dense.l2))
        width = units
      default: preconditionFailure("layer \(index): a pooling layer without a PoolingLayerSpec")
      }
    }
    layers = built
    self.classCount = classCount
    clusterCounts = clusters
  }

  /// The kinds of the auxiliary losses `forward` returns, in its order
  /// (each pooler's `lossKinds`, layer by layer).
  public var auxiliaryLossKinds: [AuxiliaryLossKind] {
    layers.flatMap { layer -> [AuxiliaryLossKind] in
      if case .pool(let pooler, _) = layer { return pooler.lossKinds }
      return []
    }
  }

  /// The precomputed poolers (Graclus, NDP), in layer order; they come
  /// before any trainable pooler (checked when the model is built).
  public var precomputedPoolers: [any PrecomputedPooler] {
    layers.compactMap { layer in
      if case .pool(let pooler as any PrecomputedPooler, _) = layer { return pooler }
      return nil
    }
  }

  /// Coarsens every graph of the dataset (adjacencies `graphs`, by dataset
  /// index) for every precomputed pooler, level by level, and installs the
  /// result, so training never coarsens; with a `cache`, levels stored
  /// under the same data checksum and pooler signatures are read instead
  /// of computed, and computed ones are stored. Returns what was done, for
  /// the log. Cost: the poolers' coarsenings (none on a cache hit) plus
  /// reading or writing the cache file.
  public func precomputeCoarsenings(
    of graphs: [SparseMatrix], dataChecksum: String, cache: CoarseningCache?
  ) throws -> CoarseningCache.Outcome? {
    let poolers = precomputedPoolers
    guard !poolers.isEmpty else { return nil }
    let key = CoarseningCache.key(
      dataChecksum: dataChecksum, signatures: poolers.map(\.coarseningSignature),
      graphCount: graphs.count)
    let clock = ContinuousClock()
    let start = clock.now
    var levels = cache?.load(key: key, graphCounts: graphs.map(\.rows), levels: poolers.count)
    let hit = levels != nil
    if levels == nil {
      let computed = try PrecomputedCoarsening.levels(of: graphs, poolers: poolers)
      try cache?.store(computed, key: key)
      levels = computed
    }
    for (pooler, level) in zip(poolers, levels!) {
      pooler.coarsenings.levels = Dictionary(
        uniqueKeysWithValues: level.enumerated().map { ($0, $1) })
    }
    return CoarseningCache.Outcome(
      key: key, cacheHit: hit, seconds: (clock.now - start).seconds,
      nodesPerLevel: levels!.map { $0.reduce(0) { $0 + $1.clusterCount } })
  }

  /// Every trainable parameter, in layer order (checkpoint order).
  public var parameters: [Parameter] {
    layers.flatMap { layer -> [Parameter] in
      switch layer {
      case .messagePassing(let layer, _): layer.parameters
      case .pool(let pooler, _): pooler.parameters
      case .readout: []
      case .dense(let dense, _): dense.parameters
      }
    }
  }

  /// The logits of every graph of `batch`, the poolers' losses and the L2
  /// penalty. Throws when a pooler cannot pool a graph (e.g. MinCutPool on a
  /// graph without edges).
  /// `graph` is the batch's adjacency with its cached Ã; pass the same one
  /// for a batch evaluated repeatedly (the validation batches of every
  /// epoch) so Ã is computed once.
  public func forward(_ batch: GraphBatch, graph: SparseGraph? = nil, tape: Tape) throws -> Output {
    var x = NodeFeatures.sparse(batch.features)
    var adjacency = PoolingAdjacency.sparse(graph ?? SparseGraph(adjacency: batch.adjacency))
    var segments = GraphSegments(offsets: batch.nodeOffsets)
    var graphs: Variable?  // after the readout
    var losses: [AuxiliaryLoss] = []
    var penalties: [Variable] = []
    func penalise(_ kernels: [Parameter], _ lambda: Float) {
      if lambda > 0 {
        penalties.append(l2Penalty(kernels.map { tape.parameter($0) }, lambda: lambda))
      }
    }
    for layer in layers {
      switch layer {
      case .messagePassing(let layer, let l2):
        switch adjacency {
        case .sparse(let graph):
          x = .dense(try layer(x, graph: graph, tape: tape))
        case .denseBlocks(let pooled):
          x = .dense(
            try layer(x.dense(on: tape), denseBlocks: pooled, segments: segments, tape: tape))
        }
        penalise(layer.kernels, l2)
      case .pool(let pooler, let l2):
        let output = try pooler(
          PoolingInput(
            features: x, adjacency: adjacency, segments: segments,
            graphIndices: batch.graphIndices), tape: tape)
        x = .dense(output.features!)
        adjacency = output.adjacency!
        segments = output.segments!
        losses += output.losses
        penalise(pooler.penalisedKernels, l2)
      case .readout(let readout):
        graphs = readout(x.dense(on: tape), segments: segments)
      case .dense(let layer, let l2):
        if let rows = graphs {
          graphs = layer(.dense(rows), tape: tape)
        } else {
          x = .dense(layer(x, tape: tape))
        }
        penalise([layer.kernel], l2)
      }
    }
    var l2: Variable?
    for penalty in penalties { l2 = l2.map { $0 + penalty } ?? penalty }
    return Output(logits: graphs!, auxiliaryLosses: losses, l2: l2)
  }
}
