import Pooling
import TensorCore

/// One entry of a model's layer list, e.g.
/// `{"type": "gcs", "units": 16, "activation": "elu"}` or
/// `{"type": "mincut", "k": 7}`. The same schema serves node clustering
/// (gcs… → pool) and graph classification (e.g. gcs – pool – gcs – pool –
/// gcs – readout – dense, where the last dense layer gives the class logits).
public enum LayerSpec: Codable, Sendable, Equatable {
  case gcs(GCSSpec)
  case gtv(GTVSpec)
  case mincut(MinCutSpec)
  case diffpool(DiffPoolSpec)
  case acc(SoftMLPPoolSpec)
  case dmon(SoftMLPPoolSpec)
  case neuncut(SoftMLPPoolSpec)
  case topk(SelectionPoolSpec)
  case sagpool(SelectionPoolSpec)
  case graclus(GraclusSpec)
  case ndp(NodeDecimationSpec)
  case readout(ReadoutSpec)
  case dense(DenseSpec)

  public static let typeNames = [
    "gcs", "gtv", "mincut", "diffpool", "acc", "dmon", "neuncut", "topk", "sagpool", "graclus",
    "ndp",
    "readout", "dense",
  ]

  enum TypeKey: String, CodingKey { case type }

  public init(from decoder: any Decoder) throws {
    let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
    switch type {
    case "gcs": self = .gcs(try GCSSpec(from: decoder))
    case "gtv": self = .gtv(try GTVSpec(from: decoder))
    case "mincut": self = .mincut(try MinCutSpec(from: decoder))
    case "diffpool": self = .diffpool(try DiffPoolSpec(from: decoder))
    case "acc": self = .acc(try SoftMLPPoolSpec(from: decoder))
    case "dmon": self = .dmon(try SoftMLPPoolSpec(from: decoder))
    case "neuncut": self = .neuncut(try SoftMLPPoolSpec(from: decoder))
    case "topk": self = .topk(try SelectionPoolSpec(from: decoder))
    case "sagpool": self = .sagpool(try SelectionPoolSpec(from: decoder))
    case "graclus": self = .graclus(try GraclusSpec(from: decoder))
    case "ndp": self = .ndp(try NodeDecimationSpec(from: decoder))
    case "readout": self = .readout(try ReadoutSpec(from: decoder))
    case "dense": self = .dense(try DenseSpec(from: decoder))
    default:
      throw LocatedConfigProblem(
        codingPath: decoder.codingPath + [AnyCodingKey(stringValue: "type")],
        message:
          "unknown layer type '\(type)' (expected one of \(Self.typeNames.joined(separator: ", ")))"
      )
    }
  }

  public func encode(to encoder: any Encoder) throws {
    switch self {
    case .gcs(let spec): try spec.encode(to: encoder)
    case .gtv(let spec): try spec.encode(to: encoder)
    case .mincut(let spec): try spec.encode(to: encoder)
    case .diffpool(let spec): try spec.encode(to: encoder)
    case .acc(let spec), .dmon(let spec), .neuncut(let spec): try spec.encode(to: encoder)
    case .topk(let spec), .sagpool(let spec): try spec.encode(to: encoder)
    case .graclus(let spec): try spec.encode(to: encoder)
    case .ndp(let spec): try spec.encode(to: encoder)
    case .readout(let spec): try spec.encode(to: encoder)
    case .dense(let spec): try spec.encode(to: encoder)
    }
  }

  /// The `type` of `spec` as configs spell it.
  public static func typeName(of spec: LayerSpec) -> String {
    switch spec {
    case .gcs: "gcs"
    case .gtv: "gtv"
    case .mincut: "mincut"
    case .diffpool: "diffpool"
    case .acc: "acc"
    case .dmon: "dmon"
    case .neuncut: "neuncut"
    case .topk: "topk"
    case .sagpool: "sagpool"
    case .graclus: "graclus"
    case .ndp: "ndp"
    case .readout: "readout"
    case .dense: "dense"
    }
  }

  /// Whether this layer pools (ends a clustering model).
  public var isPooling: Bool { pooling != nil }
}

/// The readout of graph classification: one row per graph, the mean (or
/// sum) of its nodes' features.
public struct ReadoutSpec: Codable, Sendable, Equatable {
  public var type = "readout"
  public var mode: Readout

  enum CodingKeys: String, CodingKey, CaseIterable { case type, mode }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    mode = try c.decodeIfPresent(Readout.self, forKey: .mode) ?? .mean
  }
}

/// A fully connected layer act(XW + b), on node rows before the readout or
/// on graph rows after it. The last layer of a classifier is a dense layer
/// whose `units` default to the number of classes and whose (linear)
/// outputs are the logits of the softmax cross-entropy.
public struct DenseSpec: Codable, Sendable, Equatable {
  public var type = "dense"
  /// Output width; `nil` means the number of classes (the output layer).
  public var units: Int?
  public var activation: Activation
  /// λ of the L2 penalty on the kernel (0: none).
  public var l2: Float

  enum CodingKeys: String, CodingKey, CaseIterable { case type, units, activation, l2 }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    units = try c.decodeInteger(forKey: .units)
    activation = try c.decodeIfPresent(Activation.self, forKey: .activation) ?? .linear
    l2 = try c.decodeFloat(forKey: .l2) ?? 0
    try c.require(
      (1...LayerLimits.width).contains(units ?? 1), .units,
      "must be in 1…\(LayerLimits.width), got \(units ?? 0)")
    try c.require(l2 >= 0 && l2 <= 1e3, .l2, "must be in [0, 1000], got \(l2)")
  }
}

/// GCS message passing: Z = act(Ã X Θ_m + X Θ_s + b).
public struct GCSSpec: Codable, Sendable, Equatable {
  public var type = "gcs"
  public var units: Int
  public var activation: Activation
  public var kernelInitializer: Initializer
  /// λ of the L2 penalty λ‖Θ‖² on both kernels (0: none).
  public var l2: Float

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type, units, activation
    case kernelInitializer = "kernel_initializer"
    case l2
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    units = try c.required(c.decodeInteger(forKey: .units), .units)
    activation = try c.decodeIfPresent(Activation.self, forKey: .activation) ?? .linear
    kernelInitializer =
      try c.decodeIfPresent(Initializer.self, forKey: .kernelInitializer) ?? .glorotUniform
    l2 = try c.decodeFloat(forKey: .l2) ?? 0
    try c.require(
      (1...LayerLimits.width).contains(units), .units,
      "must be in 1…\(LayerLimits.width), got \(units)")
    try c.require(l2 >= 0 && l2 <= 1e3, .l2, "must be in [0, 1000], got \(l2)")
  }
}

/// GTVConv (TVGNN): Z = act((I − δ L_Γ) X Θ + b) with feature-dependent
/// edge weights Γ_ij = a_ij / max(‖x̃_i − x̃_j‖₁, ε) over the raw adjacency.
public struct GTVSpec: Codable, Sendable, Equatable {
  public var type = "gtv"
  public var units: Int
  public var activation: Activation
  public var kernelInitializer: Initializer
  /// The code's δ (twice the paper's); TVGNN's code defaults to 1.
  public var delta: Float
  /// The floor of the L1 distances (TVGNN: 1e-3).
  public var epsilon: Float
  /// λ of the L2 penalty λ‖Θ‖² on the kernel (0: none).
  public var l2: Float

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type, units, activation
    case kernelInitializer = "kernel_initializer"
    case delta, epsilon, l2
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    units = try c.required(c.decodeInteger(forKey: .units), .units)
    activation = try c.decodeIfPresent(Activation.self, forKey: .activation) ?? .linear
    kernelInitializer =
      try c.decodeIfPresent(Initializer.self, forKey: .kernelInitializer) ?? .glorotUniform
    delta = try c.decodeFloat(forKey: .delta) ?? 1
    epsilon = try c.decodeFloat(forKey: .epsilon) ?? 1e-3
    l2 = try c.decodeFloat(forKey: .l2) ?? 0
    try c.require(
      (1...LayerLimits.width).contains(units), .units,
      "must be in 1…\(LayerLimits.width), got \(units)")
    try c.require(delta >= 0 && delta <= 1e3, .delta, "must be in [0, 1000], got \(delta)")
    try c.require(
      epsilon > 0 && epsilon <= 1e3, .epsilon, "must be in (0, 1000], got \(epsilon)")
    try c.require(l2 >= 0 && l2 <= 1e3, .l2, "must be in [0, 1000], got \(l2)")
  }
}

/// MinCutPool: S = softmax(MLP(X)/τ); losses L_c + L_o on the layer's adjacency.
public struct MinCutSpec: Codable, Sendable, Equatable {
  public var type = "mincut"
  /// Number of clusters; `nil` means `k_ratio`, else the dataset's number
  /// of classes.
  public var k: Int?
  /// K as a ratio of the average training-graph size, rounded up (graph
  /// classification: 0.5 then 0.25 halves the nodes per level).
  public var kRatio: Double?
  /// L2 λ on the MLP's kernels (graph classification: 1e-4).
  public var l2: Float
  /// Hidden layer sizes of the MLP before the linear layer to K (default none).
  public var mlpHidden: [Int]
  public var mlpActivation: Activation
  public var temperature: Float
  /// ε of the pooled-adjacency normalisation (1e-7 as Spektral; PyG 1e-15).
  /// Only a layer after the pooler sees the pooled adjacency, so a
  /// node-clustering config (which ends at the pooler) rejects the key.
  public var poolEpsilon: Float?

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type, k
    case kRatio = "k_ratio"
    case l2
    case mlpHidden = "mlp_hidden"
    case mlpActivation = "mlp_activation"
    case temperature
    case
      poolEpsilon = "pool_epsilon"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    k = try c.decodeInteger(forKey: .k)
    kRatio = try c.decodeIfPresent(Double.self, forKey: .kRatio)
    l2 = try c.decodeFloat(forKey: .l2) ?? 0
    try validateClusterCount(c, kRatio: kRatio, l2: l2)
    mlpHidden = try c.decodeIntegers(forKey: .mlpHidden) ?? []
    mlpActivation = try c.decodeIfPresent(Activation.self, forKey: .mlpActivation) ?? .relu
    temperature = try c.decodeFloat(forKey: .temperature) ?? 1
    poolEpsilon = try c.decodeFloat(forKey: .poolEpsilon)
    try validateAssignmentMLP(c, k: k, mlpHidden: mlpHidden)
    try c.require(
      temperature >= 1e-3 && temperature <= 1e3, .temperature,
      "must be in [0.001, 1000] (S = softmax(logits / τ)), got \(temperature)")
    // ε > 0 keeps a pooled node of degree 0 from dividing 0 by 0.
    try c.require((poolEpsilon ?? 1) > 0, .poolEpsilon, "must be positive")
  }
}

/// DiffPool: Z = act(F X W_emb), S = softmax(F X W_pool); losses L_LP + L_E.
public struct DiffPoolSpec: Codable, Sendable, Equatable {
  public var type = "diffpool"
  /// Number of clusters; `nil` means `k_ratio`, else the dataset's number
  /// of classes.
  public var k: Int?
  /// K as a ratio of the average training-graph size, rounded up.
  public var kRatio: Double?
  /// L2 λ on both kernels (graph classification: 1e-4).
  public var l2: Float
  /// Embedding channels C and the embedding's activation. Only the pooled
  /// features X' = SᵀZ depend on them, so a node-clustering config (which
  /// ends at the pooler and scores S alone) rejects both keys.
  public var channels: Int?
  public var activation: Activation?
  /// Divide L_LP by N² as PyG does (default false, as the paper's code).
  public var normalizeLinkLoss: Bool

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type, k, channels, activation
    case kRatio = "k_ratio"
    case l2
    case normalizeLinkLoss = "normalize_link_loss"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    k = try c.decodeInteger(forKey: .k)
    kRatio = try c.decodeIfPresent(Double.self, forKey: .kRatio)
    l2 = try c.decodeFloat(forKey: .l2) ?? 0
    try validateClusterCount(c, kRatio: kRatio, l2: l2)
    channels = try c.decodeInteger(forKey: .channels)
    activation = try c.decodeIfPresent(Activation.self, forKey: .activation)
    normalizeLinkLoss = try c.decodeIfPresent(Bool.self, forKey: .normalizeLinkLoss) ?? false
    try c.require(
      (2...LayerLimits.clusters).contains(k ?? 2), .k,
      "must be in 2…\(LayerLimits.clusters), got \(k ?? 0)")
    try c.require(
      (1...LayerLimits.width).contains(channels ?? 1), .channels,
      "must be in 1…\(LayerLimits.width), got \(channels ?? 0)")
  }
}

/// Top-K or SAGPool (the `type` tells which): keep ⌈ratio·N_g⌉ nodes of
/// each graph by a learned score, gate them by tanh(score), connect them
/// by `connectivity`. Graph classification only (no soft assignment to
/// score as clusters).
public struct SelectionPoolSpec: Codable, Sendable, Equatable {
  public var type: String
  /// Fraction of each graph's nodes kept (default 0.5, the paper's).
  public var ratio: Double
  /// `squared`: (A·A)[idx, idx] (the paper's code, default); `induced`:
  /// A[idx, idx] (PyG).
  public var connectivity: SelectionConnectivity
  /// λ of the L2 penalty on the score's weight vector (default 0, as the
  /// paper's code).
  public var l2: Float

  enum CodingKeys: String, CodingKey, CaseIterable { case type, ratio, connectivity, l2 }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    type = try c.decode(String.self, forKey: .type)
    ratio = try c.decodeIfPresent(Double.self, forKey: .ratio) ?? 0.5
    connectivity =
      try c.decodeIfPresent(SelectionConnectivity.self, forKey: .connectivity) ?? .squared
    l2 = try c.decodeFloat(forKey: .l2) ?? 0
    try c.require(ratio > 0 && ratio <= 1, .ratio, "must be in (0, 1], got \(ratio)")
    try c.require(l2 >= 0 && l2 <= 1e3, .l2, "must be in [0, 1000], got \(l2)")
  }
}

/// Graclus: a precomputed coarsening by normalised-cut matching (about
/// half the nodes per level), features pooled by the per-cluster maximum
/// or by keeping one member. No parameters. Graph classification only.
public struct GraclusSpec: Codable, Sendable, Equatable {
  public var type = "graclus"
  /// `max` (PyG, default) or `keep_one` (the NDP code).
  public var featurePooling: GraclusPool.FeaturePooling

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type
    case featurePooling = "feature_pooling"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    featurePooling =
      try c.decodeIfPresent(GraclusPool.FeaturePooling.self, forKey: .featurePooling) ?? .max
  }
}

/// AsymCheegerCut (`acc`, TVGNN) or DMoN (`dmon`) pooling: S =
/// softmax(MLP(X)) with losses on the raw adjacency (`total_variation` and
/// `balance`, or `modularity` and `collapse`).
public struct SoftMLPPoolSpec: Codable, Sendable, Equatable {
  public var type: String
  /// Number of clusters; `nil` means `k_ratio`, else the number of classes.
  public var k: Int?
  public var kRatio: Double?
  /// L2 λ on the MLP's kernels (graph classification).
  public var l2: Float
  /// Hidden layer sizes of the MLP before the linear layer to K.
  public var mlpHidden: [Int]
  public var mlpActivation: Activation
  /// `average` (the training graphs' mean size, as the Table 2 poolers) or
  /// `largest` (the dataset's largest graph, N_max as TVGNN's code).
  public var kRatioOf: KRatioBase

  public enum KRatioBase: String, Codable, Sendable {
    case average, largest
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type, k
    case kRatio = "k_ratio"
    case kRatioOf = "k_ratio_of"
    case l2
    case mlpHidden = "mlp_hidden"
    case mlpActivation = "mlp_activation"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    type = try c.decode(String.self, forKey: .type)
    kRatioOf = try c.decodeIfPresent(KRatioBase.self, forKey: .kRatioOf) ?? .average
    k = try c.decodeInteger(forKey: .k)
    kRatio = try c.decodeIfPresent(Double.self, forKey: .kRatio)
    l2 = try c.decodeFloat(forKey: .l2) ?? 0
    try validateClusterCount(c, kRatio: kRatio, l2: l2)
    mlpHidden = try c.decodeIntegers(forKey: .mlpHidden) ?? []
    mlpActivation = try c.decodeIfPresent(Activation.self, forKey: .mlpActivation) ?? .relu
    try validateAssignmentMLP(c, k: k, mlpHidden: mlpHidden)
  }
}

/// NDP: a precomputed node decimation (the spectral half of the nodes per
/// level, Kron-reduced graph sparsified at `sparsify_threshold`), features
/// of the kept nodes unchanged. No parameters. Graph classification only.
public struct NodeDecimationSpec: Codable, Sendable, Equatable {
  public var type = "ndp"
  /// Reduced edges with |a'_ij| at most this are dropped (METHODS §3: 1e-2).
  public var sparsifyThreshold: Float

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type
    case sparsifyThreshold = "sparsify_threshold"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    sparsifyThreshold =
      try c.decodeFloat(forKey: .sparsifyThreshold) ?? NodeDecimation.defaultSparsifyThreshold
    try c.require(
      sparsifyThreshold >= 0 && sparsifyThreshold < 1e3, .sparsifyThreshold,
      "must be in [0, 1000), got \(sparsifyThreshold)")
  }
}

/// The checks of `k` and `mlp_hidden` that the poolers with an assignment
/// MLP (mincut, acc, dmon) share.
private func validateAssignmentMLP<Key: CodingKey>(
  _ c: KeyedDecodingContainer<Key>, k: Int?, mlpHidden: [Int]
) throws {
  try c.require(
    (2...LayerLimits.clusters).contains(k ?? 2), Key(stringValue: "k")!,
    "must be in 2…\(LayerLimits.clusters), got \(k ?? 0)")
  try c.require(
    mlpHidden.count <= 8 && mlpHidden.allSatisfy { (1...LayerLimits.width).contains($0) },
    Key(stringValue: "mlp_hidden")!,
    "at most 8 sizes, each in 1…\(LayerLimits.width), got \(mlpHidden)")
}

/// The checks `k_ratio` and `l2` share in the pooling specs (that not both
/// `k` and `k_ratio` are given is checked with the whole config).
private func validateClusterCount<Key: CodingKey>(
  _ c: KeyedDecodingContainer<Key>, kRatio: Double?, l2: Float
) throws {
  let ratioKey = Key(stringValue: "k_ratio")!
  try c.require(
    kRatio.map { $0 > 0 && $0 <= 1 } ?? true, ratioKey,
    "must be in (0, 1] (a fraction of the average training-graph size), got \(kRatio ?? 0)")
  try c.require(l2 >= 0 && l2 <= 1e3, Key(stringValue: "l2")!, "must be in [0, 1000], got \(l2)")
}

/// Bounds of layer sizes, checked when a config is read: far beyond the
/// published models (16 units, K ≤ 7), small enough that an N×width matrix
/// of Pubmed (19,717 nodes) stays below 350 MB.
enum LayerLimits {
  static let width = 4096
  static let clusters = 4096
}
