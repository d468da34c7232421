/// The ops of Total Variation GNNs (Hansen & Bianchi 2023): propagation
/// over a graph whose edge weights depend on the features, and the column
/// order statistic of the asymmetric-norm balance loss.

/// GTVConv's propagation (METHODS §4) on features X̃ (N×C) already
/// multiplied by the kernel:
///
///     Γ_ij = a_ij / max(‖x̃_i − x̃_j‖₁, ε)   over the stored entries of A,
///     Y = (I − δ L_Γ) X̃,  L_Γ = D_Γ − Γ,  i.e.  y_i = x̃_i − δ Σ_j Γ_ij (x̃_i − x̃_j).
///
/// A self-loop contributes Γ_ii (x̃_i − x̃_i) = 0, so self-loops cancel as
/// in the Laplacian. Differentiable in X̃ through both X̃ and Γ: with G =
/// ∂L/∂Y and, per stored (i, j),
///   direct:       ∂x̃_i −= δ Γ_ij g_i,   ∂x̃_j += δ Γ_ij g_i;
///   through Γ_ij: c_ij = δ a_ij g_iᵀ(x̃_i − x̃_j) / d_ij² when d_ij > ε (0
///                 when the ε floor is active), ∂x̃_i += c_ij sign(x̃_i − x̃_j),
///                 ∂x̃_j −= c_ij sign(x̃_i − x̃_j).
/// Cost O(nnz(A)·C) forward and backward.
public func totalVariationPropagation(
  _ x: Variable, adjacency a: SparseMatrix, delta: Float, epsilon: Float = 1e-3
) -> Variable {
  let xv = x.value
  let (n, c) = (xv.rows, xv.columns)
  precondition(
    a.rows == n && a.columns == n,
    "totalVariationPropagation: adjacency is \(a.rows)×\(a.columns), features have \(n) rows")
  precondition(epsilon > 0, "totalVariationPropagation: ε must be positive")
  // Per stored entry: the distance d_ij (floored at ε) and Γ_ij.
  var distance = [Float](repeating: 0, count: a.nonzeroCount)
  var gamma = [Float](repeating: 0, count: a.nonzeroCount)
  var y = xv
  xv.storage.withUnsafeBufferPointer { xs in
    y.storage.withUnsafeMutableBufferPointer { ys in
      for i in 0..<n {
        let xi = xs.baseAddress! + i * c
        let yi = ys.baseAddress! + i * c
        for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
          let j = Int(a.columnIndices[p])
          guard j != i else { continue }
          let xj = xs.baseAddress! + j * c
          var d: Float = 0
          for k in 0..<c { d += Swift.abs(xi[k] - xj[k]) }
          let floored = Swift.max(d, epsilon)
          distance[p] = d
          let weight = a.values[p] / floored
          gamma[p] = weight
          let scale = delta * weight
          for k in 0..<c { yi[k] -= scale * (xi[k] - xj[k]) }
        }
      }
    }
  }
  return x.tape.record(y, inputs: [x]) { g, _ in
    var dx = g
    xv.storage.withUnsafeBufferPointer { xs in
      g.storage.withUnsafeBufferPointer { gs in
        dx.storage.withUnsafeMutableBufferPointer { ds in
          for i in 0..<n {
            let xi = xs.baseAddress! + i * c
            let gi = gs.baseAddress! + i * c
            for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
              let j = Int(a.columnIndices[p])
              guard j != i else { continue }
              let xj = xs.baseAddress! + j * c
              let direct = delta * gamma[p]
              var inner: Float = 0
              for k in 0..<c {
                let gk = gi[k]
                ds[i * c + k] -= direct * gk
                ds[j * c + k] += direct * gk
                inner += gk * (xi[k] - xj[k])
              }
              let d = distance[p]
              guard d > epsilon else { continue }
              let through = delta * a.values[p] * inner / (d * d)
              for k in 0..<c {
                let diff = xi[k] - xj[k]
                let s: Float = diff > 0 ? through : (diff < 0 ? -through : 0)
                ds[i * c + k] += s
                ds[j * c + k] -= s
              }
            }
          }
        }
      }
    }
    return [dx]
  }
}

/// Per column k of X (N×K), the entry at position `rank` (0-based) of the
/// column sorted in descending order: the (rank+1)-th largest value, as a
/// 1×K row (AsymCheegerCut's quantile q_k, rank = ⌊N/K⌋). Among equal values
/// the one of the lowest row index ranks first, so exactly one entry per
/// column is selected and receives the gradient (∂/∂x_{i*k} = g_k).
/// Cost O(K·N·rank) for rank < 32 (a running top list), else O(K·N log N).
public func columnOrderStatistic(_ a: Variable, rankFromTop rank: Int) -> Variable {
  let x = a.value
  let (n, k) = (x.rows, x.columns)
  precondition(
    rank >= 0 && rank < n, "columnOrderStatistic: rank \(rank) outside 0..<\(n) rows")
  var selected = [Int](repeating: 0, count: k)
  var out = Matrix(rows: 1, columns: k)
  // The order: larger value first, equal values by lower row.
  func precedes(_ a: (value: Float, row: Int), _ b: (value: Float, row: Int)) -> Bool {
    a.value > b.value || (a.value == b.value && a.row < b.row)
  }
  var top: [(value: Float, row: Int)] = []
  top.reserveCapacity(rank + 1)
  for column in 0..<k {
    if rank < 32 {
      // The rank + 1 leading entries kept in order: O(N·rank), no sort.
      top.removeAll(keepingCapacity: true)
      for row in 0..<n {
        let entry = (value: x.storage[row * k + column], row: row)
        if top.count == rank + 1 {
          guard precedes(entry, top[rank]) else { continue }
          top.removeLast()
        }
        var position = top.count
        while position > 0 && precedes(entry, top[position - 1]) { position -= 1 }
        top.insert(entry, at: position)
      }
      selected[column] = top[rank].row
    } else {
      let order = (0..<n).sorted {
        precedes((x.storage[$0 * k + column], $0), (x.storage[$1 * k + column], $1))
      }
      selected[column] = order[rank]
    }
    out.storage[column] = x.storage[selected[column] * k + column]
  }
  return a.tape.record(out, inputs: [a]) { g, _ in
    var dx = Matrix(rows: n, columns: k)
    for column in 0..<k { dx.storage[selected[column] * k + column] = g.storage[column] }
    return [dx]
  }
}

/// D_ij = ‖x_i − x_j‖₁ for every pair of rows of X (N×C), as an N×N matrix
/// (the dense form of `pairwiseL1Distance`, for pooled graphs whose every
/// pair of nodes is an edge). Pullback: ∂x_i = Σ_j (G_ij + G_ji)·sign(x_i −
/// x_j), each unordered pair visited once; both in 8-lane SIMD (the forward
/// sums 8 partial sums, so its rounding differs from a sequential loop by a
/// few ulps). Cost O(N²·C/2) each way.
public func pairwiseL1Distances(_ a: Variable) -> Variable {
  let x = a.value
  let (n, c) = (x.rows, x.columns)
  let lanes = 8
  let vectorEnd = c - c % lanes
  var out = Matrix(rows: n, columns: n)
  x.storage.withUnsafeBufferPointer { xs in
    out.storage.withUnsafeMutableBufferPointer { os in
      for i in 0..<n {
        let xi = xs.baseAddress! + i * c
        for j in (i + 1)..<max(n, i + 1) {
          let xj = xs.baseAddress! + j * c
          var sum = SIMD8<Float>(repeating: 0)
          let zero = SIMD8<Float>(repeating: 0)
          var k = 0
          while k < vectorEnd {
            var diff =
              UnsafeRawPointer(xi + k).loadUnaligned(as: SIMD8<Float>.self)
              - UnsafeRawPointer(xj + k).loadUnaligned(as: SIMD8<Float>.self)
            // |diff| with an in-place masked select (the generic
            // pointwiseMax is not specialised here and cost 4x).
            diff.replace(with: -diff, where: diff .< zero)
            sum += diff
            k += lanes
          }
          var d = sum.sum()
          while k < c {
            d += Swift.abs(xi[k] - xj[k])
            k += 1
          }
          os[i * n + j] = d
          os[j * n + i] = d
        }
      }
    }
  }
  // Each unordered pair once: (i, j) adds sign(x_i − x_j)·w to row i and its
  // negation to row j. Row i still receives its terms in increasing j (those
  // of j < i while rows j < i are visited, then j > i), the order of a
  // per-row loop, so the result is bit-identical to it at half the work.
  return a.tape.record(out, inputs: [a]) { g, _ in
    var dx = Matrix(rows: n, columns: c)
    x.storage.withUnsafeBufferPointer { xs in
      g.storage.withUnsafeBufferPointer { gs in
        dx.storage.withUnsafeMutableBufferPointer { ds in
          for i in 0..<n {
            let xi = xs.baseAddress! + i * c
            let di = ds.baseAddress! + i * c
            for j in (i + 1)..<max(n, i + 1) {
              let weight = gs[i * n + j] + gs[j * n + i]
              guard weight != 0 else { continue }
              let xj = xs.baseAddress! + j * c
              let dj = ds.baseAddress! + j * c
              let w = SIMD8<Float>(repeating: weight)
              let zero = SIMD8<Float>(repeating: 0)
              var k = 0
              while k < vectorEnd {
                let diff =
                  UnsafeRawPointer(xi + k).loadUnaligned(as: SIMD8<Float>.self)
                  - UnsafeRawPointer(xj + k).loadUnaligned(as: SIMD8<Float>.self)
                var signed = zero
                signed.replace(with: w, where: diff .> zero)
                signed.replace(with: -w, where: diff .< zero)
                let currentI = UnsafeRawPointer(di + k).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(di + k).storeBytes(
                  of: currentI + signed, as: SIMD8<Float>.self)
                let currentJ = UnsafeRawPointer(dj + k).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(dj + k).storeBytes(
                  of: currentJ - signed, as: SIMD8<Float>.self)
                k += lanes
              }
              while k < c {
                let diff = xi[k] - xj[k]
                let signed: Float = diff > 0 ? weight : (diff < 0 ? -weight : 0)
                di[k] += signed
                dj[k] -= signed
                k += 1
              }
            }
          }
        }
      }
    }
    return [dx]
  }
}
