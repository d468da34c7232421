import TensorCore

/// A fully connected layer: Y = act(X W + b), W (F×C), b (1×C).
/// Cost O(N·F·C).
public struct DenseLayer {
  public let kernel: Parameter
  public let bias: Parameter?
  public let activation: Activation

  /// Parameters are named `name/kernel` and `name/bias`.
  public init(
    name: String, inputFeatures: Int, units: Int, activation: Activation = .linear,
    useBias: Bool = true, initializer: Initializer = .glorotUniform, random: inout RandomSource
  ) {
    kernel = Parameter(
      name: "\(name)/kernel",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: units, random: &random))
    bias = useBias ? Parameter(name: "\(name)/bias", value: Matrix(rows: 1, columns: units)) : nil
    self.activation = activation
  }

  public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

  /// act(X W + b) on `tape`.
  public func callAsFunction(_ x: NodeFeatures, tape: Tape) -> Variable {
    let linear = x.times(tape.parameter(kernel))
    return activation(bias.map { linear + tape.parameter($0) } ?? linear)
  }
}
