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
  /// λ of PyTorch's coupled weight decay (`Adam(weight_decay=λ)`): λθ is
  /// added to the gradient before the moments, not AdamW's decoupled form.
  /// 0 (the default) leaves the update exactly as without it.
  public var weightDecay: Float = 0
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
      guard let raw = gradients[p] else { continue }
      let g = weightDecay == 0 ? raw : raw + p.value * weightDecay
      precondition(g.isFinite, "non-finite gradient for parameter \(p.name) at step \(step)")
      // Taken out of the dictionaries so the updates below write in place
      // (a value still held by the dictionary would be copied on write).
      var m = firstMoments.removeValue(forKey: p.name) ?? Matrix(rows: g.rows, columns: g.columns)
      var v = secondMoments.removeValue(forKey: p.name) ?? Matrix(rows: g.rows, columns: g.columns)
      precondition(
        p.value.hasSameShape(as: g) && m.hasSameShape(as: g) && v.hasSameShape(as: g),
        "Adam state of \(p.name) does not match its gradient's shape (two parameters share a name?)"
      )
      let (b1, b2, eps) = (beta1, beta2, epsilon)
      p.value.storage.withUnsafeMutableBufferPointer { w in
        m.storage.withUnsafeMutableBufferPointer { ms in
          v.storage.withUnsafeMutableBufferPointer { vs in
            g.storage.withUnsafeBufferPointer { gs in
              adamStep(
                w, ms, vs, gs, beta1: b1, beta2: b2, epsilon: eps, correction: correction)
            }
          }
        }
      }
      firstMoments[p.name] = m
      secondMoments[p.name] = v
    }
  }
}

/// One Adam step over the buffers, eight lanes at a time (the same
/// IEEE operations per element as the scalar loop, so the same results).
private func adamStep(
  _ w: UnsafeMutableBufferPointer<Float>, _ m: UnsafeMutableBufferPointer<Float>,
  _ v: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>,
  beta1: Float, beta2: Float, epsilon: Float, correction: Float
) {
  let count = w.count
  let lanes = 8
  var i = 0
  let (b1, b2) = (SIMD8<Float>(repeating: beta1), SIMD8<Float>(repeating: beta2))
  let (c1, c2) = (SIMD8<Float>(repeating: 1 - beta1), SIMD8<Float>(repeating: 1 - beta2))
  let (eps, lr) = (SIMD8<Float>(repeating: epsilon), SIMD8<Float>(repeating: correction))
  func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }
  func store(_ x: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD8<Float>.self)
  }
  while i + lanes <= count {
    let gi = load(g.baseAddress! + i)
    let mi = b1 * load(m.baseAddress! + i) + c1 * gi
    let vi = b2 * load(v.baseAddress! + i) + c2 * gi * gi
    store(mi, m.baseAddress! + i)
    store(vi, v.baseAddress! + i)
    store(load(w.baseAddress! + i) - lr * mi / (vi.squareRoot() + eps), w.baseAddress! + i)
    i += lanes
  }
  while i < count {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i]
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
    w[i] -= correction * m[i] / (v[i].squareRoot() + epsilon)
    i += 1
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
