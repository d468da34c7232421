/// A named trainable matrix, owned by a layer.
///
/// The name is unique within a model (e.g. `"gcs1/kernel_message"`); it keys
/// the optimiser state and the checkpoint datasets.
public final class Parameter {
  public let name: String
  public var value: Matrix

  public init(name: String, value: Matrix) {
    self.name = name
    self.value = value
  }
}
