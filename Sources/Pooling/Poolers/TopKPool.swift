import TensorCore

/// Top-K pooling (Gao & Ji 2019; Cangea et al. 2018), as Spektral 0.1.2's
/// TopKPool that the MinCutPool paper ran (METHODS §3):
///
///   y = X p / ‖p‖,  keep the ⌈ratio·N_g⌉ nodes of largest y per graph,
///   X' = (X ⊙ tanh(y))[idx],  A' = (A·A)[idx, idx] (or A[idx, idx]),
///
/// with p (F×1) the only parameter (Glorot-uniform). The gate carries the
/// gradient to p. Cost O(N·F + N log N) plus the connectivity.
public struct TopKPool: Pooler {
  public let projection: Parameter
  public let ratio: Double
  public let connectivity: SelectionConnectivity

  public init(
    name: String, inputFeatures: Int, ratio: Double = 0.5,
    connectivity: SelectionConnectivity = .squared, random: inout RandomSource
  ) {
    precondition(ratio > 0 && ratio <= 1, "TopKPool: ratio must be in (0, 1]")
    projection = Parameter(
      name: "\(name)/projection",
      value: Initializer.glorotUniform.matrix(fanIn: inputFeatures, fanOut: 1, random: &random))
    self.ratio = ratio
    self.connectivity = connectivity
  }

  public var parameters: [Parameter] { [projection] }
  public var penalisedKernels: [Parameter] { [projection] }
  public var lossKinds: [AuxiliaryLossKind] { [] }

  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let p = tape.parameter(projection)
    let scores = input.features.times(p) / frobeniusNorm(p)
    return try NodeSelection.pool(
      input, scores: scores, ratio: ratio, connectivity: connectivity, tape: tape)
  }
}
