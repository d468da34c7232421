import Foundation
import GraphData
import Pooling
import TensorCore

/// One JSON file under `Configs/`: a method on a dataset, with every option
/// that affects the numbers. Keys are snake_case; unknown keys and wrong types
/// are errors naming the key and the file. See `Configs/README.md`.
public struct RunConfig: Codable, Sendable, Equatable {
  /// The method's name in result tables (e.g. "MinCutPool").
  public var method: String
  /// What is trained and evaluated.
  public var task: Task
  public var dataset: DatasetSpec
  /// The model as a list of layers (neural methods); `nil` for baselines.
  public var model: [LayerSpec]?
  /// A non-neural baseline instead of a model.
  public var baseline: BaselineSpec?
  /// Weight of each auxiliary loss term by name (default 1 for every term
  /// the poolers return).
  public var lossWeights: [String: Float]
  public var optimizer: OptimizerSpec
  /// Full-batch training iterations (node clustering).
  public var iterations: Int
  /// Write a log row (losses, and NMI for monitoring only) every this many iterations.
  public var logEvery: Int
  /// Mini-batch training with early stopping (graph classification).
  public var training: ClassificationTrainingSpec
  /// How the graphs are split (graph classification; default: stratified
  /// 10-fold cross-validation, 10% of each training fold for validation).
  public var split: SplitStrategy
  /// Model seeds run on every split (graph classification; default: the
  /// experiment's seeds). Bench's single fixed split uses 10 seeds.
  public var seeds: [Int]?

  public enum Task: String, Codable, Sendable {
    case nodeClustering = "node_clustering"
    case graphClassification = "graph_classification"
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case method, task, dataset, model, baseline
    case lossWeights = "loss_weights"
    case optimizer,
      iterations
    case logEvery = "log_every"
    case training, split, seeds
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    method = try c.decode(String.self, forKey: .method)
    task = try c.decode(Task.self, forKey: .task)
    dataset = try c.decode(DatasetSpec.self, forKey: .dataset)
    try dataset.resolve(for: task)
    model = try c.decodeIfPresent([LayerSpec].self, forKey: .model)
    baseline = try c.decodeIfPresent(BaselineSpec.self, forKey: .baseline)
    lossWeights = try c.decodeFloatDictionary(forKey: .lossWeights) ?? [:]
    optimizer = try c.decodeIfPresent(OptimizerSpec.self, forKey: .optimizer) ?? OptimizerSpec()
    iterations = try c.decodeInteger(forKey: .iterations) ?? 10_000
    logEvery = try c.decodeInteger(forKey: .logEvery) ?? 100
    training =
      try c.decodeIfPresent(ClassificationTrainingSpec.self, forKey: .training)
      ?? ClassificationTrainingSpec()
    split = try c.decodeIfPresent(SplitStrategy.self, forKey: .split) ?? .paperDefault()
    seeds = try c.decodeIntegers(forKey: .seeds)
    // Keys of the other task change nothing, so they are errors.
    let otherTask: [CodingKeys] =
      task == .nodeClustering ? [.training, .split, .seeds] : [.iterations, .logEvery]
    for key in otherTask where c.contains(key) {
      throw LocatedConfigProblem(
        codingPath: [key],
        message: "has no effect in a \(task.rawValue) config (it belongs to the other task); "
          + "remove it")
    }
    if let seeds {
      try c.require(
        !seeds.isEmpty && seeds.allSatisfy { (0...Int(Int32.max)).contains($0) }
          && Set(seeds).count == seeds.count, .seeds,
        "must be distinct integers in 0…2^31−1, got \(seeds)")
    }
    try c.require(
      (model == nil) != (baseline == nil), .model, "give exactly one of 'model' or 'baseline'")
    if let baseline {
      let expected = task == .nodeClustering ? "spectral_clustering" : "wl_svm"
      try c.require(
        baseline.type == expected, .baseline,
        "the '\(baseline.type)' baseline does not do \(task.rawValue) (expected '\(expected)')")
    }
    try c.require(model.map { !$0.isEmpty } ?? true, .model, "the layer list is empty")
    try c.require(
      (1...10_000_000).contains(iterations), .iterations,
      "must be in 1…10,000,000, got \(iterations)")
    try c.require(logEvery > 0, .logEvery, "must be positive, got \(logEvery)")
    // A node-clustering model ends at its pooler and is scored on S alone:
    // keys that only shape the pooled graph would change nothing.
    if task == .nodeClustering, let layers = model {
      for (index, layer) in layers.enumerated() {
        let dead = layer.pooling?.keysIgnoredInNodeClustering ?? []
        if let key = dead.first {
          throw LocatedConfigProblem(
            codingPath: [
              CodingKeys.model, AnyCodingKey(intValue: index), AnyCodingKey(stringValue: key),
            ],
            message: "has no effect in a node-clustering model (it shapes the pooled graph, "
              + "which nothing after the pooler uses, or belongs to graph classification); "
              + "remove it")
        }
      }
    }
    if task == .graphClassification, let layers = model {
      // Node layers, one readout, dense layers, ending at the class logits.
      let readouts = layers.indices.filter {
        if case .readout = layers[$0] { return true }
        return false
      }
      guard readouts.count == 1 else {
        throw LocatedConfigProblem(
          codingPath: [CodingKeys.model],
          message: "a graph classifier has exactly one readout layer (found \(readouts.count))")
      }
      guard case .dense(let last) = layers.last!, last.activation == .linear else {
        throw LocatedConfigProblem(
          codingPath: [CodingKeys.model, AnyCodingKey(intValue: layers.count - 1)],
          message: "a graph classifier ends with a linear dense layer (the class logits)")
      }
      for (index, layer) in layers.enumerated() where index > readouts[0] {
        guard case .dense = layer else {
          throw LocatedConfigProblem(
            codingPath: [CodingKeys.model, AnyCodingKey(intValue: index)],
            message: "only dense layers may follow the readout (there is no graph left)")
        }
      }
    }
    if task == .nodeClustering, let layers = model {
      // Message passing, then exactly one pooler at the end.
      if let index = layers.dropLast().firstIndex(where: { $0.messagePassing == nil })
        ?? (layers.last!.isPooling ? nil : layers.count - 1)
      {
        throw LocatedConfigProblem(
          codingPath: [CodingKeys.model, AnyCodingKey(intValue: index)],
          message: "a node-clustering model is message-passing layers (gcs, gtv) followed by "
            + "exactly one soft pooling layer (mincut, diffpool, acc, dmon, neuncut) at the end")
      }
      if layers.last!.pooling?.clustersNodes == false {
        throw LocatedConfigProblem(
          codingPath: [CodingKeys.model, AnyCodingKey(intValue: layers.count - 1)],
          message: "selects nodes instead of assigning them to clusters; node clustering needs "
            + "a soft pooler (mincut, diffpool, acc, dmon, neuncut)")
      }
    }
    for (index, layer) in (model ?? []).enumerated() {
      let both = layer.pooling?.givesBothSizes ?? false
      if both {
        throw LocatedConfigProblem(
          codingPath: [
            CodingKeys.model, AnyCodingKey(intValue: index), AnyCodingKey(stringValue: "k_ratio"),
          ], message: "give either 'k' or 'k_ratio', not both")
      }
    }
    let computed = model.map(Self.lossTerms) ?? []
    for (name, weight) in lossWeights.sorted(by: { $0.key < $1.key }) {
      let key: [any CodingKey] = [CodingKeys.lossWeights, AnyCodingKey(stringValue: name)]
      guard computed.contains(name) else {
        throw LocatedConfigProblem(
          codingPath: key,
          message: computed.isEmpty
            ? "a baseline computes no loss terms"
            : "this model computes no loss '\(name)' (its terms: \(computed.joined(separator: ", ")))"
        )
      }
      guard weight >= 0 && weight <= 1e6 else {
        throw LocatedConfigProblem(codingPath: key, message: "must be in [0, 1e6], got \(weight)")
      }
    }
  }

  /// Writes the keys of the config's own task only, so a stored config
  /// (in a checkpoint) reads back under the same validation.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(method, forKey: .method)
    try c.encode(task, forKey: .task)
    try c.encode(dataset, forKey: .dataset)
    try c.encodeIfPresent(model, forKey: .model)
    try c.encode(lossWeights, forKey: .lossWeights)
    try c.encode(optimizer, forKey: .optimizer)
    switch task {
    case .nodeClustering:
      try c.encodeIfPresent(baseline, forKey: .baseline)
      try c.encode(iterations, forKey: .iterations)
      try c.encode(logEvery, forKey: .logEvery)
    case .graphClassification:
      try c.encode(training, forKey: .training)
      try c.encode(split, forKey: .split)
      try c.encodeIfPresent(seeds, forKey: .seeds)
    }
  }

  /// The loss terms a model computes, by name (`loss_weights` keys).
  static func lossTerms(_ layers: [LayerSpec]) -> [String] {
    var names: [String] = []
    for layer in layers {
      if let pooling = layer.pooling {
        names += pooling.lossTermNames
        if pooling.l2 > 0, !names.contains("l2") { names.append("l2") }
        continue
      }
      if let layer = layer.messagePassing {
        if layer.l2 > 0, !names.contains("l2") { names.append("l2") }
        continue
      }
      switch layer {
      case .dense(let spec): if spec.l2 > 0, !names.contains("l2") { names.append("l2") }
      case .readout: break
      default: break  // poolers above
      }
    }
    return names
  }

  /// Reads and validates a config file; errors name the file and the key.
  public static func load(from path: String) throws -> RunConfig {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError(
        file: path, keyPath: "", message: "cannot read the file (missing or unreadable)")
    }
    do {
      try JSONSyntaxCheck.check([UInt8](data))
      return try JSONDecoder().decode(RunConfig.self, from: data)
    } catch {
      throw ConfigError.from(error, file: path)
    }
  }
}

/// Mini-batch training of a graph classifier (METHODS §6 defaults).
public struct ClassificationTrainingSpec: Codable, Sendable, Equatable {
  public var batchSize = 8
  public var maxEpochs = 500
  /// Epochs without a lower validation loss before stopping.
  public var patience = 50

  enum CodingKeys: String, CodingKey, CaseIterable {
    case batchSize = "batch_size"
    case maxEpochs = "max_epochs"
    case patience
  }

  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    batchSize = try c.decodeInteger(forKey: .batchSize) ?? 8
    maxEpochs = try c.decodeInteger(forKey: .maxEpochs) ?? 500
    patience = try c.decodeInteger(forKey: .patience) ?? 50
    try c.require((1...1024).contains(batchSize), .batchSize, "must be in 1…1024, got \(batchSize)")
    try c.require(
      (1...100_000).contains(maxEpochs), .maxEpochs, "must be in 1…100,000, got \(maxEpochs)")
    try c.require(
      (1...100_000).contains(patience), .patience, "must be in 1…100,000, got \(patience)")
  }
}

/// Which dataset to load and how to prepare it.
public struct DatasetSpec: Codable, Sendable, Equatable {
  /// "cora", "citeseer" or "pubmed".
  public var name: String
  /// Remove self-loops from the adjacency (default true; node clustering).
  public var removeSelfLoops: Bool
  /// The node features and adjacency preparation of a graph-classification
  /// dataset (keys of `SurrogateFeatureOptions`, e.g. `{"add_self_loops":
  /// false, "degree": "none", ...}`; missing keys take the paper's
  /// defaults). `nil`: the dataset's protocol default
  /// (`GraphDatasetCatalog.Entry.defaultFeatures`).
  public var features: SurrogateFeatureOptions?

  public static let planetoidNames = ["cora", "citeseer", "pubmed"]

  enum CodingKeys: String, CodingKey, CaseIterable {
    case name
    case removeSelfLoops = "remove_self_loops"
    case features
  }

  public init(name: String, removeSelfLoops: Bool = true) {
    self.name = name
    self.removeSelfLoops = removeSelfLoops
  }

  /// Whether the config spelled out `remove_self_loops`.
  var givesRemoveSelfLoops = false

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    removeSelfLoops = try c.decodeIfPresent(Bool.self, forKey: .removeSelfLoops) ?? true
    givesRemoveSelfLoops = c.contains(.removeSelfLoops)
    features = try c.decodeIfPresent(SurrogateFeatureOptions.self, forKey: .features)
  }

  public static func == (a: DatasetSpec, b: DatasetSpec) -> Bool {
    a.name == b.name && a.removeSelfLoops == b.removeSelfLoops && a.features == b.features
  }

  /// The feature options a graph-classification run uses: the config's, or
  /// the dataset's protocol default.
  public var resolvedFeatures: SurrogateFeatureOptions {
    features ?? GraphDatasetCatalog.entry(named: name)?.defaultFeatures ?? .paperDefaults
  }

  /// The name checked against the task's datasets: a Planetoid name
  /// (lower-cased) for node clustering, a catalog name (as the catalog
  /// spells it) for graph classification.
  mutating func resolve(for task: RunConfig.Task) throws {
    let key: [any CodingKey] = [RunConfig.CodingKeys.dataset, CodingKeys.name]
    switch task {
    case .nodeClustering:
      name = name.lowercased()
      guard Self.planetoidNames.contains(name) else {
        throw LocatedConfigProblem(
          codingPath: key,
          message:
            "unknown dataset '\(name)' (expected one of \(Self.planetoidNames.joined(separator: ", ")))"
        )
      }
      if features != nil {
        throw LocatedConfigProblem(
          codingPath: [RunConfig.CodingKeys.dataset, CodingKeys.features],
          message: "applies to graph classification only (node clustering uses the Planetoid "
            + "features); remove it")
      }
    case .graphClassification:
      guard
        let entry = GraphDatasetCatalog.entries.first(where: {
          $0.name.lowercased() == name.lowercased()
        })
      else {
        throw LocatedConfigProblem(
          codingPath: key,
          message: "unknown dataset '\(name)' (expected one of "
            + GraphDatasetCatalog.entries.map(\.name).joined(separator: ", ") + ")")
      }
      name = entry.name
      if givesRemoveSelfLoops {
        throw LocatedConfigProblem(
          codingPath: [RunConfig.CodingKeys.dataset, CodingKeys.removeSelfLoops],
          message: "has no effect in graph classification (the surrogate features decide "
            + "self-loops); remove it")
      }
    }
  }
}

/// Adam's settings (defaults as Keras: β1 0.9, β2 0.999, ε 1e-7).
public struct OptimizerSpec: Codable, Sendable, Equatable {
  public var type: String = "adam"
  public var learningRate: Float = 1e-3
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var epsilon: Float = 1e-7
  /// PyTorch's coupled weight decay λ (λθ added to the gradient); 0: none.
  public var weightDecay: Float = 0

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type
    case learningRate = "learning_rate"
    case beta1, beta2, epsilon
    case weightDecay = "weight_decay"
  }

  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    type = try c.decodeIfPresent(String.self, forKey: .type) ?? "adam"
    learningRate = try c.decodeFloat(forKey: .learningRate) ?? 1e-3
    beta1 = try c.decodeFloat(forKey: .beta1) ?? 0.9
    beta2 = try c.decodeFloat(forKey: .beta2) ?? 0.999
    epsilon = try c.decodeFloat(forKey: .epsilon) ?? 1e-7
    weightDecay = try c.decodeFloat(forKey: .weightDecay) ?? 0
    try c.require(
      weightDecay >= 0 && weightDecay <= 1, .weightDecay, "must be in [0, 1], got \(weightDecay)")
    try c.require(type == "adam", .type, "only 'adam' is supported, got '\(type)'")
    try c.require(
      learningRate > 0 && learningRate <= 10, .learningRate,
      "must be in (0, 10], got \(learningRate)")
    try c.require(beta1 >= 0 && beta1 < 1, .beta1, "must be in [0, 1)")
    try c.require(beta2 >= 0 && beta2 < 1, .beta2, "must be in [0, 1)")
    try c.require(epsilon > 0 && epsilon <= 1, .epsilon, "must be in (0, 1], got \(epsilon)")
  }

  public func makeAdam() -> Adam {
    var adam = Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    adam.weightDecay = weightDecay
    return adam
  }
}

/// A non-neural baseline: `spectral_clustering` (node clustering) or
/// `wl_svm` (graph classification: the WL subtree kernel with a C-SVC).
public struct BaselineSpec: Codable, Sendable, Equatable {
  /// "spectral_clustering" or "wl_svm".
  public var type: String
  /// k-means restarts (k-means++ initialisation each time; spectral clustering).
  public var kmeansRestarts: Int
  /// WL iterations h (wl_svm; default 5, the paper's).
  public var wlIterations: Int
  /// The SVM penalties C tried on each fold's validation graphs (wl_svm;
  /// default 10^-3 … 10^3).
  public var cValues: [Double]

  public static let types = ["spectral_clustering", "wl_svm"]

  enum CodingKeys: String, CodingKey, CaseIterable {
    case type
    case kmeansRestarts = "kmeans_restarts"
    case wlIterations = "iterations"
    case cValues = "c_values"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    type = try c.decode(String.self, forKey: .type)
    try c.require(
      Self.types.contains(type), .type,
      "unknown baseline '\(type)' (expected \(Self.types.joined(separator: " or ")))")
    let foreign: [CodingKeys] =
      type == "wl_svm" ? [.kmeansRestarts] : [.wlIterations, .cValues]
    for key in foreign where c.contains(key) {
      throw LocatedConfigProblem(
        codingPath: decoder.codingPath + [key],
        message: "has no effect on the '\(type)' baseline; remove it")
    }
    kmeansRestarts = try c.decodeInteger(forKey: .kmeansRestarts) ?? 10
    wlIterations = try c.decodeInteger(forKey: .wlIterations) ?? 5
    cValues =
      try c.decodeIfPresent([Double].self, forKey: .cValues) ?? [1e-3, 1e-2, 0.1, 1, 10, 100, 1e3]
    try c.require(kmeansRestarts > 0, .kmeansRestarts, "must be positive")
    try c.require((0...20).contains(wlIterations), .wlIterations, "must be in 0…20")
    try c.require(
      !cValues.isEmpty && cValues.allSatisfy { $0 > 0 && $0.isFinite }, .cValues,
      "must be positive numbers, got \(cValues)")
  }

  /// Writes the keys of its own type only.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(type, forKey: .type)
    if type == "wl_svm" {
      try c.encode(wlIterations, forKey: .wlIterations)
      try c.encode(cValues, forKey: .cValues)
    } else {
      try c.encode(kmeansRestarts, forKey: .kmeansRestarts)
    }
  }
}
