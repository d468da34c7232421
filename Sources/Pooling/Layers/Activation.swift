import TensorCore

/// The activation functions a layer can apply, by their config names.
public enum Activation: String, Codable, Sendable, CaseIterable {
  case linear, relu, elu, tanh, sigmoid

  /// Applies the activation on the tape. Cost O(count).
  public func callAsFunction(_ x: Variable) -> Variable {
    self == .linear ? x : activate(x, pointwise)
  }

  /// The same activation for fused ops (`PointwiseActivation`).
  public var pointwise: PointwiseActivation {
    switch self {
    case .linear: .linear
    case .relu: .relu
    case .elu: .elu
    case .tanh: .tanh
    case .sigmoid: .sigmoid
    }
  }
}
