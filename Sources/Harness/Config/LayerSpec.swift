import Pooling
import TensorCore

/// One entry of a model's layer list, e.g.
/// `{"type": "gcs", "units": 16, "activation": "elu"}` or
/// `{"type": "mincut", "k": 7}`. The same schema serves node clustering
/// (MP… → pool); graph classification (MP – pool – MP – pool – MP – readout)
/// is planned and will extend it with readout layers.
public enum LayerSpec: Codable, Sendable, Equatable {
  case gcs(GCSSpec)
  case mincut(MinCutSpec)
  case diffpool(DiffPoolSpec)

  public static let typeNames = ["gcs", "mincut", "diffpool"]

  enum TypeKey: String, CodingKey { case type }

  public init(from decoder: any Decoder) throws {
    let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
    switch type {
    case "gcs": self = .gcs(try GCSSpec(from: decoder))
    case "mincut": self = .mincut(try MinCutSpec(from: decoder))
    case "diffpool": self = .diffpool(try DiffPoolSpec(from: decoder))
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
    case .mincut(let spec): try spec.encode(to: encoder)
    case .diffpool(let spec): try spec.encode(to: encoder)
    }
  }

  /// Whether this layer pools (ends a clustering model).
  public var isPooling: Bool {
    if case .gcs = self { return false }
    return true
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

/// MinCutPool: S = softmax(MLP(X)/τ); losses L_c + L_o on the layer's adjacency.
public struct MinCutSpec: Codable, Sendable, Equatable {
  public var type = "mincut"
  /// Number of clusters; `nil` means the dataset's number of classes.
  public var k: Int?
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
    case mlpHidden = "mlp_hidden"
    case mlpActivation = "mlp_activation"
    case temperature
    case
      poolEpsilon = "pool_epsilon"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    k = try c.decodeInteger(forKey: .k)
    mlpHidden = try c.decodeIntegers(forKey: .mlpHidden) ?? []
    mlpActivation = try c.decodeIfPresent(Activation.self, forKey: .mlpActivation) ?? .relu
    temperature = try c.decodeFloat(forKey: .temperature) ?? 1
    poolEpsilon = try c.decodeFloat(forKey: .poolEpsilon)
    try c.require(
      (2...LayerLimits.clusters).contains(k ?? 2), .k,
      "must be in 2…\(LayerLimits.clusters), got \(k ?? 0)")
    try c.require(
      mlpHidden.count <= 8 && mlpHidden.allSatisfy { (1...LayerLimits.width).contains($0) },
      .mlpHidden, "at most 8 sizes, each in 1…\(LayerLimits.width), got \(mlpHidden)")
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
  /// Number of clusters; `nil` means the dataset's number of classes.
  public var k: Int?
  /// Embedding channels C and the embedding's activation. Only the pooled
  /// features X' = SᵀZ depend on them, so a node-clustering config (which
  /// ends at the pooler and scores S alone) rejects both keys.
  public var channels: Int?
  public var activation: Activation?
  /// Divide L_LP by N² as PyG does (default false, as the paper's code).
  public var normalizeLinkLoss: Bool

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type, k, channels, activation
    case normalizeLinkLoss = "normalize_link_loss"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    k = try c.decodeInteger(forKey: .k)
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

/// Bounds of layer sizes, checked when a config is read: far beyond the
/// published models (16 units, K ≤ 7), small enough that an N×width matrix
/// of Pubmed (19,717 nodes) stays below 350 MB.
enum LayerLimits {
  static let width = 4096
  static let clusters = 4096
}
