/// Linear-algebra ops: dense and sparse products, transpose, traces.

/// `op(a) · op(b)` where `op` optionally transposes (BLAS `sgemm`).
/// For C = A·B: ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G; the transposed variants follow by
/// transposing those. Cost O(m·n·k) forward, twice that backward.
public func matmul(
  _ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false
) -> Variable {
  let (x, y) = (a.value, b.value)
  let out = Matrix.product(x, y, transposeA: transposeA, transposeB: transposeB)
  return a.tape.record(out, inputs: [a, b]) { g, needs in
    var ga: Matrix? = nil
    var gb: Matrix? = nil
    if needs[0] {
      // A is used as op(A): ∂/∂op(A) = G·op(B)ᵀ; transpose back when op transposes.
      ga =
        transposeA
        ? Matrix.product(y, g, transposeA: transposeB, transposeB: true)
        : Matrix.product(g, y, transposeB: !transposeB)
    }
    if needs[1] {
      // ∂/∂op(B) = op(A)ᵀ·G.
      gb =
        transposeB
        ? Matrix.product(g, x, transposeA: true, transposeB: transposeA)
        : Matrix.product(x, g, transposeA: !transposeA)
    }
    return [ga, gb]
  }
}

/// `A · X` for a constant sparse `A` (CSR) and a dense variable `X`;
/// ∂/∂X = Aᵀ·G. Cost 2·nnz(A)·columns(X) forward and backward.
public func matmul(_ a: SparseMatrix, _ x: Variable) -> Variable {
  x.tape.record(a.multiply(x.value), inputs: [x]) { g, _ in [a.transposeMultiply(g)] }
}

/// The transpose; ∂/∂X = Gᵀ. Cost O(count).
public func transpose(_ a: Variable) -> Variable {
  a.tape.record(a.value.transposed(), inputs: [a]) { g, _ in [g.transposed()] }
}

/// Tr(Sᵀ A S) = Σ_ij a_ij ⟨s_i, s_j⟩ for a constant sparse `A` (N×N) and a
/// dense variable `S` (N×K), as a 1×1 result; ∂/∂S = (A + Aᵀ)·S·g.
/// Cost O(nnz(A)·K) forward, never forming an N×N product; the backward
/// pass reuses A·S when A is known to be symmetric (O(N·K)), else costs
/// another O(nnz(A)·K).
public func traceOfQuadraticForm(_ a: SparseMatrix, _ s: Variable) -> Variable {
  let sValue = s.value
  precondition(
    a.rows == a.columns && a.columns == sValue.rows,
    "Tr(SᵀAS): A is \(a.rows)×\(a.columns), S is \(sValue.rows)×\(sValue.columns)")
  let aS = a.multiply(sValue)
  var trace = 0.0
  for i in 0..<aS.storage.count { trace += Double(aS.storage[i]) * Double(sValue.storage[i]) }
  return s.tape.record(Matrix(scalar: Float(trace)), inputs: [s]) { g, _ in
    let scale = g.scalar
    // (A + Aᵀ)S; for a symmetric A that is 2·AS, already computed.
    if a.isKnownSymmetric { return [aS * (2 * scale)] }
    let sym = aS + a.transposeMultiply(sValue)
    return [sym * scale]
  }
}

/// Σ_i w_i ‖s_i‖² for a dense variable `S` (N×K) and constant row weights
/// `w` (N), as a 1×1 result (e.g. Tr(SᵀDS) for D = diag(w)); ∂/∂s_i = 2 w_i s_i·g.
/// Accumulated in Double. Cost O(N·K) forward and backward, no temporaries
/// beyond the gradient.
public func weightedSumOfSquaredRows(_ s: Variable, weights: [Float]) -> Variable {
  let x = s.value
  precondition(
    weights.count == x.rows, "weightedSumOfSquaredRows: \(weights.count) weights for \(x.rows) rows"
  )
  let k = x.columns
  var total = 0.0
  x.storage.withUnsafeBufferPointer { xs in
    for i in 0..<x.rows {
      var row: Float = 0
      for j in 0..<k { row += xs[i * k + j] * xs[i * k + j] }
      total += Double(weights[i]) * Double(row)
    }
  }
  return s.tape.record(Matrix(scalar: Float(total)), inputs: [s]) { g, _ in
    let scale = 2 * g.scalar
    var d = x
    d.storage.withUnsafeMutableBufferPointer { ds in
      for i in 0..<x.rows {
        let w = scale * weights[i]
        for j in 0..<k { ds[i * k + j] *= w }
      }
    }
    return [d]
  }
}
