/// Reductions to scalars and vectors.

/// The axis a reduction runs along.
public enum ReductionAxis: Sendable {
  /// Reduce over rows: R×C → 1×C (column sums).
  case rows
  /// Reduce over columns: R×C → R×1 (row sums).
  case columns
}

/// Σ of all elements as a 1×1 result; ∂/∂X = g·1. Cost O(count).
public func sum(_ a: Variable) -> Variable {
  let x = a.value
  return a.tape.record(Matrix(scalar: x.sum()), inputs: [a]) { g, _ in
    [Matrix(rows: x.rows, columns: x.columns, repeating: g.scalar)]
  }
}

/// Sums along `axis`; the gradient is broadcast back. Cost O(count).
public func sum(_ a: Variable, along axis: ReductionAxis) -> Variable {
  let x = a.value
  let out = axis == .rows ? x.columnSums() : x.rowSums()
  return a.tape.record(out, inputs: [a]) { g, _ in
    [Broadcasting.apply(Matrix(rows: x.rows, columns: x.columns), g, op: "sum pullback", +)]
  }
}

/// Mean of all elements as a 1×1 result. Cost O(count).
public func mean(_ a: Variable) -> Variable {
  sum(a) * (1 / Float(max(1, a.value.count)))
}

/// ‖X‖_F = √(Σ x²) as a 1×1 result; ∂/∂X = g·X/‖X‖_F (0 when X = 0).
/// Cost O(count).
public func frobeniusNorm(_ a: Variable) -> Variable {
  let x = a.value
  let norm = x.squaredNorm().squareRoot()
  return a.tape.record(Matrix(scalar: norm), inputs: [a]) { g, _ in
    let scale = norm > 0 ? g.scalar / norm : 0
    return [x * scale]
  }
}

/// Σ x² as a 1×1 result (the L2 penalty's building block); ∂/∂X = 2g·X.
public func sumOfSquares(_ a: Variable) -> Variable {
  let x = a.value
  return a.tape.record(Matrix(scalar: x.squaredNorm()), inputs: [a]) { g, _ in
    [x * (2 * g.scalar)]
  }
}
