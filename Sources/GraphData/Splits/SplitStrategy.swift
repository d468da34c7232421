/// How a dataset's graphs are split into train / validation / test sets.
/// Codable, so the strategy (with its seed) is saved with results and the
/// splits can be regenerated exactly.
///
/// JSON forms (snake_case; optional keys take the defaults shown):
///
/// ```json
/// {"kind": "stratified_k_fold", "folds": 10, "validation_fraction": 0.1, "seed": 0}
/// {"kind": "predefined"}
/// {"kind": "random_stratified", "count": 10, "test_fraction": 0.1,
///  "validation_fraction": 0.1, "seed": 0}
/// ```
public enum SplitStrategy: Sendable, Equatable, Codable {
  /// Stratified k-fold cross-validation (the paper's protocol, METHODS §6):
  /// every graph is in exactly one test fold; `validationFraction` of each
  /// training fold is held out for validation, stratified.
  case stratifiedKFold(folds: Int = 10, validationFraction: Double = 0.1, seed: UInt64 = 0)
  /// The dataset's own split(s) (`predefinedSplits`, e.g. Bench's fixed
  /// train/validation/test split), unchanged.
  case predefined
  /// `count` independent stratified resplits (the official MC code: 10 %
  /// test, then 10 % of the rest as validation, ≈ 81/9/10), one seeded
  /// generator drawing them in order.
  case randomStratified(
    count: Int = 10, testFraction: Double = 0.1, validationFraction: Double = 0.1,
    seed: UInt64 = 0)

  /// The paper's default: stratified 10-fold CV with 10 % inner validation.
  public static func paperDefault(seed: UInt64 = 0) -> SplitStrategy {
    .stratifiedKFold(folds: 10, validationFraction: 0.1, seed: seed)
  }

  /// The `kind` value in JSON.
  public var kind: String {
    switch self {
    case .stratifiedKFold: "stratified_k_fold"
    case .predefined: "predefined"
    case .randomStratified: "random_stratified"
    }
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case kind, folds, count, seed
    case validationFraction = "validation_fraction"
    case testFraction = "test_fraction"
  }

  /// Decodes the JSON forms above; an unknown `kind`, a key that does not
  /// belong to the kind, or an out-of-range value throws
  /// `DecodingError.dataCorrupted` naming it.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let kind = try c.decode(String.self, forKey: .kind)
    let allowed: [CodingKeys]
    switch kind {
    case "stratified_k_fold": allowed = [.kind, .folds, .validationFraction, .seed]
    case "predefined": allowed = [.kind]
    case "random_stratified":
      allowed = [.kind, .count, .testFraction, .validationFraction, .seed]
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .kind, in: c,
        debugDescription:
          "unknown split kind '\(kind)' (expected stratified_k_fold, predefined or random_stratified)"
      )
    }
    let any = try decoder.container(keyedBy: AnyOptionKey.self)
    let allowedNames = Set(allowed.map(\.rawValue))
    if let extra = any.allKeys.first(where: { !allowedNames.contains($0.stringValue) }) {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: any.codingPath + [extra],
          debugDescription:
            "key '\(extra.stringValue)' does not apply to split kind '\(kind)' (accepted: "
            + allowed.map(\.rawValue).joined(separator: ", ") + ")"))
    }
    func fraction(_ key: CodingKeys) throws -> Double {
      let value = try c.decodeIfPresent(Double.self, forKey: key) ?? 0.1
      guard value >= 0 && value < 1 else {
        throw DecodingError.dataCorruptedError(
          forKey: key, in: c, debugDescription: "expected a fraction in [0, 1), found \(value)")
      }
      return value
    }
    func positive(_ key: CodingKeys, minimum: Int) throws -> Int {
      let value = try c.decodeIfPresent(Int.self, forKey: key) ?? 10
      guard value >= minimum else {
        throw DecodingError.dataCorruptedError(
          forKey: key, in: c, debugDescription: "expected an integer ≥ \(minimum), found \(value)")
      }
      return value
    }
    let seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
    switch kind {
    case "stratified_k_fold":
      self = .stratifiedKFold(
        folds: try positive(.folds, minimum: 2),
        validationFraction: try fraction(.validationFraction), seed: seed)
    case "random_stratified":
      self = .randomStratified(
        count: try positive(.count, minimum: 1), testFraction: try fraction(.testFraction),
        validationFraction: try fraction(.validationFraction), seed: seed)
    default:
      self = .predefined
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(kind, forKey: .kind)
    switch self {
    case .stratifiedKFold(let folds, let validationFraction, let seed):
      try c.encode(folds, forKey: .folds)
      try c.encode(validationFraction, forKey: .validationFraction)
      try c.encode(seed, forKey: .seed)
    case .predefined:
      break
    case .randomStratified(let count, let testFraction, let validationFraction, let seed):
      try c.encode(count, forKey: .count)
      try c.encode(testFraction, forKey: .testFraction)
      try c.encode(validationFraction, forKey: .validationFraction)
      try c.encode(seed, forKey: .seed)
    }
  }
}

/// A strategy and the splits it produced, to be saved as JSON beside results
/// (`{"strategy": {...}, "graph_count": N, "splits": [{"train": [...], ...}]}`).
public struct SplitRecord: Sendable, Equatable, Codable {
  public var strategy: SplitStrategy
  /// Number of graphs the indices refer to.
  public var graphCount: Int
  public var splits: [GraphSplit]

  public init(strategy: SplitStrategy, graphCount: Int, splits: [GraphSplit]) {
    self.strategy = strategy
    self.graphCount = graphCount
    self.splits = splits
  }

  enum CodingKeys: String, CodingKey {
    case strategy, splits
    case graphCount = "graph_count"
  }
}
