import Foundation
import GraphData

/// A config of the `vector_clustering` task (NeuNcut and its baselines on
/// vector datasets), e.g.
/// `{"method": "NeuNcut", "task": "vector_clustering", "dataset": "usps",
///   "train_fraction": 0.5, "neuncut": {"learning_rate": 0.001}}` or
/// `{"method": "k-means++", "task": "vector_clustering", "dataset": "usps",
///   "baseline": {"type": "kmeans"}}`. Keys are checked as `RunConfig`'s.
public struct VectorClusteringConfig: Decodable, Sendable, Equatable {
  public var method: String
  /// `mnist-test` or `usps` (`VectorDataset.names`).
  public var dataset: String
  /// The seeded fraction NeuNcut trains on; the rest is scored as unseen.
  public var trainFraction: Double
  /// Train on the dataset's own training split and score its test split
  /// as unseen (USPS) instead of a seeded fraction. A baseline, which
  /// clusters every sample, then scores the two splits' rows separately.
  public var usesPredefinedSplit: Bool
  public var neuncut: NeuNcutSpec?
  public var baseline: VectorBaselineSpec?

  enum CodingKeys: String, CodingKey, CaseIterable {
    case method, task, dataset
    case trainFraction = "train_fraction"
    case trainSplit = "train_split"
    case neuncut, baseline
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    method = try c.decode(String.self, forKey: .method)
    let task = try c.decode(String.self, forKey: .task)
    try c.require(task == "vector_clustering", .task, "expected vector_clustering, got \(task)")
    dataset = try c.decode(String.self, forKey: .dataset)
    try c.require(
      VectorDataset.names.contains(dataset), .dataset,
      "unknown vector dataset '\(dataset)' (expected one of \(VectorDataset.names.joined(separator: ", ")))"
    )
    trainFraction = try c.decodeIfPresent(Double.self, forKey: .trainFraction) ?? 0.5
    let split = try c.decodeIfPresent(String.self, forKey: .trainSplit) ?? "fraction"
    try c.require(
      ["fraction", "predefined"].contains(split), .trainSplit,
      "expected fraction (train_fraction of the samples, seeded) or predefined (the dataset's "
        + "own train/test split), got \(split)")
    usesPredefinedSplit = split == "predefined"
    try c.require(
      !(usesPredefinedSplit && c.contains(.trainFraction)), .trainFraction,
      "has no effect with train_split predefined; remove one")
    try c.require(
      trainFraction > 0 && trainFraction <= 1, .trainFraction,
      "must be in (0, 1], got \(trainFraction)")
    neuncut = try c.decodeIfPresent(NeuNcutSpec.self, forKey: .neuncut)
    baseline = try c.decodeIfPresent(VectorBaselineSpec.self, forKey: .baseline)
    try c.require(
      (neuncut == nil) != (baseline == nil), .neuncut, "give exactly one of 'neuncut' or 'baseline'"
    )
    if baseline != nil {
      // A baseline clusters every sample; `train_split: predefined` only
      // scores the training and test split's rows separately.
      try c.require(
        !c.contains(.trainFraction), .trainFraction,
        "has no effect for a baseline (it clusters every sample); remove it")
      try c.require(
        !c.contains(.trainSplit) || usesPredefinedSplit, .trainSplit,
        "a baseline clusters every sample; only 'predefined' (score the dataset's training "
          + "and test split separately) applies")
    }
  }

  /// Reads and validates a config file; errors name the file and the key.
  public static func load(from path: String) throws -> VectorClusteringConfig {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError(file: path, keyPath: "", message: "cannot read the config file")
    }
    do {
      try JSONSyntaxCheck.check([UInt8](data))
      return try JSONDecoder().decode(VectorClusteringConfig.self, from: data)
    } catch {
      throw ConfigError.from(error, file: path)
    }
  }
}

/// NeuNcut's options (METHODS §5 defaults).
public struct NeuNcutSpec: Decodable, Sendable, Equatable {
  public var hidden: [Int]
  public var options: NeuNcutTraining.Options

  enum CodingKeys: String, CodingKey, CaseIterable {
    case hidden, epochs
    case batchSize = "batch_size"
    case dropLastBatch = "drop_last_batch"
    case learningRate = "learning_rate"
    case weightDecay = "weight_decay"
    case sigma, gamma
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    hidden = try c.decodeIntegers(forKey: .hidden) ?? [512, 512]
    var o = NeuNcutTraining.Options()
    o.epochs = try c.decodeInteger(forKey: .epochs) ?? o.epochs
    o.batchSize = try c.decodeInteger(forKey: .batchSize) ?? o.batchSize
    o.dropLastBatch = try c.decodeIfPresent(Bool.self, forKey: .dropLastBatch) ?? o.dropLastBatch
    o.learningRate = try c.decodeFloat(forKey: .learningRate) ?? o.learningRate
    o.weightDecay = try c.decodeFloat(forKey: .weightDecay) ?? o.weightDecay
    o.sigma = try c.decodeFloat(forKey: .sigma) ?? o.sigma
    o.gamma = try c.decodeFloat(forKey: .gamma) ?? o.gamma
    options = o
    try c.require(
      !hidden.isEmpty && hidden.count <= 8 && hidden.allSatisfy { (1...4096).contains($0) },
      .hidden, "1 to 8 sizes, each in 1…4096, got \(hidden)")
    try c.require((1...100_000).contains(o.epochs), .epochs, "must be in 1…100,000")
    try c.require((2...100_000).contains(o.batchSize), .batchSize, "must be in 2…100,000")
    try c.require(o.learningRate > 0 && o.learningRate <= 1, .learningRate, "must be in (0, 1]")
    try c.require(o.weightDecay >= 0 && o.weightDecay <= 1, .weightDecay, "must be in [0, 1]")
    try c.require(o.sigma > 0 && o.sigma <= 1e3, .sigma, "must be in (0, 1000]")
    try c.require(o.gamma >= 0 && o.gamma <= 1e6, .gamma, "must be in [0, 1e6]")
  }
}

/// A non-neural vector clustering baseline on every sample.
public struct VectorBaselineSpec: Decodable, Sendable, Equatable {
  /// `kmeans` (k-means++, `restarts`) or `spectral_clustering` (ARPACK on
  /// the symmetric `neighbours`-NN graph with Gaussian weights of `sigma`,
  /// then k-means with `restarts`).
  public var type: String
  public var restarts: Int
  public var neighbours: Int
  public var sigma: Float

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type, restarts, neighbours, sigma
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    type = try c.decode(String.self, forKey: .type)
    try c.require(
      ["kmeans", "spectral_clustering"].contains(type), .type,
      "expected kmeans or spectral_clustering, got \(type)")
    restarts = try c.decodeInteger(forKey: .restarts) ?? 10
    neighbours = try c.decodeInteger(forKey: .neighbours) ?? 10
    sigma = try c.decodeFloat(forKey: .sigma) ?? 1
    try c.require((1...1000).contains(restarts), .restarts, "must be in 1…1000")
    try c.require((1...1000).contains(neighbours), .neighbours, "must be in 1…1000")
    try c.require(sigma > 0 && sigma <= 1e3, .sigma, "must be in (0, 1000]")
    if type == "kmeans" {
      for key in [CodingKeys.neighbours, .sigma] where c.contains(key) {
        throw LocatedConfigProblem(
          codingPath: [key], message: "has no effect for k-means (it shapes the k-NN graph)")
      }
    }
  }
}
