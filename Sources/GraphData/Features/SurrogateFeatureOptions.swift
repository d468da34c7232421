/// Which surrogate node features `SurrogateFeatures.build` computes for a
/// graph-classification dataset, and how each is encoded.
///
/// The defaults reproduce the MinCutPool paper's protocol (METHODS §6) as the
/// official loader implements it (MC `utils/dataset_loader.py`
/// `get_graph_kernel_dataset` with `feat_norm='ohe'`, REFERENCE-NOTES §1.5):
/// self-loops added to every adjacency, one-hot degree, z-scored clustering
/// coefficient, one-hot node attributes (the official code one-hot encodes
/// even continuous attributes, one category per distinct value of each
/// column), one-hot node labels.
///
/// JSON keys are snake_case; every key is optional (a missing key takes its
/// default) and an unknown key is an error that names it:
///
/// ```json
/// {"add_self_loops": true, "degree": "one_hot", "clustering_coefficient": true,
///  "node_attributes": "one_hot", "node_labels": true}
/// ```
public struct SurrogateFeatureOptions: Sendable, Hashable, Codable {
  /// How the degree column is encoded.
  public enum DegreeEncoding: String, Sendable, Hashable, Codable, CaseIterable {
    /// One-hot over the sorted distinct degree values of the whole dataset
    /// (the official MC classification code, `feat_norm='ohe'`).
    case oneHot = "one_hot"
    /// (d − mean) / std over all nodes of all graphs (the NDP loader).
    case zscore
    /// No degree feature.
    case none
  }

  /// How the dataset's continuous node attributes are encoded.
  public enum AttributeEncoding: String, Sendable, Hashable, Codable, CaseIterable {
    /// The values as stored.
    case raw
    /// Each column z-scored over all nodes of all graphs.
    case zscore
    /// Each column one-hot over its sorted distinct values in the whole
    /// dataset, columns concatenated (sklearn `OneHotEncoder`, as the
    /// official code applies it with `feat_norm='ohe'`).
    case oneHot = "one_hot"
    /// Attributes left out.
    case none
  }

  /// Replace every adjacency by clip(A + I, 0, 1) before anything else (the
  /// official loader's `nx_to_numpy(self_loops=True)`); the degree feature
  /// and every downstream layer see these self-loops. When false the stored
  /// adjacency is used unchanged.
  public var addSelfLoops: Bool
  /// Encoding of the degree d_i = Σ_j A_ij of the (self-looped if enabled) adjacency.
  public var degree: DegreeEncoding
  /// Whether to include the z-scored clustering coefficient (networkx
  /// definition, computed on the graph without self-loops).
  public var clusteringCoefficient: Bool
  /// Encoding of the node attributes, when the dataset has any.
  public var nodeAttributes: AttributeEncoding
  /// Whether to include one-hot node labels, when the dataset has any.
  public var nodeLabels: Bool

  /// The METHODS §6 / official-code defaults, or the given switches.
  public init(
    addSelfLoops: Bool = true, degree: DegreeEncoding = .oneHot,
    clusteringCoefficient: Bool = true, nodeAttributes: AttributeEncoding = .oneHot,
    nodeLabels: Bool = true
  ) {
    self.addSelfLoops = addSelfLoops
    self.degree = degree
    self.clusteringCoefficient = clusteringCoefficient
    self.nodeAttributes = nodeAttributes
    self.nodeLabels = nodeLabels
  }

  /// The paper's defaults (same as `init()`).
  public static let paperDefaults = SurrogateFeatureOptions()

  /// The dataset's own node features only, on its adjacency unchanged: no
  /// self-loops, no degree, no clustering coefficient; node labels one-hot
  /// and attributes as stored. The official code's 'synth' data mode for
  /// Bench-easy/hard, whose only node feature is the one-hot colour
  /// (REFERENCE-NOTES §1.6): structure must be learned from the graph.
  public static let providedFeaturesOnly = SurrogateFeatureOptions(
    addSelfLoops: false, degree: .none, clusteringCoefficient: false, nodeAttributes: .raw,
    nodeLabels: true)

  enum CodingKeys: String, CodingKey, CaseIterable {
    case addSelfLoops = "add_self_loops"
    case degree
    case clusteringCoefficient = "clustering_coefficient"
    case nodeAttributes = "node_attributes"
    case nodeLabels = "node_labels"
  }

  /// Decodes the snake_case keys; missing keys take their defaults and an
  /// unknown key throws `DecodingError.dataCorrupted` naming it and the
  /// accepted keys.
  public init(from decoder: any Decoder) throws {
    let any = try decoder.container(keyedBy: AnyOptionKey.self)
    let known = Set(CodingKeys.allCases.map(\.rawValue))
    if let unknown = any.allKeys.first(where: { !known.contains($0.stringValue) }) {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: any.codingPath + [unknown],
          debugDescription:
            "unknown key '\(unknown.stringValue)' (accepted: "
            + CodingKeys.allCases.map(\.rawValue).joined(separator: ", ") + ")"))
    }
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let defaults = SurrogateFeatureOptions()
    addSelfLoops = try c.decodeIfPresent(Bool.self, forKey: .addSelfLoops) ?? defaults.addSelfLoops
    degree = try c.decodeIfPresent(DegreeEncoding.self, forKey: .degree) ?? defaults.degree
    clusteringCoefficient =
      try c.decodeIfPresent(Bool.self, forKey: .clusteringCoefficient)
      ?? defaults.clusteringCoefficient
    nodeAttributes =
      try c.decodeIfPresent(AttributeEncoding.self, forKey: .nodeAttributes)
      ?? defaults.nodeAttributes
    nodeLabels = try c.decodeIfPresent(Bool.self, forKey: .nodeLabels) ?? defaults.nodeLabels
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(addSelfLoops, forKey: .addSelfLoops)
    try c.encode(degree, forKey: .degree)
    try c.encode(clusteringCoefficient, forKey: .clusteringCoefficient)
    try c.encode(nodeAttributes, forKey: .nodeAttributes)
    try c.encode(nodeLabels, forKey: .nodeLabels)
  }
}

/// Any string key, to list the keys a JSON object actually holds.
struct AnyOptionKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
