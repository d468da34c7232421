import Pooling
import TensorCore

/// What the harness needs to know of a pooling layer's config, so that the
/// model builder, the config checks and the tables handle every pooler the
/// same way: a new pooler is a `Pooler` file, a spec conforming to this
/// protocol, and a `LayerSpec` case.
public protocol PoolingLayerSpec: Sendable {
  /// λ of the L2 penalty on the pooler's `penalisedKernels` (0: none).
  var l2: Float { get }
  /// The fixed number of output nodes per graph (K), if the config gives one.
  var fixedClusterCount: Int? { get }
  /// Both `k` and `k_ratio` given (an error: they say the same thing).
  var givesBothSizes: Bool { get }
  /// Whether the pooler can end a node-clustering model (soft assignments).
  var clustersNodes: Bool { get }
  /// Keys given that a node-clustering model would ignore (they shape only
  /// the pooled graph or belong to graph classification).
  var keysIgnoredInNodeClustering: [String] { get }
  /// The auxiliary loss terms the pooler adds (`loss_weights` names).
  var lossTermNames: [String] { get }
  /// The pooler reading `inputFeatures` features, the number of output
  /// nodes it reports (K, or 0 for a per-graph ratio) and the feature width
  /// of its output.
  func make(
    name: String, inputFeatures: Int, classCount: Int, graphSizes: GraphSizes,
    random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int)
}

/// The defaults of a pooler that keeps or merges nodes (no K, no soft
/// assignment to score as clusters, no auxiliary loss); soft poolers
/// override them (`SoftPoolingLayerSpec`).
extension PoolingLayerSpec {
  public var fixedClusterCount: Int? { nil }
  public var givesBothSizes: Bool { false }
  public var clustersNodes: Bool { false }
  public var keysIgnoredInNodeClustering: [String] { [] }
  public var lossTermNames: [String] { [] }
}

extension LayerSpec {
  /// The pooling layer's spec, `nil` for other layers.
  public var pooling: (any PoolingLayerSpec)? {
    switch self {
    case .mincut(let spec): spec
    case .diffpool(let spec): spec
    case .acc(let spec), .dmon(let spec), .neuncut(let spec): spec
    case .topk(let spec), .sagpool(let spec): spec
    case .graclus(let spec): spec
    case .ndp(let spec): spec
    case .gcs, .gtv, .readout, .dense: nil
    }
  }
}

/// A soft pooler's spec: K given as `k`, or as `k_ratio` of the average
/// training-graph size, else the number of classes.
public protocol SoftPoolingLayerSpec: PoolingLayerSpec {
  var k: Int? { get }
  var kRatio: Double? { get }
  /// Whether `k_ratio` is of the dataset's largest graph instead of the
  /// training graphs' average size.
  var kRatioOfLargest: Bool { get }
}

/// The graph sizes a pooler's K may be a ratio of.
public struct GraphSizes: Sendable {
  /// The training graphs' average number of nodes.
  public var average: Double
  /// The dataset's largest graph, when known.
  public var maximum: Int?

  public init(average: Double, maximum: Int? = nil) {
    self.average = average
    self.maximum = maximum
  }
}

extension SoftPoolingLayerSpec {
  public var kRatioOfLargest: Bool { false }
  public var fixedClusterCount: Int? { k }
  public var givesBothSizes: Bool { k != nil && kRatio != nil }
  public var clustersNodes: Bool { true }

  /// K from `k`, else ⌈k_ratio · n⌉ (at least 1) with n the training
  /// graphs' average size (or, with `kRatioOfLargest`, the dataset's largest
  /// graph, as TVGNN's code sizes its poolers), else `classCount`.
  func clusterCount(classCount: Int, graphSizes: GraphSizes) -> Int {
    if let k { return k }
    if let kRatio {
      let n = kRatioOfLargest ? Double(graphSizes.maximum ?? 0) : graphSizes.average
      return max(1, Int((kRatio * n).rounded(.up)))
    }
    return classCount
  }
}

extension MinCutSpec: SoftPoolingLayerSpec {
  public var keysIgnoredInNodeClustering: [String] {
    (poolEpsilon == nil ? [] : ["pool_epsilon"]) + (kRatio == nil ? [] : ["k_ratio"])
      + (l2 == 0 ? [] : ["l2"])
  }
  public var lossTermNames: [String] { ["cut", "orthogonality"] }

  public func make(
    name: String, inputFeatures: Int, classCount: Int, graphSizes: GraphSizes,
    random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int) {
    let clusters = clusterCount(classCount: classCount, graphSizes: graphSizes)
    let pooler = MinCutPool(
      name: name, inputFeatures: inputFeatures, clusters: clusters, hiddenUnits: mlpHidden,
      hiddenActivation: mlpActivation, temperature: temperature,
      poolEpsilon: poolEpsilon ?? 1e-7, random: &random)
    return (pooler, clusters, inputFeatures)
  }
}

extension DiffPoolSpec: SoftPoolingLayerSpec {
  public var keysIgnoredInNodeClustering: [String] {
    (channels == nil ? [] : ["channels"]) + (activation == nil ? [] : ["activation"])
      + (kRatio == nil ? [] : ["k_ratio"]) + (l2 == 0 ? [] : ["l2"])
  }
  public var lossTermNames: [String] { ["link_prediction", "entropy"] }

  public func make(
    name: String, inputFeatures: Int, classCount: Int, graphSizes: GraphSizes,
    random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int) {
    let clusters = clusterCount(classCount: classCount, graphSizes: graphSizes)
    let pooler = DiffPool(
      name: name, inputFeatures: inputFeatures, clusters: clusters, channels: channels ?? 16,
      activation: activation ?? .linear,
      divideLinkLossByNodeCountSquared: normalizeLinkLoss, random: &random)
    return (pooler, clusters, channels ?? 16)
  }
}

extension SoftMLPPoolSpec: SoftPoolingLayerSpec {
  public var kRatioOfLargest: Bool { kRatioOf == .largest }
  public var keysIgnoredInNodeClustering: [String] {
    (kRatio == nil ? [] : ["k_ratio"]) + (kRatioOf == .average ? [] : ["k_ratio_of"])
      + (l2 == 0 ? [] : ["l2"])
  }
  public var lossTermNames: [String] {
    switch type {
    case "acc": ["total_variation", "balance"]
    case "dmon": ["modularity", "collapse"]
    default: ["normalized_cut", "volume_orthogonality"]
    }
  }

  public func make(
    name: String, inputFeatures: Int, classCount: Int, graphSizes: GraphSizes,
    random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int) {
    // AsymCheegerCut's balance term needs K ≥ 2 (the spec checks `k`; a
    // ratio or a one-class dataset could give 1).
    let clusters = max(2, clusterCount(classCount: classCount, graphSizes: graphSizes))
    let kind: any RawAdjacencySoftPooler.Type =
      switch type {
      case "acc": AsymCheegerCutPool.self
      case "dmon": DMoNPool.self
      default: NeuNcutPool.self
      }
    let pooler = kind.init(
      name: name, inputFeatures: inputFeatures, clusters: clusters, hiddenUnits: mlpHidden,
      hiddenActivation: mlpActivation, random: &random)
    return (pooler, clusters, inputFeatures)
  }
}

extension SelectionPoolSpec: PoolingLayerSpec {

  public func make(
    name: String, inputFeatures: Int, classCount: Int, graphSizes: GraphSizes,
    random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int) {
    let pooler: any Pooler =
      type == "sagpool"
      ? SAGPool(
        name: name, inputFeatures: inputFeatures, ratio: ratio, connectivity: connectivity,
        random: &random)
      : TopKPool(
        name: name, inputFeatures: inputFeatures, ratio: ratio, connectivity: connectivity,
        random: &random)
    return (pooler, 0, inputFeatures)
  }
}

extension GraclusSpec: PoolingLayerSpec {
  public var l2: Float { 0 }

  public func make(
    name: String, inputFeatures: Int, classCount: Int, graphSizes: GraphSizes,
    random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int) {
    (GraclusPool(featurePooling: featurePooling, random: &random), 0, inputFeatures)
  }
}

extension NodeDecimationSpec: PoolingLayerSpec {
  public var l2: Float { 0 }

  public func make(
    name: String, inputFeatures: Int, classCount: Int, graphSizes: GraphSizes,
    random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int) {
    (NodeDecimationPool(sparsifyThreshold: sparsifyThreshold, random: &random), 0, inputFeatures)
  }
}
