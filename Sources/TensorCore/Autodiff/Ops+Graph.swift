/// Ops over edge lists.

/// For each edge e = (sources[e], targets[e]) the L1 distance
/// d_e = ‖x_src − x_dst‖₁ = Σ_j |x_src,j − x_dst,j|, as an E×1 column (the
/// building block of total-variation losses).
/// Pullback: ∂/∂x_src += g_e·sign(x_src − x_dst), ∂/∂x_dst −= the same
/// (sign(0) = 0). Cost O(E·C).
public func pairwiseL1Distance(_ a: Variable, sources: [Int], targets: [Int]) -> Variable {
  let x = a.value
  precondition(sources.count == targets.count, "pairwiseL1Distance: edge arrays differ in length")
  let c = x.columns
  var out = Matrix(rows: sources.count, columns: 1)
  for e in 0..<sources.count {
    let (u, v) = (sources[e], targets[e])
    precondition(
      u >= 0 && u < x.rows && v >= 0 && v < x.rows,
      "pairwiseL1Distance: edge (\(u), \(v)) outside 0..<\(x.rows)")
    var d: Float = 0
    for j in 0..<c { d += Swift.abs(x.storage[u * c + j] - x.storage[v * c + j]) }
    out.storage[e] = d
  }
  return a.tape.record(out, inputs: [a]) { g, _ in
    var dx = Matrix(rows: x.rows, columns: c)
    for e in 0..<sources.count {
      let (u, v) = (sources[e], targets[e])
      let ge = g.storage[e]
      for j in 0..<c {
        let diff = x.storage[u * c + j] - x.storage[v * c + j]
        let s: Float = diff > 0 ? ge : (diff < 0 ? -ge : 0)
        dx.storage[u * c + j] += s
        dx.storage[v * c + j] -= s
      }
    }
    return [dx]
  }
}
