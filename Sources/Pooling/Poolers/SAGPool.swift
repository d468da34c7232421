import TensorCore

/// Self-attention graph pooling (Lee et al. 2019), as Spektral 0.1.2's
/// SAGPool that the MinCutPool paper ran (METHODS §3): the score is a
/// one-layer graph convolution with the layer's input adjacency, no bias
/// and no activation,
///
///   y = A (X w),  then as `TopKPool`: keep ⌈ratio·N_g⌉ nodes per graph,
///   X' = (X ⊙ tanh(y))[idx],  A' = (A·A)[idx, idx] (or A[idx, idx]),
///
/// with w (F×1) the only parameter (Glorot-uniform). Cost
/// O(N·F + E + N log N) plus the connectivity.
public struct SAGPool: Pooler {
  public let kernel: Parameter
  public let ratio: Double
  public let connectivity: SelectionConnectivity

  public init(
    name: String, inputFeatures: Int, ratio: Double = 0.5,
    connectivity: SelectionConnectivity = .squared, random: inout RandomSource
  ) {
    precondition(ratio > 0 && ratio <= 1, "SAGPool: ratio must be in (0, 1]")
    kernel = Parameter(
      name: "\(name)/kernel",
      value: Initializer.glorotUniform.matrix(fanIn: inputFeatures, fanOut: 1, random: &random))
    self.ratio = ratio
    self.connectivity = connectivity
  }

  public var parameters: [Parameter] { [kernel] }
  public var penalisedKernels: [Parameter] { [kernel] }
  public var lossKinds: [AuxiliaryLossKind] { [] }

  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    guard case .sparse(let graph) = input.adjacency else {
      throw PoolingError("SAGPool needs a sparse input graph, not dense pooled ones")
    }
    let scores = matmul(graph.normalized, input.features.times(tape.parameter(kernel)))
    return try NodeSelection.pool(
      input, scores: scores, ratio: ratio, connectivity: connectivity, tape: tape)
  }
}
