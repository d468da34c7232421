#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Elementwise nonlinearities. `elementwise` records `y = f(x)` with the
/// pullback `g ⊙ f'(x)`, where the derivative is given in terms of `x` and
/// `y` (whichever is cheaper). Cost O(count) forward and backward.
func elementwise(
  _ a: Variable, _ f: (Float) -> Float, derivative: @escaping (_ x: Float, _ y: Float) -> Float
) -> Variable {
  let x = a.value
  let y = x.map(f)
  return a.tape.record(y, inputs: [a]) { g, _ in
    var d = g
    d.storage.withUnsafeMutableBufferPointer { dg in
      x.storage.withUnsafeBufferPointer { xs in
        y.storage.withUnsafeBufferPointer { ys in
          for i in dg.indices { dg[i] *= derivative(xs[i], ys[i]) }
        }
      }
    }
    return [d]
  }
}

/// y = act(x) for an activation whose derivative is a function of y
/// (`PointwiseActivation`): the forward pass applies it in place of a copy
/// and the pullback multiplies by act'(y), with no per-element closure
/// calls. Cost O(count).
public func activate(_ a: Variable, _ activation: PointwiseActivation) -> Variable {
  var y = a.value
  y.storage.withUnsafeMutableBufferPointer { activation.apply($0) }
  let output = y
  return a.tape.record(output, inputs: [a]) { g, _ in
    var d = g
    d.storage.withUnsafeMutableBufferPointer { dg in
      output.storage.withUnsafeBufferPointer { activation.multiplyByDerivative(dg, output: $0) }
    }
    return [d]
  }
}

/// relu(x) = max(x, 0); derivative 1 for x > 0, else 0.
public func relu(_ a: Variable) -> Variable { activate(a, .relu) }

/// elu(x) = x for x > 0, α(eˣ − 1) otherwise (α = 1 by default, as Keras);
/// derivative 1 for x > 0, y + α otherwise.
public func elu(_ a: Variable, alpha: Float = 1) -> Variable {
  if alpha == 1 { return activate(a, .elu) }
  return elementwise(
    a, { $0 > 0 ? $0 : alpha * expm1f($0) }, derivative: { x, y in x > 0 ? 1 : y + alpha })
}

/// tanh(x); derivative 1 − y².
public func tanh(_ a: Variable) -> Variable { activate(a, .tanh) }

/// σ(x) = 1 / (1 + e⁻ˣ); derivative y(1 − y).
public func sigmoid(_ a: Variable) -> Variable { activate(a, .sigmoid) }

/// Natural logarithm; derivative 1/x. A non-positive input gives −∞ or NaN,
/// which training loops detect in the loss (they never pass it on silently).
public func log(_ a: Variable) -> Variable {
  elementwise(a, { logf($0) }, derivative: { x, _ in 1 / x })
}

/// eˣ; derivative y.
public func exp(_ a: Variable) -> Variable {
  elementwise(a, { expf($0) }, derivative: { _, y in y })
}

/// √x for x ≥ 0; derivative 1/(2y) (0 where y = 0, the subgradient used by
/// common frameworks' safe variants). A negative input gives NaN, which
/// training loops detect in the loss.
public func sqrt(_ a: Variable) -> Variable {
  elementwise(a, { $0.squareRoot() }, derivative: { _, y in y > 0 ? 0.5 / y : 0 })
}

/// |x|; derivative sign(x) (0 at 0).
public func abs(_ a: Variable) -> Variable {
  elementwise(a, { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
}
