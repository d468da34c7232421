/// The graph convolution with skip connection of the MinCutPool paper (eq. 1)
/// as one fused op, the hot path of every node-clustering step.

/// Z = act(Ã X Θ_m + X Θ_s + b) for a constant sparse X (N×F).
///
/// Evaluated as one product P = X·[Θ_m | Θ_s] (N×2C), then, row by row,
/// z_i = act(Σ_j ã_ij P[j, :C] + P[i, C:] + b), so the N×C intermediates of
/// the unfused form (two products, a sum, a bias broadcast, the activation)
/// are never stored. Backward, from G = ∂L/∂Z:
///   dZ = G ⊙ act'(Z),  [∂Θ_m | ∂Θ_s] = Xᵀ·[Ãᵀ dZ | dZ],  ∂b = 1ᵀ dZ,
/// again one product with X. Cost 2·(2·nnz(X)·2C + nnz(Ã)·C) flops forward
/// and backward together, plus O(N·C) elementwise work.
public func graphConvolutionWithSkip(
  _ x: SparseMatrix, adjacency: SparseMatrix, messageKernel: Variable, skipKernel: Variable,
  bias: Variable, activation: PointwiseActivation
) -> Variable {
  fusedGraphConvolution(
    .sparse(x), adjacency: adjacency, messageKernel: messageKernel, skipKernel: skipKernel,
    bias: bias, activation: activation)
}

/// Z = act(Ã X Θ_m + X Θ_s + b) for a dense variable X (N×F), with the same
/// fusion as the sparse form; additionally ∂X = [Ãᵀ dZ | dZ]·[Θ_m | Θ_s]ᵀ.
/// Cost O(N·F·C + nnz(Ã)·C).
public func graphConvolutionWithSkip(
  _ x: Variable, adjacency: SparseMatrix, messageKernel: Variable, skipKernel: Variable,
  bias: Variable, activation: PointwiseActivation
) -> Variable {
  fusedGraphConvolution(
    .dense(x), adjacency: adjacency, messageKernel: messageKernel, skipKernel: skipKernel,
    bias: bias, activation: activation)
}

private enum ConvolutionInput {
  case sparse(SparseMatrix)
  case dense(Variable)
}

private func fusedGraphConvolution(
  _ input: ConvolutionInput, adjacency a: SparseMatrix, messageKernel: Variable,
  skipKernel: Variable, bias: Variable, activation: PointwiseActivation
) -> Variable {
  let (wm, ws, b) = (messageKernel.value, skipKernel.value, bias.value)
  let c = wm.columns
  let nodeCount: Int
  let featureCount: Int
  switch input {
  case .sparse(let x): (nodeCount, featureCount) = (x.rows, x.columns)
  case .dense(let x): (nodeCount, featureCount) = (x.rows, x.columns)
  }
  precondition(
    wm.rows == featureCount && ws.rows == featureCount && ws.columns == c && b.rows == 1
      && b.columns == c,
    "graph convolution: kernels \(wm.rows)×\(wm.columns) and \(ws.rows)×\(ws.columns), "
      + "bias \(b.rows)×\(b.columns) for \(featureCount) features")
  precondition(
    a.rows == nodeCount && a.columns == nodeCount,
    "graph convolution: adjacency is \(a.rows)×\(a.columns), features have \(nodeCount) rows")

  let theta = concatenateColumns(wm, ws)  // F×2C
  let p: Matrix  // N×2C = X·[Θ_m | Θ_s]
  switch input {
  case .sparse(let x): p = x.multiply(theta)
  case .dense(let x): p = Matrix.product(x.value, theta)
  }
  // Z = Ã·P[:, :C] (a gather reading the left half of P in place), then
  // Z += P[:, C:] + b and the activation, row by row.
  var z = Matrix(uninitializedRows: nodeCount, columns: c)  // the gather writes all of it
  let width = 2 * c
  z.storage.withUnsafeMutableBufferPointer { zs in
    p.storage.withUnsafeBufferPointer { ps in
      a.multiply(
        source: ps.baseAddress!, sourceStride: width, width: c, into: zs.baseAddress!,
        outputStride: c)
      b.storage.withUnsafeBufferPointer { bs in
        Threading.parallelFor(nodeCount, costPerItem: (2 + activation.costPerElement) * c) {
          block in
          for i in block {
            let zi = zs.baseAddress! + i * c
            let skip = ps.baseAddress! + i * width + c
            for j in 0..<c { zi[j] += skip[j] + bs[j] }
          }
          activation.apply(
            UnsafeMutableBufferPointer(
              rebasing: zs[(block.lowerBound * c)..<(block.upperBound * c)]))
        }
      }
    }
  }

  let output = z
  let inputs: [Variable]
  // The pullback captures X's matrix, never the variable: a variable holds
  // its tape, and the tape holds the pullback (a cycle would leak the tape).
  let operand: (sparse: SparseMatrix?, dense: Matrix?)
  switch input {
  case .sparse(let x):
    inputs = [messageKernel, skipKernel, bias]
    operand = (x, nil)
  case .dense(let x):
    inputs = [x, messageKernel, skipKernel, bias]
    operand = (nil, x.value)
  }
  return messageKernel.tape.record(output, inputs: inputs) { g, needs in
    var dz = g
    dz.storage.withUnsafeMutableBufferPointer { d in
      output.storage.withUnsafeBufferPointer { y in
        Threading.parallelFor(nodeCount, costPerItem: 4 * c) { block in
          let range = (block.lowerBound * c)..<(block.upperBound * c)
          activation.multiplyByDerivative(
            UnsafeMutableBufferPointer(rebasing: d[range]),
            output: UnsafeBufferPointer(rebasing: y[range]))
        }
      }
    }
    // G2 = [Ãᵀ dZ | dZ] (N×2C), the gradient of P, written in place: the
    // product into the left half, dZ copied into the right half.
    var g2 = Matrix(uninitializedRows: nodeCount, columns: width)  // both halves written below
    g2.storage.withUnsafeMutableBufferPointer { out in
      dz.storage.withUnsafeBufferPointer { d in
        a.transposeForGather.multiply(
          source: d.baseAddress!, sourceStride: c, width: c, into: out.baseAddress!,
          outputStride: width)
        Threading.parallelFor(nodeCount, costPerItem: c) { block in
          for i in block {
            (out.baseAddress! + i * width + c).update(from: d.baseAddress! + i * c, count: c)
          }
        }
      }
    }
    let dTheta: Matrix  // F×2C
    var dx: Matrix? = nil
    if let x = operand.sparse {
      dTheta = x.transposeMultiply(g2)
    } else {
      dTheta = Matrix.product(operand.dense!, g2, transposeA: true)
      if needs[0] { dx = Matrix.product(g2, theta, transposeB: true) }
    }
    let (dwm, dws) = splitColumns(dTheta, at: c)
    let db = dz.columnSums()
    return operand.sparse != nil ? [dwm, dws, db] : [dx, dwm, dws, db]
  }
}

/// [A | B] for matrices with the same number of rows. Cost O(count).
func concatenateColumns(_ a: Matrix, _ b: Matrix) -> Matrix {
  precondition(a.rows == b.rows, "concatenating \(a.rows) rows with \(b.rows) rows")
  var out = Matrix(rows: a.rows, columns: a.columns + b.columns)
  let width = out.columns
  for i in 0..<a.rows {
    for j in 0..<a.columns { out.storage[i * width + j] = a.storage[i * a.columns + j] }
    for j in 0..<b.columns {
      out.storage[i * width + a.columns + j] = b.storage[i * b.columns + j]
    }
  }
  return out
}

/// (M[:, ..<k], M[:, k...]). Cost O(count).
func splitColumns(_ m: Matrix, at k: Int) -> (Matrix, Matrix) {
  var left = Matrix(rows: m.rows, columns: k)
  var right = Matrix(rows: m.rows, columns: m.columns - k)
  for i in 0..<m.rows {
    for j in 0..<k { left.storage[i * k + j] = m.storage[i * m.columns + j] }
    for j in k..<m.columns {
      right.storage[i * (m.columns - k) + j - k] = m.storage[i * m.columns + j]
    }
  }
  return (left, right)
}
