/// Z-score parameters of one column, fitted over all nodes of all graphs as
/// sklearn's `StandardScaler` does: mean μ = (1/n) Σ x, population variance
/// σ² = (1/n) Σ (x − μ)² (two passes, in Double); a constant column
/// (σ² ≤ n·ε·σ² + (n·μ·ε)², sklearn's test, ε = Double ulp of 1) encodes as zeros.
struct ZScoreParameters {
  let mean: Double
  /// 0 for a constant column.
  let standardDeviation: Double

  /// Fits over every value of every chunk. Cost O(n).
  init(chunks: [[Double]]) {
    var n = 0
    var sum = 0.0
    for chunk in chunks {
      n += chunk.count
      for x in chunk { sum += x }
    }
    let mean = n == 0 ? 0 : sum / Double(n)
    var squares = 0.0
    for chunk in chunks {
      for x in chunk { squares += (x - mean) * (x - mean) }
    }
    let variance = n == 0 ? 0 : squares / Double(n)
    let eps = Double.ulpOfOne
    let bound = Double(n) * eps * variance + (Double(n) * mean * eps) * (Double(n) * mean * eps)
    self.mean = mean
    self.standardDeviation = variance <= bound ? 0 : variance.squareRoot()
  }

  /// (x − μ) / σ, or 0 for a constant column.
  func encode(_ x: Double) -> Float {
    standardDeviation == 0 ? 0 : Float((x - mean) / standardDeviation)
  }
}

/// A one-hot vocabulary: the sorted distinct values of a column over all
/// nodes of all graphs (sklearn's `OneHotEncoder(categories='auto')`).
struct OneHotVocabulary {
  /// Sorted distinct values.
  let categories: [Double]
  private let index: [Double: Int]

  /// Fits over every value of every chunk. Cost O(n + c log c) for c categories.
  init(chunks: [[Double]]) {
    var seen = Set<Double>()
    for chunk in chunks { seen.formUnion(chunk) }
    self.init(categories: seen.sorted())
  }

  /// A vocabulary with the given (sorted, distinct) categories.
  init(categories: [Double]) {
    self.categories = categories
    var index: [Double: Int] = [:]
    for (position, value) in categories.enumerated() { index[value] = position }
    self.index = index
  }

  var width: Int { categories.count }

  /// The column (0..<width) that is 1 for `x`; `x` must be in the vocabulary.
  func column(of x: Double) -> Int {
    guard let position = index[x] else {
      preconditionFailure("value \(x) is not in the one-hot vocabulary")
    }
    return position
  }
}
