import TensorCore

/// What every pooler returns (the common contract that lets the model builder
/// swap poolers): the soft cluster assignment, the pooled graph, and the
/// auxiliary losses, returned rather than hidden in global state.
public struct PoolingResult {
  /// S (N×K): row i is node i's distribution over the K clusters.
  public let assignments: Variable
  /// X' (K×F') = pooled node features; `nil` when the caller asked for
  /// no pooled graph (node clustering, which ends at the pooler).
  public let pooledFeatures: Variable?
  /// A' (K×K) = pooled adjacency (dense: K is small); `nil` as above.
  public let pooledAdjacency: Variable?
  /// Auxiliary losses by name ("cut", "orthogonality", "link_prediction",
  /// "entropy"), each a 1×1 variable, unweighted.
  public let auxiliaryLosses: [String: Variable]
}

/// Errors raised by poolers on inputs they cannot handle.
public struct PoolingError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
