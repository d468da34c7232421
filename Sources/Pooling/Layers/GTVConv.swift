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
/// code's (twice the paper's δ). Cost O(cost(X·Θ) + nnz(A)·C) on the sparse
/// input graph, O(Σ_g K²·C) on dense pooled graphs.
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

  /// The layer on dense pooled graphs (the blocks of `denseBlocks`, equal
  /// size K per graph), where A'_g depends on the pooler's S: per graph,
  /// Γ = A' ⊘ max(D, ε) with D_ij = ‖x̃_i − x̃_j‖₁ over all pairs
  /// (`pairwiseL1Distances`; max(D, ε) = relu(D − ε) + ε) and
  /// Y = X̃ − δ (X̃ ⊙ Γ1 − Γ X̃), composed from tape ops so the gradient
  /// reaches both X̃ and A' (the diagonal of Γ, which cancels in L_Γ, is
  /// left out). Cost O(Σ_g K²·C).
  public func callAsFunction(
    _ x: Variable, denseBlocks adjacency: Variable, segments: GraphSegments, tape: Tape
  ) throws -> Variable {
    let projected = matmul(x, tape.parameter(kernel))
    var outputs: [Variable] = []
    for g in 0..<segments.count {
      let range = segments.range(of: g)
      guard adjacency.columns == range.count else {
        throw PoolingError(
          "GTVConv: dense pooled graphs of unequal size (\(range.count) nodes, blocks of "
            + "\(adjacency.columns) columns) are not supported")
      }
      let single = segments.count == 1
      let xg = single ? projected : rows(projected, range)
      let ag = single ? adjacency : rows(adjacency, range)
      // The diagonal of Γ cancels in L_Γ; it is masked out rather than left
      // to cancel, because a pooled graph's large a'_ii / ε (thousands)
      // would cost Float precision in X̃ ⊙ Γ1 − Γ X̃.
      let offDiagonal = tape.constant(
        Matrix(rows: range.count, columns: range.count, repeating: 1)
          - Matrix.identity(range.count))
      let gamma = ag * offDiagonal / (relu(pairwiseL1Distances(xg) - epsilon) + epsilon)
      let laplacianTimesX = xg * sum(gamma, along: .columns) - matmul(gamma, xg)
      outputs.append(xg - laplacianTimesX * delta)
    }
    let propagated = outputs.count == 1 ? outputs[0] : concatenateRows(outputs)
    return activation(propagated + tape.parameter(bias))
  }
}
