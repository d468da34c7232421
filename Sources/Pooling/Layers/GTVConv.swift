import TensorCore

/// The graph total variation convolution of TVGNN (Hansen & Bianchi, ICML
/// 2023; METHODS §4):
///
///   X̃ = X Θ,  Γ_ij = a_ij / max(‖x̃_i − x̃_j‖₁, ε),  L_Γ = D_Γ − Γ,
///   Z = act((I − δ L_Γ) X̃ + b)
///
/// over the raw adjacency A as fed (self-loops cancel in L_Γ). The edge
/// weights Γ depend on the features, so the layer adapts its smoothing to
/// them (`totalVariationPropagation` differentiates through Γ). δ is the
/// code's (twice the paper's δ). Cost O(cost(X·Θ) + nnz(A)·C).
public struct GTVConv {
  public let kernel: Parameter
  public let bias: Parameter
  public let activation: Activation
  public let delta: Float
  public let epsilon: Float

  /// A layer named `name` (parameters `name/kernel`, `name/bias`), kernel
  /// from `initializer`, zero bias.
  public init(
    name: String, inputFeatures: Int, units: Int, activation: Activation, delta: Float,
    epsilon: Float = 1e-3, initializer: Initializer = .glorotUniform, random: inout RandomSource
  ) {
    kernel = Parameter(
      name: "\(name)/kernel",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: units, random: &random))
    bias = Parameter(name: "\(name)/bias", value: Matrix(rows: 1, columns: units))
    self.activation = activation
    self.delta = delta
    self.epsilon = epsilon
  }
}

extension GTVConv: MessagePassingLayer {
  public var parameters: [Parameter] { [kernel, bias] }
  public var kernels: [Parameter] { [kernel] }

  public func callAsFunction(_ x: NodeFeatures, graph: SparseGraph, tape: Tape) -> Variable {
    precondition(
      graph.adjacency.rows == x.nodeCount,
      "GTVConv: adjacency has \(graph.adjacency.rows) rows, features \(x.nodeCount)")
    let propagated = totalVariationPropagation(
      x.times(tape.parameter(kernel)), adjacency: graph.adjacency, delta: delta, epsilon: epsilon)
    return activation(propagated + tape.parameter(bias))
  }

  /// Not yet: the dense pooled graphs' A' depends on the pooler's S, so this
  /// needs the propagation differentiable in A' as well (planned with
  /// TVGNN's graph-classification table).
  public func callAsFunction(
    _ x: Variable, denseBlocks adjacency: Variable, segments: GraphSegments, tape: Tape
  ) throws -> Variable {
    throw PoolingError(
      "GTVConv after a soft pooler (on dense pooled graphs) is not implemented yet; "
        + "it is planned with TVGNN's graph-classification table")
  }
}
