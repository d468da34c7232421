/// Elementwise arithmetic with broadcasting (see `Broadcasting`), and with
/// scalar constants. Each op: forward value, then its pullback. Cost O(count).

/// `a + b`; ∂/∂a = g, ∂/∂b = g (each summed over broadcast dimensions).
public func + (a: Variable, b: Variable) -> Variable {
  let (x, y) = (a.value, b.value)
  return a.tape.record(Broadcasting.apply(x, y, op: "add", +), inputs: [a, b]) { g, needs in
    [
      needs[0] ? Broadcasting.reduce(g, to: x) : nil,
      needs[1] ? Broadcasting.reduce(g, to: y) : nil,
    ]
  }
}

/// `a − b`; ∂/∂a = g, ∂/∂b = −g.
public func - (a: Variable, b: Variable) -> Variable {
  let (x, y) = (a.value, b.value)
  return a.tape.record(Broadcasting.apply(x, y, op: "subtract", -), inputs: [a, b]) { g, needs in
    [
      needs[0] ? Broadcasting.reduce(g, to: x) : nil,
      needs[1] ? Broadcasting.reduce(g.map { -$0 }, to: y) : nil,
    ]
  }
}

/// `a ⊙ b` (elementwise); ∂/∂a = g ⊙ b, ∂/∂b = g ⊙ a.
public func * (a: Variable, b: Variable) -> Variable {
  let (x, y) = (a.value, b.value)
  return a.tape.record(Broadcasting.apply(x, y, op: "multiply", *), inputs: [a, b]) { g, needs in
    [
      needs[0] ? Broadcasting.reduce(Broadcasting.apply(g, y, op: "multiply", *), to: x) : nil,
      needs[1] ? Broadcasting.reduce(Broadcasting.apply(g, x, op: "multiply", *), to: y) : nil,
    ]
  }
}

/// `a ⊘ b` (elementwise); ∂/∂a = g ⊘ b, ∂/∂b = −g ⊙ a ⊘ b².
public func / (a: Variable, b: Variable) -> Variable {
  let (x, y) = (a.value, b.value)
  let out = Broadcasting.apply(x, y, op: "divide", /)
  return a.tape.record(out, inputs: [a, b]) { g, needs in
    [
      needs[0] ? Broadcasting.reduce(Broadcasting.apply(g, y, op: "divide", /), to: x) : nil,
      needs[1]
        ? Broadcasting.reduce(
          Broadcasting.apply(g.zipMap(out, *), y, op: "divide") { -$0 / $1 }, to: y) : nil,
    ]
  }
}

/// `−a`.
public prefix func - (a: Variable) -> Variable {
  a.tape.record(a.value.map { -$0 }, inputs: [a]) { g, _ in [g.map { -$0 }] }
}

/// `a + s` for a constant scalar `s`.
public func + (a: Variable, s: Float) -> Variable {
  a.tape.record(a.value.map { $0 + s }, inputs: [a]) { g, _ in [g] }
}

/// `a − s` for a constant scalar `s`.
public func - (a: Variable, s: Float) -> Variable { a + (-s) }

/// `s − a` for a constant scalar `s`.
public func - (s: Float, a: Variable) -> Variable { -a + s }

/// `a · s` for a constant scalar `s`; ∂/∂a = s·g.
public func * (a: Variable, s: Float) -> Variable {
  a.tape.record(a.value.map { $0 * s }, inputs: [a]) { g, _ in [g.map { $0 * s }] }
}

/// `s · a` for a constant scalar `s`.
public func * (s: Float, a: Variable) -> Variable { a * s }

/// `a / s` for a constant scalar `s`.
public func / (a: Variable, s: Float) -> Variable { a * (1 / s) }
