import Pooling
import TensorCore

/// What the harness needs to know of a message-passing layer's config, so
/// that the model builders, the config checks and the memory estimate
/// handle every such layer the same way: a new one is a
/// `MessagePassingLayer` file, a spec conforming to this protocol, and a
/// `LayerSpec` case.
public protocol MessagePassingLayerSpec: Sendable {
  /// Output width C.
  var units: Int { get }
  /// λ of the L2 penalty on the layer's kernels (0: none).
  var l2: Float { get }
  /// Floats kept per node per unit for the memory estimate (forward values
  /// and intermediates, not counting gradients).
  var floatsPerNodeAndUnit: Int { get }
  /// Trainable parameters of the layer reading `inputFeatures` features.
  func parameterCount(inputFeatures: Int) -> Int
  /// The layer named `name`.
  func make(name: String, inputFeatures: Int, random: inout RandomSource)
    -> any MessagePassingLayer
}

extension GCSSpec: MessagePassingLayerSpec {
  public var floatsPerNodeAndUnit: Int { 4 }
  public func parameterCount(inputFeatures: Int) -> Int { 2 * inputFeatures * units + units }
  public func make(name: String, inputFeatures: Int, random: inout RandomSource)
    -> any MessagePassingLayer
  {
    GCSConv(
      name: name, inputFeatures: inputFeatures, units: units, activation: activation,
      initializer: kernelInitializer, random: &random)
  }
}

extension GTVSpec: MessagePassingLayerSpec {
  // X̃, Y, the bias sum and the activation.
  public var floatsPerNodeAndUnit: Int { 4 }
  public func parameterCount(inputFeatures: Int) -> Int { inputFeatures * units + units }
  public func make(name: String, inputFeatures: Int, random: inout RandomSource)
    -> any MessagePassingLayer
  {
    GTVConv(
      name: name, inputFeatures: inputFeatures, units: units, activation: activation,
      delta: delta, epsilon: epsilon, initializer: kernelInitializer, random: &random)
  }
}

extension LayerSpec {
  /// The message-passing layer's spec, `nil` for other layers.
  public var messagePassing: (any MessagePassingLayerSpec)? {
    switch self {
    case .gcs(let spec): spec
    case .gtv(let spec): spec
    default: nil
    }
  }
}
