import TensorCore

/// A message-passing layer (GCS, GTVConv): node rows in, node rows out,
/// over the sparse input graph or over dense pooled graphs. The model
/// builders know message passing only through this protocol, as they know
/// pooling only through `Pooler`.
public protocol MessagePassingLayer {
  /// Every trainable parameter, in a fixed order (checkpoint order).
  var parameters: [Parameter] { get }
  /// The weights an L2 penalty applies to (kernels, not biases).
  var kernels: [Parameter] { get }
  /// The layer over the sparse (block-diagonal for a batch) input graph.
  func callAsFunction(_ x: NodeFeatures, graph: SparseGraph, tape: Tape) throws -> Variable
  /// The layer over dense pooled graphs, stacked as in
  /// `PoolingAdjacency.denseBlocks`, with `segments` their node ranges.
  func callAsFunction(
    _ x: Variable, denseBlocks adjacency: Variable, segments: GraphSegments, tape: Tape
  ) throws -> Variable
}

extension GCSConv: MessagePassingLayer {
  /// Z = act(Ã X Θ_m + X Θ_s + b) with Ã = D^-1/2 A D^-1/2 of `graph`.
  public func callAsFunction(_ x: NodeFeatures, graph: SparseGraph, tape: Tape) -> Variable {
    self(x, normalizedAdjacency: graph.normalized, tape: tape)
  }
}
