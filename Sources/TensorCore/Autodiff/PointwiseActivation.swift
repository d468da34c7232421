#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An elementwise activation whose derivative can be computed from its
/// output alone, so fused ops keep only y = act(x) for the backward pass:
/// relu' = [y > 0], elu' = 1 if y > 0 else y + 1, tanh' = 1 − y²,
/// σ' = y(1 − y), linear' = 1.
public enum PointwiseActivation: Sendable {
  case linear, relu, elu, tanh, sigmoid

  /// Rough cost of one element in multiply-adds, for deciding whether a
  /// pass is worth splitting across threads: the exponentials of ELU, tanh
  /// and the sigmoid (libm calls) cost tens of multiply-adds each.
  var costPerElement: Int {
    switch self {
    case .linear, .relu: 1
    case .elu, .tanh, .sigmoid: 32
    }
  }

  /// y = act(x) in place over `buffer`. Cost O(count).
  func apply(_ buffer: UnsafeMutableBufferPointer<Float>) {
    switch self {
    case .linear: return
    case .relu: for i in buffer.indices { buffer[i] = max(buffer[i], 0) }
    case .elu:
      for i in buffer.indices where buffer[i] <= 0 { buffer[i] = expm1f(buffer[i]) }
    case .tanh: for i in buffer.indices { buffer[i] = tanhf(buffer[i]) }
    case .sigmoid:
      for i in buffer.indices {
        let x = buffer[i]
        buffer[i] = x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x))
      }
    }
  }

  /// g ← g ⊙ act'(x), with act' written in terms of the output y. Cost O(count).
  func multiplyByDerivative(
    _ g: UnsafeMutableBufferPointer<Float>, output y: UnsafeBufferPointer<Float>
  ) {
    switch self {
    case .linear: return
    case .relu: Self.zeroWhereNotPositive(g, y)
    case .elu: for i in g.indices { g[i] *= y[i] > 0 ? 1 : y[i] + 1 }
    case .tanh: for i in g.indices { g[i] *= 1 - y[i] * y[i] }
    case .sigmoid: for i in g.indices { g[i] *= y[i] * (1 - y[i]) }
    }
  }

  /// g_i ← 0 where y_i ≤ 0 (or NaN), eight lanes at a time with a vector
  /// select: the sign pattern is random, and the compiler turned the scalar
  /// `y > 0 ? g : 0` into a mispredicted branch per element (7% of a
  /// PROTEINS MinCutPool epoch).
  private static func zeroWhereNotPositive(
    _ g: UnsafeMutableBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>
  ) {
    let count = g.count
    var i = 0
    let zero = SIMD8<Float>(repeating: 0)
    let (gBase, yBase) = (UnsafeMutableRawPointer(g.baseAddress), UnsafeRawPointer(y.baseAddress))
    while i + 8 <= count {
      let offset = i * MemoryLayout<Float>.stride
      let yv = yBase!.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      var gv = gBase!.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      gv.replace(with: zero, where: .!(yv .> zero))
      gBase!.storeBytes(of: gv, toByteOffset: offset, as: SIMD8<Float>.self)
      i += 8
    }
    while i < count {
      if !(y[i] > 0) { g[i] = 0 }
      i += 1
    }
  }
}
