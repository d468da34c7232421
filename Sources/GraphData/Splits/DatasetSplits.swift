import TensorCore

/// Why a split could not be produced or is not valid for a dataset.
public enum SplitError: Error, CustomStringConvertible, Equatable, Sendable {
  /// `.predefined` was asked of a dataset that ships no split.
  case noPredefinedSplit(dataset: String)
  /// A split refers to graphs outside 0..<graphCount or puts a graph in two sets.
  case invalidSplit(index: Int, reason: String)
  /// The parameters cannot split this many graphs (e.g. more folds than graphs).
  case invalidParameters(String)

  public var description: String {
    switch self {
    case .noPredefinedSplit(let dataset):
      "\(dataset) has no predefined split; use stratified_k_fold or random_stratified"
    case .invalidSplit(let index, let reason): "split \(index): \(reason)"
    case .invalidParameters(let reason): reason
    }
  }
}

/// Seeded, stratified train / validation / test splits of a graph-classification
/// dataset, as `GraphSplit` values of graph indices.
///
/// Every set in every returned split is sorted ascending. All randomness
/// comes from one `RandomSource(seed:)` consumed in a fixed order, so the
/// same labels, parameters and seed give identical splits on every platform.
/// Shuffles use `RandomSource.permutation` (Fisher–Yates).
public enum DatasetSplits {
  /// The splits `strategy` describes for graphs with classes `labels`;
  /// `.predefined` returns `predefined` (checked, unchanged).
  ///
  /// - Throws: `SplitError` when `.predefined` has nothing to return, a
  ///   predefined split is invalid, or the parameters do not fit the data.
  public static func make(
    _ strategy: SplitStrategy, labels: [Int], predefined: [GraphSplit] = [],
    datasetName: String = "dataset"
  ) throws -> [GraphSplit] {
    switch strategy {
    case .stratifiedKFold(let folds, let validationFraction, let seed):
      guard folds >= 2 && folds <= labels.count else {
        throw SplitError.invalidParameters(
          "\(folds)-fold cross-validation needs 2 ≤ folds ≤ \(labels.count) graphs")
      }
      try checkFraction(validationFraction, "validation_fraction")
      return stratifiedKFold(
        labels: labels, folds: folds, validationFraction: validationFraction, seed: seed)
    case .predefined:
      guard !predefined.isEmpty else { throw SplitError.noPredefinedSplit(dataset: datasetName) }
      for (index, split) in predefined.enumerated() {
        try validate(split, graphCount: labels.count, index: index)
      }
      return predefined
    case .randomStratified(let count, let testFraction, let validationFraction, let seed):
      guard count >= 1 else { throw SplitError.invalidParameters("count must be ≥ 1") }
      try checkFraction(testFraction, "test_fraction")
      try checkFraction(validationFraction, "validation_fraction")
      return randomStratified(
        labels: labels, count: count, testFraction: testFraction,
        validationFraction: validationFraction, seed: seed)
    }
  }

  /// `make` for a dataset: its graph labels and predefined splits.
  public static func make(
    _ strategy: SplitStrategy, for dataset: GraphClassificationDataset
  ) throws -> [GraphSplit] {
    try make(
      strategy, labels: dataset.graphs.map(\.label), predefined: dataset.predefinedSplits,
      datasetName: dataset.name)
  }

  /// Stratified k-fold cross-validation with an inner stratified validation
  /// split, like sklearn's `StratifiedKFold(n_splits: folds, shuffle: true)`.
  ///
  /// Fold assignment: the indices of each class (classes in increasing
  /// order) are shuffled and appended to one sequence, and position p of that
  /// sequence goes to test fold p mod k. Hence, per class, the fold counts
  /// differ by at most 1, and so do the fold sizes. Split f has test = fold f,
  /// and its training indices (all other folds) are divided by
  /// `stratifiedHoldout` into validation (⌈validationFraction · |train|⌉
  /// graphs, stratified) and train. Draws: the class shuffles in class
  /// order, then the k holdouts in fold order.
  ///
  /// Cost O(k · n) time and memory for n graphs.
  /// - Precondition: 2 ≤ folds ≤ labels.count, 0 ≤ validationFraction < 1.
  public static func stratifiedKFold(
    labels: [Int], folds: Int = 10, validationFraction: Double = 0.1, seed: UInt64
  ) -> [GraphSplit] {
    precondition(folds >= 2 && folds <= labels.count, "need 2 ≤ folds ≤ number of graphs")
    precondition(validationFraction >= 0 && validationFraction < 1, "fraction outside [0, 1)")
    var rng = RandomSource(seed: seed)
    var foldOf = [Int](repeating: 0, count: labels.count)
    var position = 0
    for members in classMembers(labels) {
      for i in rng.permutation(members.count) {
        foldOf[members[i]] = position % folds
        position += 1
      }
    }
    return (0..<folds).map { f in
      let test = labels.indices.filter { foldOf[$0] == f }
      let rest = labels.indices.filter { foldOf[$0] != f }
      let (train, validation) = stratifiedHoldout(
        rest, labels: labels, fraction: validationFraction, rng: &rng)
      return GraphSplit(train: train, validation: validation, test: test)
    }
  }

  /// `count` independent stratified resplits, as the official MinCutPool
  /// code draws one per run: test = `stratifiedHoldout` of all graphs with
  /// `testFraction`, then validation = `stratifiedHoldout` of the rest with
  /// `validationFraction` (defaults give ≈ 81/9/10). One generator draws all
  /// splits in order, so split r depends on the seed and on r.
  ///
  /// Cost O(count · n).
  /// - Precondition: fractions in [0, 1).
  public static func randomStratified(
    labels: [Int], count: Int = 10, testFraction: Double = 0.1,
    validationFraction: Double = 0.1, seed: UInt64
  ) -> [GraphSplit] {
    precondition(testFraction >= 0 && testFraction < 1, "fraction outside [0, 1)")
    precondition(validationFraction >= 0 && validationFraction < 1, "fraction outside [0, 1)")
    var rng = RandomSource(seed: seed)
    return (0..<count).map { _ in
      let (rest, test) = stratifiedHoldout(
        Array(labels.indices), labels: labels, fraction: testFraction, rng: &rng)
      let (train, validation) = stratifiedHoldout(
        rest, labels: labels, fraction: validationFraction, rng: &rng)
      return GraphSplit(train: train, validation: validation, test: test)
    }
  }

  /// Divides `indices` into (kept, held out), stratified by `labels[index]`,
  /// as sklearn's stratified `train_test_split(test_size: fraction)`:
  /// h = ⌈fraction · n⌉ graphs are held out; class c (n_c members) gets
  /// ⌊h·n_c / n⌋, and the h − Σ⌊·⌋ leftover places go to the classes with
  /// the largest remainders (h·n_c mod n; ties in a random order), so each
  /// class's share is within 1 of h·n_c/n. Within a class the held-out
  /// members are the first of a random permutation. Both results sorted.
  ///
  /// Cost O(n + classes log classes).
  public static func stratifiedHoldout(
    _ indices: [Int], labels: [Int], fraction: Double, rng: inout RandomSource
  ) -> (kept: [Int], heldOut: [Int]) {
    let n = indices.count
    if n == 0 { return ([], []) }
    let held = min(n, Int((fraction * Double(n)).rounded(.up)))
    let groups = classMembers(indices.map { labels[$0] }).map { $0.map { indices[$0] } }
    var share = groups.map { held * $0.count / n }
    var remaining = held - share.reduce(0, +)
    if remaining > 0 {
      let tieOrder = rng.permutation(groups.count)
      let order = tieOrder.enumerated().sorted { a, b in
        let ra = held * groups[a.element].count % n
        let rb = held * groups[b.element].count % n
        return ra != rb ? ra > rb : a.offset < b.offset
      }
      for entry in order where remaining > 0 {
        share[entry.element] += 1
        remaining -= 1
      }
    }
    var kept: [Int] = []
    var heldOut: [Int] = []
    kept.reserveCapacity(n - held)
    heldOut.reserveCapacity(held)
    for (c, members) in groups.enumerated() {
      for (rank, i) in rng.permutation(members.count).enumerated() {
        if rank < share[c] { heldOut.append(members[i]) } else { kept.append(members[i]) }
      }
    }
    return (kept.sorted(), heldOut.sorted())
  }

  /// Checks that a split's indices are in 0..<graphCount and that no graph
  /// is in two sets (or twice in one). Cost O(graphCount + |split|).
  public static func validate(_ split: GraphSplit, graphCount: Int, index: Int = 0) throws {
    var seen = [UInt8](repeating: 0, count: graphCount)
    for (name, set) in [
      ("train", split.train), ("validation", split.validation), ("test", split.test),
    ] {
      for g in set {
        guard g >= 0 && g < graphCount else {
          throw SplitError.invalidSplit(
            index: index, reason: "\(name) index \(g) outside 0..<\(graphCount)")
        }
        guard seen[g] == 0 else {
          throw SplitError.invalidSplit(index: index, reason: "graph \(g) appears twice")
        }
        seen[g] = 1
      }
    }
  }

  /// Positions of each class's members in `labels`, classes in increasing
  /// order of label value (absent classes skipped), positions ascending.
  static func classMembers(_ labels: [Int]) -> [[Int]] {
    var byClass: [Int: [Int]] = [:]
    for (position, label) in labels.enumerated() { byClass[label, default: []].append(position) }
    return byClass.keys.sorted().map { byClass[$0]! }
  }

  private static func checkFraction(_ value: Double, _ name: String) throws {
    guard value >= 0 && value < 1 else {
      throw SplitError.invalidParameters("\(name) must be in [0, 1), found \(value)")
    }
  }
}
