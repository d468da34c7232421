/// The ops of Total Variation GNNs (Hansen & Bianchi 2023): propagation
/// over a graph whose edge weights depend on the features, the L1
/// distances of the total-variation loss (per edge and dense), and the
/// column order statistic of the asymmetric-norm balance loss.

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
/// The per-edge sums (d_ij forward, g_iᵀ(x̃_i − x̃_j) backward) run in
/// column order, four edges of a row interleaved so that the additions of
/// one edge do not wait on each other; the per-element updates are 8-lane
/// SIMD in edge order. Both keep every addition of the plain per-edge loop
/// in its order, so the result is bit-identical to it.
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
  // Per stored entry: the distance d_ij (before the ε floor) and Γ_ij.
  var distance = [Float](repeating: 0, count: a.nonzeroCount)
  var gamma = [Float](repeating: 0, count: a.nonzeroCount)
  var y = xv
  // The positions p of row i's stored entries, the self-loop left out.
  var entries: [Int] = []
  xv.storage.withUnsafeBufferPointer { xs in
    y.storage.withUnsafeMutableBufferPointer { ys in
      guard let base = xs.baseAddress, let yBase = ys.baseAddress else { return }
      for i in 0..<n {
        let xi = base + i * c
        let yi = yBase + i * c
        forEachGroupOfNeighbours(of: i, in: a, features: base, columns: c, scratch: &entries) {
          group in
          let d = sequentialL1Distances(
            (xi, group.row(0)), (xi, group.row(1)), (xi, group.row(2)), (xi, group.row(3)),
            columns: c)
          for (t, p) in group.positions.enumerated() {
            distance[p] = d[t]
            let weight = a.values[p] / Swift.max(d[t], epsilon)
            gamma[p] = weight
            subtractScaledDifference(
              from: yi, scale: delta * weight, xi, group.row(t), columns: c)
          }
        }
      }
    }
  }
  return x.tape.record(y, inputs: [x]) { g, _ in
    var dx = g
    var entries: [Int] = []
    xv.storage.withUnsafeBufferPointer { xs in
      g.storage.withUnsafeBufferPointer { gs in
        dx.storage.withUnsafeMutableBufferPointer { ds in
          guard let base = xs.baseAddress, let dBase = ds.baseAddress,
            let gBase = gs.baseAddress
          else { return }
          for i in 0..<n {
            let xi = base + i * c
            let gi = gBase + i * c
            let di = dBase + i * c
            forEachGroupOfNeighbours(of: i, in: a, features: base, columns: c, scratch: &entries) {
              group in
              // g_iᵀ(x̃_i − x̃_j) reads no gradient, so all four come first.
              let inner = sequentialInnerProducts(
                gi, xi, group.row(0), group.row(1), group.row(2), group.row(3), columns: c)
              for (t, p) in group.positions.enumerated() {
                let dj = dBase + Int(a.columnIndices[p]) * c
                applyDirect(delta * gamma[p], gradient: gi, to: di, dj, columns: c)
                let d = distance[p]
                guard d > epsilon else { continue }
                let through = delta * a.values[p] * inner[t] / (d * d)
                applySigned(through, xi, group.row(t), to: di, dj, columns: c)
              }
            }
          }
        }
      }
    }
    return [dx]
  }
}

/// For each edge e = (sources[e], targets[e]) the L1 distance
/// d_e = ‖x_src − x_dst‖₁ = Σ_j |x_src,j − x_dst,j|, as an E×1 column (the
/// building block of total-variation losses).
/// Pullback: ∂/∂x_src += g_e·sign(x_src − x_dst), ∂/∂x_dst −= the same
/// (sign 0 where the difference is ±0 or NaN).
/// Each distance is summed in column order, four edges interleaved; the
/// pullback's per-element updates are 8-lane SIMD in edge order. Both keep
/// every addition of the plain per-edge loop in its order, so the result
/// is bit-identical to it. Cost O(E·C).
public func pairwiseL1Distance(_ a: Variable, sources: [Int], targets: [Int]) -> Variable {
  let x = a.value
  precondition(sources.count == targets.count, "pairwiseL1Distance: edge arrays differ in length")
  let (n, c, edges) = (x.rows, x.columns, sources.count)
  for (u, v) in zip(sources, targets) {
    precondition(
      u >= 0 && u < n && v >= 0 && v < n,
      "pairwiseL1Distance: edge (\(u), \(v)) outside 0..<\(n)")
  }
  var out = Matrix(rows: edges, columns: 1)
  x.storage.withUnsafeBufferPointer { xs in
    // No features (C = 0): every distance is 0.
    guard let base = xs.baseAddress else { return }
    var e = 0
    while e < edges {
      // Four edges at a time; a short last group repeats its first edge.
      let end = min(e + 4, edges)
      func pair(_ t: Int) -> (UnsafePointer<Float>, UnsafePointer<Float>) {
        let f = e + t < end ? e + t : e
        return (base + sources[f] * c, base + targets[f] * c)
      }
      let d = sequentialL1Distances(pair(0), pair(1), pair(2), pair(3), columns: c)
      for t in 0..<(end - e) { out.storage[e + t] = d[t] }
      e = end
    }
  }
  return a.tape.record(out, inputs: [a]) { g, _ in
    var dx = Matrix(rows: n, columns: c)
    x.storage.withUnsafeBufferPointer { xs in
      dx.storage.withUnsafeMutableBufferPointer { ds in
        guard let base = xs.baseAddress, let dBase = ds.baseAddress else { return }
        for e in 0..<edges {
          let (u, v) = (sources[e] * c, targets[e] * c)
          applySigned(g.storage[e], base + u, base + v, to: dBase + u, dBase + v, columns: c)
        }
      }
    }
    return [dx]
  }
}

/// Up to four consecutive off-diagonal stored entries of one row of A:
/// their positions p and the feature rows x̃_j they point to.
private struct NeighbourGroup {
  let positions: ArraySlice<Int>
  let rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)

  /// Feature row t of the group (the row's own x̃_i pads a short group).
  @inline(__always)
  func row(_ t: Int) -> UnsafePointer<Float> {
    switch t {
    case 0: rows.0
    case 1: rows.1
    case 2: rows.2
    default: rows.3
    }
  }
}

/// Calls `body` with the stored entries of row i of A other than the
/// self-loop, in storage order, four at a time (fewer in the last group).
/// `scratch` holds the row's positions, reused across rows.
@inline(__always)
private func forEachGroupOfNeighbours(
  of i: Int, in a: SparseMatrix, features base: UnsafePointer<Float>, columns c: Int,
  scratch entries: inout [Int], _ body: (NeighbourGroup) -> Void
) {
  entries.removeAll(keepingCapacity: true)
  for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) where Int(a.columnIndices[p]) != i {
    entries.append(p)
  }
  let own = base + i * c
  var q = 0
  while q < entries.count {
    let end = min(q + 4, entries.count)
    func row(_ t: Int) -> UnsafePointer<Float> {
      q + t < end ? base + Int(a.columnIndices[entries[q + t]]) * c : own
    }
    body(NeighbourGroup(positions: entries[q..<end], rows: (row(0), row(1), row(2), row(3))))
    q = end
  }
}

/// ‖x_t − y_t‖₁ for four pairs of rows, each summed in column order, the
/// four sums interleaved (independent chains, so the loop is not bound by
/// the latency of one chain of additions).
@inline(__always)
private func sequentialL1Distances(
  _ p0: (UnsafePointer<Float>, UnsafePointer<Float>),
  _ p1: (UnsafePointer<Float>, UnsafePointer<Float>),
  _ p2: (UnsafePointer<Float>, UnsafePointer<Float>),
  _ p3: (UnsafePointer<Float>, UnsafePointer<Float>), columns c: Int
) -> SIMD4<Float> {
  var (d0, d1, d2, d3): (Float, Float, Float, Float) = (0, 0, 0, 0)
  for k in 0..<c {
    d0 += Swift.abs(p0.0[k] - p0.1[k])
    d1 += Swift.abs(p1.0[k] - p1.1[k])
    d2 += Swift.abs(p2.0[k] - p2.1[k])
    d3 += Swift.abs(p3.0[k] - p3.1[k])
  }
  return SIMD4(d0, d1, d2, d3)
}

/// gᵀ(x − y_t) for t = 0…3, each summed in column order, interleaved.
@inline(__always)
private func sequentialInnerProducts(
  _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y0: UnsafePointer<Float>,
  _ y1: UnsafePointer<Float>, _ y2: UnsafePointer<Float>, _ y3: UnsafePointer<Float>,
  columns c: Int
) -> SIMD4<Float> {
  var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
  for k in 0..<c {
    let (gk, xk) = (g[k], x[k])
    s0 += gk * (xk - y0[k])
    s1 += gk * (xk - y1[k])
    s2 += gk * (xk - y2[k])
    s3 += gk * (xk - y3[k])
  }
  return SIMD4(s0, s1, s2, s3)
}

/// y −= scale·(x − z) over `columns` floats.
@inline(__always)
private func subtractScaledDifference(
  from y: UnsafeMutablePointer<Float>, scale: Float, _ x: UnsafePointer<Float>,
  _ z: UnsafePointer<Float>, columns c: Int
) {
  let vectorEnd = c - c % 8
  let s = SIMD8<Float>(repeating: scale)
  var k = 0
  while k < vectorEnd {
    storeVector(loadVector(y + k) - s * (loadVector(x + k) - loadVector(z + k)), y + k)
    k += 8
  }
  while k < c {
    y[k] -= scale * (x[k] - z[k])
    k += 1
  }
}

/// d_i −= w·g, d_j += w·g over `columns` floats (d_i ≠ d_j).
@inline(__always)
private func applyDirect(
  _ w: Float, gradient g: UnsafePointer<Float>, to di: UnsafeMutablePointer<Float>,
  _ dj: UnsafeMutablePointer<Float>, columns c: Int
) {
  let vectorEnd = c - c % 8
  let ws = SIMD8<Float>(repeating: w)
  var k = 0
  while k < vectorEnd {
    let scaled = ws * loadVector(g + k)
    storeVector(loadVector(di + k) - scaled, di + k)
    storeVector(loadVector(dj + k) + scaled, dj + k)
    k += 8
  }
  while k < c {
    let scaled = w * g[k]
    di[k] -= scaled
    dj[k] += scaled
    k += 1
  }
}

/// d_i += sign(x − y)·w, then d_j −= sign(x − y)·w, over `columns` floats
/// (sign 0 where x − y is ±0 or NaN; d_i may be d_j, as for a self-loop,
/// since each block is stored before it is read again).
@inline(__always)
private func applySigned(
  _ w: Float, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
  to di: UnsafeMutablePointer<Float>, _ dj: UnsafeMutablePointer<Float>, columns c: Int
) {
  let vectorEnd = c - c % 8
  let ws = SIMD8<Float>(repeating: w)
  var k = 0
  while k < vectorEnd {
    let signed = signTimes(loadVector(x + k) - loadVector(y + k), ws)
    storeVector(loadVector(di + k) + signed, di + k)
    storeVector(loadVector(dj + k) - signed, dj + k)
    k += 8
  }
  while k < c {
    let signed = signTimes(x[k] - y[k], w)
    di[k] += signed
    dj[k] -= signed
    k += 1
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
/// x_j), each unordered pair visited once. Both in 8-lane SIMD; the forward
/// sums 8 partial sums, so its rounding differs from a sequential loop by a
/// few ulps. Register blocking (four rows j per load of x_i forward; a
/// 16-column chunk of ∂x_i kept in registers across j backward) keeps each
/// pair's and each element's order of additions, so it changes no bit
/// (of a finite result; a NaN distance stays NaN).
/// Cost O(N²·C/2) each way.
public func pairwiseL1Distances(_ a: Variable) -> Variable {
  let x = a.value
  let (n, c) = (x.rows, x.columns)
  var out = Matrix(rows: n, columns: n)
  x.storage.withUnsafeBufferPointer { xs in
    out.storage.withUnsafeMutableBufferPointer { os in
      guard let base = xs.baseAddress else { return }
      for i in 0..<n {
        let xi = base + i * c
        var j = i + 1
        while j + 4 <= n {
          let d = l1DistancesToFourRows(xi, base + j * c, columns: c)
          for t in 0..<4 {
            os[i * n + j + t] = d[t]
            os[(j + t) * n + i] = d[t]
          }
          j += 4
        }
        while j < n {
          let d = l1Distance(xi, base + j * c, columns: c)
          os[i * n + j] = d
          os[j * n + i] = d
          j += 1
        }
      }
    }
  }
  // Each unordered pair once: (i, j) adds sign(x_i − x_j)·w to row i and its
  // negation to row j. Every element still receives its terms in increasing
  // j (those of j < i while rows j < i are visited, then j > i), the order
  // of a per-row loop, so the result is bit-identical to it at half the work.
  return a.tape.record(out, inputs: [a]) { g, _ in
    var dx = Matrix(rows: n, columns: c)
    let vectorEnd = c - c % 8
    var weightStorage = [Float](repeating: 0, count: n)
    x.storage.withUnsafeBufferPointer { xs in
      g.storage.withUnsafeBufferPointer { gs in
        dx.storage.withUnsafeMutableBufferPointer { ds in
          weightStorage.withUnsafeMutableBufferPointer { weightBuffer in
            guard let weights = weightBuffer.baseAddress, let base = xs.baseAddress,
              let dBase = ds.baseAddress
            else { return }
            for i in 0..<n {
              let later = (i + 1)..<max(n, i + 1)
              for j in later { weights[j] = gs[i * n + j] + gs[j * n + i] }
              let xi = base + i * c
              let di = dBase + i * c
              var k = 0
              while k + 16 <= vectorEnd {
                var accumulated0 = loadVector(di + k)
                var accumulated1 = loadVector(di + k + 8)
                let xi0 = loadVector(xi + k)
                let xi1 = loadVector(xi + k + 8)
                for j in later where weights[j] != 0 {
                  let w = SIMD8<Float>(repeating: weights[j])
                  let xj = base + j * c + k
                  let dj = dBase + j * c + k
                  let signed0 = signTimes(xi0 - loadVector(xj), w)
                  let signed1 = signTimes(xi1 - loadVector(xj + 8), w)
                  accumulated0 += signed0
                  accumulated1 += signed1
                  storeVector(loadVector(dj) - signed0, dj)
                  storeVector(loadVector(dj + 8) - signed1, dj + 8)
                }
                storeVector(accumulated0, di + k)
                storeVector(accumulated1, di + k + 8)
                k += 16
              }
              if k < vectorEnd {
                var accumulated = loadVector(di + k)
                let xi0 = loadVector(xi + k)
                for j in later where weights[j] != 0 {
                  let dj = dBase + j * c + k
                  let signed = signTimes(
                    xi0 - loadVector(base + j * c + k), SIMD8<Float>(repeating: weights[j]))
                  accumulated += signed
                  storeVector(loadVector(dj) - signed, dj)
                }
                storeVector(accumulated, di + k)
              }
              guard vectorEnd < c else { continue }
              for j in later where weights[j] != 0 {
                let weight = weights[j]
                let xj = base + j * c
                let dj = dBase + j * c
                for k in vectorEnd..<c {
                  let signed = signTimes(xi[k] - xj[k], weight)
                  di[k] += signed
                  dj[k] -= signed
                }
              }
            }
          }
        }
      }
    }
    return [dx]
  }
}

/// ‖x − y‖₁ over `columns` floats: 8-lane partial sums, their sum, then
/// the remaining columns in order.
@inline(__always)
private func l1Distance(
  _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, columns c: Int
) -> Float {
  let vectorEnd = c - c % 8
  var sum = SIMD8<Float>(repeating: 0)
  var k = 0
  while k < vectorEnd {
    sum += absoluteValue(loadVector(x + k) - loadVector(y + k))
    k += 8
  }
  var d = sum.sum()
  while k < c {
    d += Swift.abs(x[k] - y[k])
    k += 1
  }
  return d
}

/// `l1Distance(x, y_t)` for the four consecutive rows y_0…y_3 starting at
/// `y` (stride `columns`), sharing each load of x; each result is computed
/// exactly as `l1Distance` computes it.
@inline(__always)
private func l1DistancesToFourRows(
  _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, columns c: Int
) -> SIMD4<Float> {
  let vectorEnd = c - c % 8
  var sum0 = SIMD8<Float>(repeating: 0)
  var sum1 = sum0
  var sum2 = sum0
  var sum3 = sum0
  var k = 0
  while k < vectorEnd {
    let xk = loadVector(x + k)
    sum0 += absoluteValue(xk - loadVector(y + k))
    sum1 += absoluteValue(xk - loadVector(y + c + k))
    sum2 += absoluteValue(xk - loadVector(y + 2 * c + k))
    sum3 += absoluteValue(xk - loadVector(y + 3 * c + k))
    k += 8
  }
  var d = SIMD4<Float>(sum0.sum(), sum1.sum(), sum2.sum(), sum3.sum())
  while k < c {
    let xk = x[k]
    d[0] += Swift.abs(xk - y[k])
    d[1] += Swift.abs(xk - y[c + k])
    d[2] += Swift.abs(xk - y[2 * c + k])
    d[3] += Swift.abs(xk - y[3 * c + k])
    k += 1
  }
  return d
}

/// Eight floats from `p` (any float pointer converts to a raw one here).
@inline(__always)
private func loadVector(_ p: UnsafeRawPointer) -> SIMD8<Float> {
  p.loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func storeVector(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// |v| lane-wise by clearing the sign bits (one AND; the masked select it
/// replaces took a compare, a negation and a blend per vector). Exact for
/// every number; a NaN stays NaN (its sign bit cleared).
@inline(__always)
private func absoluteValue(_ v: SIMD8<Float>) -> SIMD8<Float> {
  let magnitude = unsafeBitCast(v, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7fff_ffff)
  return unsafeBitCast(magnitude, to: SIMD8<Float>.self)
}

/// sign(d)·w, 0 where d is ±0 or NaN: the scalar reference of the SIMD
/// `signTimes` below, used for the columns after the last 8-lane block.
@inline(__always)
private func signTimes(_ d: Float, _ w: Float) -> Float {
  d > 0 ? w : (d < 0 ? -w : 0)
}

/// sign(d)·w lane-wise: w with its sign flipped where d is negative (an XOR
/// of sign bits), then 0 wherever d is neither positive nor negative (±0 or
/// NaN). Equals the branchy `d > 0 ? w : (d < 0 ? −w : 0)` bit for bit.
@inline(__always)
private func signTimes(_ d: SIMD8<Float>, _ w: SIMD8<Float>) -> SIMD8<Float> {
  let signBits = unsafeBitCast(d, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x8000_0000)
  var signed = unsafeBitCast(
    unsafeBitCast(w, to: SIMD8<UInt32>.self) ^ signBits, to: SIMD8<Float>.self)
  let zero = SIMD8<Float>(repeating: 0)
  signed.replace(with: zero, where: .!((d .> zero) .| (d .< zero)))
  return signed
}
