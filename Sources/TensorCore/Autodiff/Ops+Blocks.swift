import CBLAS

/// Per-block ops for a batch of graphs stored as stacked rows: block g owns
/// rows `offsets[g] ..< offsets[g + 1]` (B + 1 non-decreasing offsets from
/// 0). They replace a loop of slices and small products per graph with one
/// recorded op over the whole batch: one tape node, one output buffer, and
/// `sgemm` called on each block in place.

/// Checks that `offsets` starts at 0, never decreases and ends at `rows`.
private func checkOffsets(_ offsets: [Int], rows: Int, _ op: String) {
  precondition(
    offsets.first == 0 && offsets.last == rows,
    "\(op): offsets must run from 0 to \(rows) rows, got \(offsets.first ?? -1)…\(offsets.last ?? -1)"
  )
  for g in 1..<offsets.count {
    precondition(offsets[g - 1] <= offsets[g], "\(op): offsets decrease at block \(g)")
  }
}

/// Row-major `C = op(A) · op(B)` on raw pointers with leading dimensions
/// (β = 0: C is overwritten). Skips empty products.
private func gemm(
  transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
  _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
  _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
  guard m > 0, n > 0, k > 0 else { return }
  _ = Threading.openBLASDefaultApplied
  cblas_sgemm(
    CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), 1, a, Int32(max(1, lda)), b, Int32(max(1, ldb)), 0, c,
    Int32(max(1, ldc)))
}

/// Per block g, out_g = op(A_g) · X_g (n_g×C) for the n_g×n_g square A_g
/// in the first n_g columns of block g's rows of `a`; each operand with its
/// own row stride (leading dimension), so halves of wider matrices work in
/// place.
private func blockSquareProducts(
  transposeA: Bool, offsets: [Int], columns c: Int, _ a: UnsafePointer<Float>, lda: Int,
  _ x: UnsafePointer<Float>, ldx: Int, _ out: UnsafeMutablePointer<Float>, ldo: Int
) {
  for g in 0..<(offsets.count - 1) {
    let (start, n) = (offsets[g], offsets[g + 1] - offsets[g])
    gemm(
      transposeA: transposeA, transposeB: false, m: n, n: c, k: n, a + start * lda, lda: lda,
      x + start * ldx, ldb: ldx, out + start * ldo, ldc: ldo)
  }
}

/// Per block g, out_g = G_g · X_gᵀ (n_g×n_g, in the first n_g columns of
/// block g's rows of `out`): the gradient of a block-square product.
private func blockOuterProducts(
  offsets: [Int], columns c: Int, _ g: UnsafePointer<Float>, ldg: Int,
  _ x: UnsafePointer<Float>, ldx: Int, _ out: UnsafeMutablePointer<Float>, ldo: Int
) {
  for b in 0..<(offsets.count - 1) {
    let (start, n) = (offsets[b], offsets[b + 1] - offsets[b])
    gemm(
      transposeA: false, transposeB: true, m: n, n: n, k: c, g + start * ldg, lda: ldg,
      x + start * ldx, ldb: ldx, out + start * ldo, ldc: ldo)
  }
}

/// Per block g, A_gᵀ B_g (K×C) with A_g, B_g the rows of block g of `a`
/// (N×K) and `b` (N×C), stacked into a (B·K)×C result: SᵀX, SᵀS or SᵀÃS of
/// every graph of a batch at once (result block g is rows g·K ..< (g+1)·K).
/// An empty block gives zeros. ∂/∂A_g = B_g G_gᵀ, ∂/∂B_g = A_g G_g.
/// Cost O(N·K·C) forward and twice that backward.
public func blockTransposeProduct(_ a: Variable, _ b: Variable, offsets: [Int]) -> Variable {
  let (x, y) = (a.value, b.value)
  checkOffsets(offsets, rows: x.rows, "blockTransposeProduct")
  precondition(
    y.rows == x.rows, "blockTransposeProduct: A has \(x.rows) rows, B has \(y.rows)")
  let (k, c, blocks) = (x.columns, y.columns, offsets.count - 1)
  // sgemm (β = 0) writes every block but those of empty graphs, zeroed here.
  var out = Matrix(uninitializedRows: blocks * k, columns: c)
  x.storage.withUnsafeBufferPointer { px in
    y.storage.withUnsafeBufferPointer { py in
      out.storage.withUnsafeMutableBufferPointer { po in
        for g in 0..<blocks {
          let (start, n) = (offsets[g], offsets[g + 1] - offsets[g])
          if n == 0 || c == 0 {
            (po.baseAddress! + g * k * c).update(repeating: 0, count: k * c)
            continue
          }
          gemm(
            transposeA: true, transposeB: false, m: k, n: c, k: n,
            px.baseAddress! + start * k, lda: k, py.baseAddress! + start * c, ldb: c,
            po.baseAddress! + g * k * c, ldc: c)
        }
      }
    }
  }
  return a.tape.record(out, inputs: [a, b]) { grad, needs in
    // Every row belongs to a non-empty block, so sgemm writes all of both
    // (a zero-width operand leaves nothing to write).
    var ga = needs[0] ? Matrix(rows: x.rows, columns: k, zeroedIf: c == 0) : nil
    var gb = needs[1] ? Matrix(rows: y.rows, columns: c, zeroedIf: k == 0) : nil
    grad.storage.withUnsafeBufferPointer { pg in
      x.storage.withUnsafeBufferPointer { px in
        y.storage.withUnsafeBufferPointer { py in
          for g in 0..<blocks {
            let (start, n) = (offsets[g], offsets[g + 1] - offsets[g])
            let gBlock = pg.baseAddress! + g * k * c
            ga?.storage.withUnsafeMutableBufferPointer { pa in
              // B_g (n×C) · G_gᵀ (C×K)
              gemm(
                transposeA: false, transposeB: true, m: n, n: k, k: c,
                py.baseAddress! + start * c, lda: c, gBlock, ldb: c,
                pa.baseAddress! + start * k, ldc: k)
            }
            gb?.storage.withUnsafeMutableBufferPointer { pb in
              // A_g (n×K) · G_g (K×C)
              gemm(
                transposeA: false, transposeB: false, m: n, n: c, k: k,
                px.baseAddress! + start * k, lda: k, gBlock, ldb: c,
                pb.baseAddress! + start * c, ldc: c)
            }
          }
        }
      }
    }
    return [ga, gb]
  }
}

/// Per block g, A_g X_g where A_g is the n_g×n_g square in the first n_g
/// columns of block g's rows of `a` (N×M, M ≥ every n_g; dense pooled
/// adjacencies stacked per graph) and X_g the rows of block g of `x` (N×C):
/// the block-diagonal product without forming the block-diagonal matrix.
/// ∂/∂A_g = G_g X_gᵀ (the columns past n_g get zero), ∂/∂X_g = A_gᵀ G_g.
/// Cost O(Σ n_g²·C) forward and twice that backward.
public func blockDiagonalProduct(_ a: Variable, _ x: Variable, offsets: [Int]) -> Variable {
  let (blocksValue, xValue) = (a.value, x.value)
  checkOffsets(offsets, rows: blocksValue.rows, "blockDiagonalProduct")
  precondition(
    xValue.rows == blocksValue.rows,
    "blockDiagonalProduct: A has \(blocksValue.rows) rows, X has \(xValue.rows)")
  let (m, c, blocks) = (blocksValue.columns, xValue.columns, offsets.count - 1)
  for g in 0..<blocks {
    precondition(
      offsets[g + 1] - offsets[g] <= m,
      "blockDiagonalProduct: block \(g) has \(offsets[g + 1] - offsets[g]) rows, A only \(m) columns"
    )
  }
  // Every row belongs to a non-empty block, so sgemm writes all of it.
  var out = Matrix(rows: xValue.rows, columns: c, zeroedIf: false)
  blocksValue.storage.withUnsafeBufferPointer { pa in
    xValue.storage.withUnsafeBufferPointer { px in
      out.storage.withUnsafeMutableBufferPointer { po in
        blockSquareProducts(
          transposeA: false, offsets: offsets, columns: c, pa.baseAddress!, lda: m,
          px.baseAddress!, ldx: c, po.baseAddress!, ldo: c)
      }
    }
  }
  // Blocks as wide as the matrix (all K×K after a pooler) leave no column
  // of ∂A unwritten.
  let fullWidth = (0..<blocks).allSatisfy { offsets[$0 + 1] - offsets[$0] == m }
  return a.tape.record(out, inputs: [a, x]) { grad, needs in
    var ga =
      needs[0] ? Matrix(rows: blocksValue.rows, columns: m, zeroedIf: !fullWidth || c == 0) : nil
    var gx = needs[1] ? Matrix(rows: xValue.rows, columns: c, zeroedIf: false) : nil
    grad.storage.withUnsafeBufferPointer { pg in
      blocksValue.storage.withUnsafeBufferPointer { pa in
        xValue.storage.withUnsafeBufferPointer { px in
          ga?.storage.withUnsafeMutableBufferPointer { pga in
            blockOuterProducts(
              offsets: offsets, columns: c, pg.baseAddress!, ldg: c, px.baseAddress!, ldx: c,
              pga.baseAddress!, ldo: m)
          }
          gx?.storage.withUnsafeMutableBufferPointer { pgx in
            blockSquareProducts(
              transposeA: true, offsets: offsets, columns: c, pa.baseAddress!, lda: m,
              pg.baseAddress!, ldx: c, pgx.baseAddress!, ldo: c)
          }
        }
      }
    }
    return [ga, gx]
  }
}

/// The Frobenius norm of each block's rows, ‖X_g‖_F, as a B×1 column;
/// ∂/∂X_g = g_g·X_g/‖X_g‖_F (0 for a zero block). Sums in Double.
/// Cost O(count) forward and backward.
public func blockFrobeniusNorms(_ a: Variable, offsets: [Int]) -> Variable {
  let x = a.value
  checkOffsets(offsets, rows: x.rows, "blockFrobeniusNorms")
  let (c, blocks) = (x.columns, offsets.count - 1)
  var norms = [Float](repeating: 0, count: blocks)
  x.storage.withUnsafeBufferPointer { px in
    for g in 0..<blocks {
      var total = 0.0
      for q in (offsets[g] * c)..<(offsets[g + 1] * c) { total += Double(px[q]) * Double(px[q]) }
      norms[g] = Float(total.squareRoot())
    }
  }
  return a.tape.record(Matrix(rows: blocks, columns: 1, storage: norms), inputs: [a]) { grad, _ in
    var d = Matrix(rows: x.rows, columns: c)
    for g in 0..<blocks where norms[g] > 0 {
      let scale = grad.storage[g] / norms[g]
      for q in (offsets[g] * c)..<(offsets[g + 1] * c) { d.storage[q] = x.storage[q] * scale }
    }
    return [d]
  }
}

/// Per block g, the cut ratio r_g = Σ_{i∈g} ⟨s_i, p_i⟩ / Σ_{i∈g} d_i‖s_i‖²
/// as a B×1 column, for S (N×K), P (N×K; P = ÃS gives Tr(S_gᵀÃ_gS_g) on
/// top) and row weights d (N×1; the degrees of Ã, giving Tr(S_gᵀD̃_gS_g)
/// below): MinCutPool's L_c,g = −r_g for every graph of a batch in one op.
/// Sums in Double. Pullback with n_g, m_g the numerator and denominator:
/// ∂r/∂s_i = p_i/m − 2(n/m²) d_i s_i, ∂r/∂p_i = s_i/m,
/// ∂r/∂d_i = −(n/m²)‖s_i‖². A block whose denominator is 0 gives a
/// non-finite ratio (callers check for graphs without edges first).
/// Cost O(N·K) forward and backward.
public func blockCutRatios(_ s: Variable, _ p: Variable, weights d: Variable, offsets: [Int])
  -> Variable
{
  let (sv, pv, dv) = (s.value, p.value, d.value)
  checkOffsets(offsets, rows: sv.rows, "blockCutRatios")
  precondition(
    pv.hasSameShape(as: sv) && dv.rows == sv.rows && dv.columns == 1,
    "blockCutRatios: S is \(sv.rows)×\(sv.columns), P \(pv.rows)×\(pv.columns), "
      + "d \(dv.rows)×\(dv.columns) (expected P like S and d with one column)")
  let (k, blocks) = (sv.columns, offsets.count - 1)
  var numerators = [Double](repeating: 0, count: blocks)
  var denominators = [Double](repeating: 0, count: blocks)
  var squaredNorms = [Float](repeating: 0, count: sv.rows)
  for g in 0..<blocks {
    for i in offsets[g]..<offsets[g + 1] {
      var dot: Float = 0
      var norm: Float = 0
      for j in 0..<k {
        let x = sv.storage[i * k + j]
        dot += x * pv.storage[i * k + j]
        norm += x * x
      }
      squaredNorms[i] = norm
      numerators[g] += Double(dot)
      denominators[g] += Double(dv.storage[i]) * Double(norm)
    }
  }
  let ratios = (0..<blocks).map { Float(numerators[$0] / denominators[$0]) }
  return s.tape.record(Matrix(rows: blocks, columns: 1, storage: ratios), inputs: [s, p, d]) {
    grad, needs in
    var gs = [Float](repeating: 0, count: sv.count)
    var gp = [Float](repeating: 0, count: sv.count)
    var gd = [Float](repeating: 0, count: sv.rows)
    gs.withUnsafeMutableBufferPointer { gs in
      gp.withUnsafeMutableBufferPointer { gp in
        sv.storage.withUnsafeBufferPointer { ss in
          pv.storage.withUnsafeBufferPointer { ps in
            for g in 0..<blocks {
              let overDenominator = Float(Double(grad.storage[g]) / denominators[g])
              let ratioOverDenominator = Float(
                Double(grad.storage[g]) * numerators[g] / (denominators[g] * denominators[g]))
              for i in offsets[g]..<offsets[g + 1] {
                let weight = 2 * ratioOverDenominator * dv.storage[i]
                for q in (i * k)..<((i + 1) * k) {
                  gs[q] = overDenominator * ps[q] - weight * ss[q]
                  gp[q] = overDenominator * ss[q]
                }
                gd[i] = -ratioOverDenominator * squaredNorms[i]
              }
            }
          }
        }
      }
    }
    func matrix(_ storage: [Float], _ columns: Int, _ needed: Bool) -> Matrix? {
      needed ? Matrix(rows: sv.rows, columns: columns, storage: storage) : nil
    }
    return [matrix(gs, k, needs[0]), matrix(gp, k, needs[1]), matrix(gd, 1, needs[2])]
  }
}

/// Per K×K block M_g of `a` ((B·K)×K, e.g. the stacked SᵀS of a batch),
/// o_g = ‖M_g/‖M_g‖_F − I_K/√K‖_F as a B×1 column: MinCutPool's L_o for
/// every graph at once. With U = M/‖M‖ and E = U − I/√K the pullback is
/// ∂o/∂M = (E/o − ⟨E/o, U⟩U)/‖M‖ (0 for a zero block, or when o = 0).
/// Sums in Double. Cost O(B·K²) forward and backward.
public func blockOrthogonalityDistances(_ a: Variable) -> Variable {
  let m = a.value
  let k = m.columns
  precondition(
    k > 0 && m.rows % k == 0, "blockOrthogonalityDistances: \(m.rows)×\(k) is not K×K blocks")
  let (blocks, size) = (m.rows / k, k * k)
  let diagonal = 1 / Float(k).squareRoot()
  // E = M/‖M‖ − I/√K, kept for the pullback (U = E + I/√K).
  var errors = [Float](repeating: 0, count: m.count)
  var norms = [Float](repeating: 0, count: blocks)
  var distances = [Float](repeating: 0, count: blocks)
  m.storage.withUnsafeBufferPointer { ms in
    errors.withUnsafeMutableBufferPointer { es in
      for g in 0..<blocks {
        let base = g * size
        var total = 0.0
        for q in base..<(base + size) { total += Double(ms[q]) * Double(ms[q]) }
        norms[g] = Float(total.squareRoot())
        guard norms[g] > 0 else { continue }
        let inverse = 1 / norms[g]
        for q in base..<(base + size) { es[q] = ms[q] * inverse }
        for i in 0..<k { es[base + i * (k + 1)] -= diagonal }
        var distance = 0.0
        for q in base..<(base + size) { distance += Double(es[q]) * Double(es[q]) }
        distances[g] = Float(distance.squareRoot())
      }
    }
  }
  return a.tape.record(Matrix(rows: blocks, columns: 1, storage: distances), inputs: [a]) {
    grad, _ in
    var d = Matrix(rows: m.rows, columns: k)
    d.storage.withUnsafeMutableBufferPointer { ds in
      errors.withUnsafeBufferPointer { es in
        for g in 0..<blocks where norms[g] > 0 && distances[g] > 0 {
          let (base, distance) = (g * size, distances[g])
          // ⟨E/o, U⟩ = (‖E‖² + Tr(E)/√K)/o = o + Tr(E)/(√K·o)
          var trace: Float = 0
          for i in 0..<k { trace += es[base + i * (k + 1)] }
          let projection = distance + trace * diagonal / distance
          let scale = grad.storage[g] / norms[g]
          // ∂o/∂M = (E/o − ⟨E/o, U⟩U)/‖M‖ with U = E + I/√K
          let onE = scale * (1 / distance - projection)
          for q in base..<(base + size) { ds[q] = es[q] * onE }
          for i in 0..<k { ds[base + i * (k + 1)] -= scale * projection * diagonal }
        }
      }
    }
    return [d]
  }
}

/// Per block g of `a` (the n_g×n_g square in the first n_g columns of the
/// rows of block g, as `blockDiagonalProduct` reads it; e.g. the stacked
/// SᵀÃS of a batch), optionally with its diagonal set to zero:
/// Â_ij = A_ij c_i c_j with c_i = 1/(√max(d_i, 0) + ε), d_i = Σ_j A_ij.
/// MinCutPool's pooled adjacency (diagonal zeroed) and DiffPool's filter
/// normalise(A + I) (diagonal kept) for every graph at once. Pullback:
/// ∂/∂A_ij = G_ij c_i c_j + γ_i with γ_i = −c_i²/(2√d_i) · (Σ_j G_ij A_ij c_j
/// + Σ_j G_ji A_ji c_j) for d_i > 0 (0 otherwise); 0 on a zeroed diagonal
/// and past column n_g. Cost O(Σ n_g²) forward and backward.
public func normalizedBlocks(
  _ a: Variable, offsets: [Int], epsilon: Float, zeroingDiagonal: Bool
) -> Variable {
  let m = a.value
  let width = m.columns
  checkOffsets(offsets, rows: m.rows, "normalizedBlocks")
  // The first row and the size of the block of every row.
  var firstRow = [Int](repeating: 0, count: m.rows)
  var size = [Int](repeating: 0, count: m.rows)
  for g in 0..<(offsets.count - 1) {
    precondition(
      offsets[g + 1] - offsets[g] <= width,
      "normalizedBlocks: block \(g) has \(offsets[g + 1] - offsets[g]) rows, only \(width) columns")
    for row in offsets[g]..<offsets[g + 1] {
      firstRow[row] = offsets[g]
      size[row] = offsets[g + 1] - offsets[g]
    }
  }
  // The block entries (zero past column n_g and, if asked, on the diagonal).
  var masked = Matrix(rows: m.rows, columns: width)
  for row in 0..<m.rows {
    for j in 0..<size[row] { masked.storage[row * width + j] = m.storage[row * width + j] }
    if zeroingDiagonal { masked.storage[row * width + row - firstRow[row]] = 0 }
  }
  let degrees = masked.rowSums().storage
  let scales = degrees.map { 1 / (max($0, 0).squareRoot() + epsilon) }
  var out = masked
  out.storage.withUnsafeMutableBufferPointer { o in
    scales.withUnsafeBufferPointer { c in
      for row in 0..<m.rows {
        let (block, ci, o) = (c.baseAddress! + firstRow[row], c[row], o.baseAddress! + row * width)
        for j in 0..<size[row] { o[j] *= ci * block[j] }
      }
    }
  }
  return a.tape.record(out, inputs: [a]) { grad, _ in
    // ∂L/∂c_r = Σ_j G_rj A_rj c_j + Σ_i G_ir A_ir c_i
    var scaleGradients = [Float](repeating: 0, count: m.rows)
    var d = Matrix(rows: m.rows, columns: width)
    grad.storage.withUnsafeBufferPointer { gs in
      masked.storage.withUnsafeBufferPointer { am in
        scales.withUnsafeBufferPointer { c in
          scaleGradients.withUnsafeMutableBufferPointer { sg in
            for row in 0..<m.rows {
              let (first, ci) = (firstRow[row], c[row])
              let (g, a) = (gs.baseAddress! + row * width, am.baseAddress! + row * width)
              let (block, column) = (c.baseAddress! + first, sg.baseAddress! + first)
              var rowSum: Float = 0
              for j in 0..<size[row] {
                let product = g[j] * a[j]
                rowSum += product * block[j]
                column[j] += product * ci
              }
              sg[row] += rowSum
            }
          }
          d.storage.withUnsafeMutableBufferPointer { ds in
            for row in 0..<m.rows {
              let (first, ci) = (firstRow[row], c[row])
              let rowTerm =
                degrees[row] > 0
                ? -scaleGradients[row] * ci * ci / (2 * degrees[row].squareRoot()) : 0
              let (g, out, block) = (
                gs.baseAddress! + row * width, ds.baseAddress! + row * width, c.baseAddress! + first
              )
              for j in 0..<size[row] { out[j] = g[j] * ci * block[j] + rowTerm }
              if zeroingDiagonal { out[row - first] = 0 }
            }
          }
        }
      }
    }
    return [d]
  }
}

/// Z = act(A X Θ_m + X Θ_s + b) for a batch of dense pooled graphs: A is
/// block-diagonal with the n_g×n_g blocks stacked in `blocks` (as in
/// `blockDiagonalProduct`, and differentiable), X (N×F) the stacked node
/// rows. Fused as the sparse `graphConvolutionWithSkip`: one product
/// P = X·[Θ_m | Θ_s] (N×2C), Z_g = A_g P_g[:, :C] written in place, then
/// + P[:, C:] + b and the activation. Backward, from dZ = G ⊙ act'(Z):
/// [∂Θ_m | ∂Θ_s] = Xᵀ·[Aᵀ dZ | dZ], ∂X = [Aᵀ dZ | dZ]·[Θ_m | Θ_s]ᵀ,
/// ∂A_g = dZ_g P_g[:, :C]ᵀ, ∂b = 1ᵀ dZ. Cost O(N·F·C + Σ n_g²·C) forward
/// and backward.
public func blockGraphConvolutionWithSkip(
  _ x: Variable, blocks: Variable, offsets: [Int], messageKernel: Variable, skipKernel: Variable,
  bias: Variable, activation: PointwiseActivation
) -> Variable {
  let (xv, av) = (x.value, blocks.value)
  let (wm, ws, b) = (messageKernel.value, skipKernel.value, bias.value)
  let (n, c, m) = (xv.rows, wm.columns, av.columns)
  checkOffsets(offsets, rows: n, "blockGraphConvolutionWithSkip")
  precondition(
    wm.rows == xv.columns && ws.rows == xv.columns && ws.columns == c && b.rows == 1
      && b.columns == c && av.rows == n,
    "blockGraphConvolutionWithSkip: kernels \(wm.rows)×\(wm.columns) and \(ws.rows)×\(ws.columns), "
      + "bias \(b.rows)×\(b.columns), blocks \(av.rows)×\(m) for \(n)×\(xv.columns) features")
  let blockCount = offsets.count - 1
  for g in 0..<blockCount {
    precondition(
      offsets[g + 1] - offsets[g] <= m,
      "blockGraphConvolutionWithSkip: block \(g) has \(offsets[g + 1] - offsets[g]) rows, "
        + "the blocks only \(m) columns")
  }
  let theta = concatenateColumns(wm, ws)  // F×2C
  let p = Matrix.product(xv, theta)  // N×2C
  let width = 2 * c
  var z = Matrix(rows: n, columns: c)
  z.storage.withUnsafeMutableBufferPointer { zs in
    p.storage.withUnsafeBufferPointer { ps in
      av.storage.withUnsafeBufferPointer { pa in
        blockSquareProducts(
          transposeA: false, offsets: offsets, columns: c, pa.baseAddress!, lda: m,
          ps.baseAddress!, ldx: width, zs.baseAddress!, ldo: c)
      }
      b.storage.withUnsafeBufferPointer { bs in
        for i in 0..<n {
          let (zi, skip) = (zs.baseAddress! + i * c, ps.baseAddress! + i * width + c)
          for j in 0..<c { zi[j] += skip[j] + bs[j] }
        }
      }
      activation.apply(zs)
    }
  }
  let output = z
  return x.tape.record(output, inputs: [x, blocks, messageKernel, skipKernel, bias]) {
    grad, needs in
    var dz = grad
    dz.storage.withUnsafeMutableBufferPointer { d in
      output.storage.withUnsafeBufferPointer { activation.multiplyByDerivative(d, output: $0) }
    }
    // G2 = [Aᵀ dZ | dZ] (N×2C), the gradient of P.
    var g2 = Matrix(rows: n, columns: width)
    var da = needs[1] ? Matrix(rows: n, columns: m) : nil
    g2.storage.withUnsafeMutableBufferPointer { out in
      dz.storage.withUnsafeBufferPointer { d in
        av.storage.withUnsafeBufferPointer { pa in
          p.storage.withUnsafeBufferPointer { ps in
            blockSquareProducts(
              transposeA: true, offsets: offsets, columns: c, pa.baseAddress!, lda: m,
              d.baseAddress!, ldx: c, out.baseAddress!, ldo: width)
            da?.storage.withUnsafeMutableBufferPointer { pda in
              blockOuterProducts(
                offsets: offsets, columns: c, d.baseAddress!, ldg: c, ps.baseAddress!,
                ldx: width, pda.baseAddress!, ldo: m)
            }
          }
        }
        for i in 0..<n {
          (out.baseAddress! + i * width + c).update(from: d.baseAddress! + i * c, count: c)
        }
      }
    }
    let dTheta = Matrix.product(xv, g2, transposeA: true)
    let dx = needs[0] ? Matrix.product(g2, theta, transposeB: true) : nil
    let (dwm, dws) = splitColumns(dTheta, at: c)
    return [dx, da, dwm, dws, dz.columnSums()]
  }
}
