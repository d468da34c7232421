/// One contiguous block of feature columns and how it was encoded, so that
/// results can record exactly which features a model saw.
public struct FeatureBlock: Sendable, Equatable, Codable {
  /// What the block holds: "degree_one_hot", "degree_zscore",
  /// "clustering_coefficient_zscore", "node_attributes_raw",
  /// "node_attributes_zscore", "node_attributes_one_hot" or "node_labels_one_hot".
  public var name: String
  /// First column of the block in the feature matrix.
  public var offset: Int
  /// Number of columns.
  public var width: Int
  /// For one-hot blocks: the sorted category values of each source column
  /// (one list for degree and node labels, one per attribute column), so
  /// that column `offset + Σ_{c<s} categories[c].count + t` is 1 exactly when
  /// source column s equals `categories[s][t]`. Node labels list the file's
  /// label values. `nil` otherwise.
  public var categories: [[Double]]?
  /// For z-scored blocks: the mean of each source column over all nodes of
  /// all graphs. `nil` otherwise.
  public var mean: [Double]?
  /// For z-scored blocks: the population standard deviation of each source
  /// column; 0 marks a constant column, encoded as zeros. `nil` otherwise.
  public var standardDeviation: [Double]?

  public init(
    name: String, offset: Int, width: Int, categories: [[Double]]? = nil, mean: [Double]? = nil,
    standardDeviation: [Double]? = nil
  ) {
    self.name = name
    self.offset = offset
    self.width = width
    self.categories = categories
    self.mean = mean
    self.standardDeviation = standardDeviation
  }

  enum CodingKeys: String, CodingKey {
    case name, offset, width, categories, mean
    case standardDeviation = "standard_deviation"
  }

  /// A one-line summary, e.g. "degree_one_hot: 12 columns, values [2, 3, 4, …]".
  public var summary: String {
    var text = "\(name): \(width) column\(width == 1 ? "" : "s")"
    if let categories {
      let lists = categories.map { values -> String in
        let shown = values.prefix(12).map(Self.format).joined(separator: ", ")
        return "[" + shown + (values.count > 12 ? ", … (\(values.count) values)" : "") + "]"
      }
      text += ", values " + lists.joined(separator: " ")
    }
    if let mean, let standardDeviation {
      let pairs = zip(mean, standardDeviation).prefix(4).map {
        "mean \(Self.format($0.0)) std \(Self.format($0.1))"
      }
      text += ", " + pairs.joined(separator: "; ") + (mean.count > 4 ? "; …" : "")
    }
    return text
  }

  static func format(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return String(Float(value))
  }
}

/// The column layout of a featured dataset: the options that produced it and
/// its blocks, in column order. Codable, to be saved with results.
public struct FeatureLayout: Sendable, Equatable, Codable {
  public var options: SurrogateFeatureOptions
  /// The blocks in column order; offsets are cumulative widths.
  public var blocks: [FeatureBlock]

  public init(options: SurrogateFeatureOptions, blocks: [FeatureBlock]) {
    self.options = options
    self.blocks = blocks
  }

  /// Total number of feature columns F (Σ block widths).
  public var width: Int { blocks.reduce(0) { $0 + $1.width } }

  /// The block named `name`, if present.
  public func block(named name: String) -> FeatureBlock? { blocks.first { $0.name == name } }

  /// One summary line per block.
  public var summary: [String] { blocks.map(\.summary) }
}
