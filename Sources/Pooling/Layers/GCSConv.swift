import TensorCore

/// The graph convolutional skip layer ("MP" in the MinCutPool paper, eq. 1):
///
///   Z = act(Ã X Θ_m + X Θ_s + b)
///
/// with Ã the symmetrically normalised adjacency D^-1/2 A D^-1/2, X (N×F) the
/// node features, Θ_m, Θ_s (F×C) the message and skip kernels and b (1×C) the
/// bias. Ã X Θ_m is evaluated as Ã (X Θ_m), so the cost is
/// O(E·C + cost(X·Θ)) with cost(X·Θ) = O(nnz(X)·C) for sparse X, O(N·F·C)
/// for dense X.
public struct GCSConv {
  public let messageKernel: Parameter
  public let skipKernel: Parameter
  public let bias: Parameter
  public let activation: Activation

  /// A layer named `name` (its parameters are `name/kernel_message`,
  /// `name/kernel_skip` and `name/bias`), with kernels drawn from
  /// `initializer` and a zero bias.
  public init(
    name: String, inputFeatures: Int, units: Int, activation: Activation,
    initializer: Initializer = .glorotUniform, random: inout RandomSource
  ) {
    messageKernel = Parameter(
      name: "\(name)/kernel_message",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: units, random: &random))
    skipKernel = Parameter(
      name: "\(name)/kernel_skip",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: units, random: &random))
    bias = Parameter(name: "\(name)/bias", value: Matrix(rows: 1, columns: units))
    self.activation = activation
  }

  /// The trainable parameters, in a fixed order.
  public var parameters: [Parameter] { [messageKernel, skipKernel, bias] }

  /// The kernels (the weights an L2 penalty applies to).
  public var kernels: [Parameter] { [messageKernel, skipKernel] }

  /// Z = act(Ã X Θ_m + X Θ_s + b) on `tape`, as one fused op
  /// (`graphConvolutionWithSkip`: one product with [Θ_m | Θ_s], no N×C
  /// temporaries).
  /// - Parameter normalizedAdjacency: Ã (N×N), already normalised.
  public func callAsFunction(
    _ x: NodeFeatures, normalizedAdjacency: SparseMatrix, tape: Tape
  ) -> Variable {
    precondition(
      normalizedAdjacency.rows == x.nodeCount,
      "GCSConv: adjacency has \(normalizedAdjacency.rows) rows, features \(x.nodeCount)")
    let (wm, ws, b) = (
      tape.parameter(messageKernel), tape.parameter(skipKernel), tape.parameter(bias)
    )
    switch x {
    case .sparse(let features):
      return graphConvolutionWithSkip(
        features, adjacency: normalizedAdjacency, messageKernel: wm, skipKernel: ws, bias: b,
        activation: activation.pointwise)
    case .dense(let features):
      return graphConvolutionWithSkip(
        features, adjacency: normalizedAdjacency, messageKernel: wm, skipKernel: ws, bias: b,
        activation: activation.pointwise)
    }
  }

  /// Z_g = act(A_g X_g Θ_m + X_g Θ_s + b) for each graph g of a batch of
  /// dense pooled graphs (the layers after a soft pooler), with A_g as the
  /// pooler returned it (MinCutPool's is already normalised; DiffPool's is
  /// SᵀAS), stacked as in `PoolingAdjacency.denseBlocks`, and X the stacked
  /// rows of `segments`, as one fused op
  /// (`blockGraphConvolutionWithSkip`). Cost O(Σ K_g²·C + N·F·C).
  public func callAsFunction(
    _ x: Variable, denseBlocks adjacency: Variable, segments: GraphSegments, tape: Tape
  ) -> Variable {
    precondition(
      adjacency.rows == segments.nodeCount && x.rows == segments.nodeCount,
      "GCSConv: \(adjacency.rows) adjacency rows and \(x.rows) feature rows for "
        + "\(segments.nodeCount) nodes")
    return blockGraphConvolutionWithSkip(
      x, blocks: adjacency, offsets: segments.offsets, messageKernel: tape.parameter(messageKernel),
      skipKernel: tape.parameter(skipKernel), bias: tape.parameter(bias),
      activation: activation.pointwise)
  }
}
