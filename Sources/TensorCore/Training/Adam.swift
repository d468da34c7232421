/// Adam (Kingma & Ba) with Keras's defaults and update rule:
///
///   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
///   θ ← θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε),
///
/// with ε outside the bias correction, as Keras/TensorFlow apply it.
/// State is keyed by parameter name so it can be checkpointed. Cost O(#weights)
/// per step.
public struct Adam: Sendable, Equatable {
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float
  /// Number of updates applied so far (t).
  public var step: Int = 0
  /// First-moment estimates, by parameter name.
  public var firstMoments: [String: Matrix] = [:]
  /// Second-moment estimates, by parameter name.
  public var secondMoments: [String: Matrix] = [:]

  public init(
    learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// Applies one update to every parameter that has a gradient. Gradients
  /// must be finite: a NaN or infinity stops training with a clear message
  /// instead of corrupting the weights.
  public mutating func update(_ parameters: [Parameter], with gradients: Gradients) {
    step += 1
    let t = Double(step)
    let correction = Float(
      Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot()
        / (1 - pow(Double(beta1), t)))
    for p in parameters {
      guard let g = gradients[p] else { continue }
      precondition(g.isFinite, "non-finite gradient for parameter \(p.name) at step \(step)")
      var m = firstMoments[p.name] ?? Matrix(rows: g.rows, columns: g.columns)
      var v = secondMoments[p.name] ?? Matrix(rows: g.rows, columns: g.columns)
      precondition(
        p.value.hasSameShape(as: g) && m.hasSameShape(as: g) && v.hasSameShape(as: g),
        "Adam state of \(p.name) does not match its gradient's shape (two parameters share a name?)"
      )
      let (b1, b2, eps) = (beta1, beta2, epsilon)
      p.value.storage.withUnsafeMutableBufferPointer { w in
        m.storage.withUnsafeMutableBufferPointer { ms in
          v.storage.withUnsafeMutableBufferPointer { vs in
            g.storage.withUnsafeBufferPointer { gs in
              for i in w.indices {
                ms[i] = b1 * ms[i] + (1 - b1) * gs[i]
                vs[i] = b2 * vs[i] + (1 - b2) * gs[i] * gs[i]
                w[i] -= correction * ms[i] / (vs[i].squareRoot() + eps)
              }
            }
          }
        }
      }
      firstMoments[p.name] = m
      secondMoments[p.name] = v
    }
  }
}

private func pow(_ x: Double, _ y: Double) -> Double {
  // Integer powers by repeated squaring keep the correction exact and
  // platform-independent (no libm pow).
  var result = 1.0
  var base = x
  var n = Int(y)
  while n > 0 {
    if n & 1 == 1 { result *= base }
    base *= base
    n >>= 1
  }
  return result
}
