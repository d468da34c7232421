/// Weight initialisers (Keras conventions), drawing from the seeded
/// `RandomSource` so that a seed fixes every initial weight.
public enum Initializer: String, Codable, Sendable, CaseIterable {
  /// Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fan_in + fan_out)).
  case glorotUniform = "glorot_uniform"
  /// He normal (Keras `he_normal`): a normal of standard deviation
  /// √(2 / fan_in) / 0.87962566, truncated at two standard deviations by
  /// resampling; the constant restores the variance lost to truncation.
  case heNormal = "he_normal"
  /// He (Kaiming) uniform for ReLU layers, PyTorch's `kaiming_uniform_`
  /// with gain √2: U(−l, l) with l = √(6 / fan_in).
  case heUniform = "he_uniform"
  /// All zeros (biases).
  case zeros

  /// A `fanIn`×`fanOut` matrix drawn from this distribution. Cost O(fanIn·fanOut).
  public func matrix(fanIn: Int, fanOut: Int, random: inout RandomSource) -> Matrix {
    var m = Matrix(rows: fanIn, columns: fanOut)
    switch self {
    case .zeros:
      break
    case .glorotUniform:
      let limit = (6 / Float(fanIn + fanOut)).squareRoot()
      for i in 0..<m.count { m.storage[i] = (2 * random.nextUniformFloat() - 1) * limit }
    case .heUniform:
      let limit = (6 / Float(fanIn)).squareRoot()
      for i in 0..<m.count { m.storage[i] = (2 * random.nextUniformFloat() - 1) * limit }
    case .heNormal:
      let std = (2 / Double(fanIn)).squareRoot() / 0.879_625_661_034_239_78
      for i in 0..<m.count {
        var z = random.nextGaussian()
        while Swift.abs(z) > 2 { z = random.nextGaussian() }
        m.storage[i] = Float(z * std)
      }
    }
    return m
  }
}
