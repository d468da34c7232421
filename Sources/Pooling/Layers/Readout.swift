import TensorCore

/// The graph-level readout: row g of the result is the mean (default, the
/// paper's "GlobalAvgPool") or the sum of the feature rows of graph g's
/// nodes. Cost O(N·C).
public enum Readout: String, Codable, Sendable, CaseIterable {
  case mean, sum

  /// B×C graph rows from the stacked N×C node rows of `segments`.
  public func callAsFunction(_ x: Variable, segments: GraphSegments) -> Variable {
    switch self {
    case .mean: segmentMean(x, segments: segments.segmentIDs, segmentCount: segments.count)
    case .sum: segmentSum(x, segments: segments.segmentIDs, segmentCount: segments.count)
    }
  }
}
