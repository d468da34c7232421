#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Row-wise softmax family, computed stably by subtracting each row's max.

extension Matrix {
  /// Row-wise log-softmax: x_ij − log Σ_k exp(x_ik). Cost O(count).
  /// Rows are split across threads (each row by one thread, so the result
  /// does not depend on the thread count).
  func rowLogSoftmax() -> Matrix {
    var out = self
    let columns = self.columns
    out.storage.withUnsafeMutableBufferPointer { o in
      Threading.parallelFor(rows, costPerItem: 16 * columns) { block in
        for i in block {
          let base = i * columns
          var m = -Float.infinity
          for j in 0..<columns { m = max(m, o[base + j]) }
          var s: Float = 0
          for j in 0..<columns { s += expf(o[base + j] - m) }
          let logZ = m + logf(s)
          for j in 0..<columns { o[base + j] -= logZ }
        }
      }
    }
    return out
  }
}

/// Row-wise softmax: y_ij = exp(x_ij − m_i) / Σ_k exp(x_ik − m_i), m_i =
/// max_k x_ik (one exponential per element, as Keras computes it).
/// Pullback: ∂/∂x_ij = y_ij (g_ij − Σ_k g_ik y_ik). Rows are split across
/// threads (each row by one thread). Cost O(count).
public func softmax(_ a: Variable) -> Variable {
  var y = a.value
  let (rows, columns) = (y.rows, y.columns)
  y.storage.withUnsafeMutableBufferPointer { o in
    Threading.parallelFor(rows, costPerItem: 32 * columns) { block in
      for i in block {
        let row = o.baseAddress! + i * columns
        var m = -Float.infinity
        for j in 0..<columns { m = max(m, row[j]) }
        var total: Float = 0
        for j in 0..<columns {
          row[j] = expf(row[j] - m)
          total += row[j]
        }
        let inverse = 1 / total
        for j in 0..<columns { row[j] *= inverse }
      }
    }
  }
  let output = y
  return a.tape.record(output, inputs: [a]) { g, _ in
    var d = g
    d.storage.withUnsafeMutableBufferPointer { ds in
      output.storage.withUnsafeBufferPointer { ys in
        Threading.parallelFor(rows, costPerItem: 4 * columns) { block in
          for i in block {
            let base = i * columns
            var dot: Float = 0
            for j in 0..<columns { dot += ds[base + j] * ys[base + j] }
            for j in 0..<columns { ds[base + j] = ys[base + j] * (ds[base + j] - dot) }
          }
        }
      }
    }
    return [d]
  }
}

/// Row-wise log-softmax: y_ij = x_ij − log Σ_k exp(x_ik).
/// Pullback: ∂/∂x_ij = g_ij − softmax_ij · Σ_k g_ik. Cost O(count).
public func logSoftmax(_ a: Variable) -> Variable {
  let y = a.value.rowLogSoftmax()
  return a.tape.record(y, inputs: [a]) { g, _ in
    var d = g
    for i in 0..<y.rows {
      let base = i * y.columns
      var total: Float = 0
      for j in 0..<y.columns { total += g.storage[base + j] }
      for j in 0..<y.columns { d.storage[base + j] -= expf(y.storage[base + j]) * total }
    }
    return [d]
  }
}

/// Mean cross-entropy of row-wise softmax(`logits`) against integer `labels`
/// over the rows listed in `rows` (all rows when `nil`):
/// L = −(1/|R|) Σ_{i∈R} log softmax(x_i)[y_i].
/// Pullback: ∂/∂x_ij = (softmax_ij − [j = y_i]) / |R| for i ∈ R, else 0.
/// Cost O(N·C).
public func crossEntropy(logits a: Variable, labels: [Int], rows: [Int]? = nil) -> Variable {
  let x = a.value
  precondition(labels.count == x.rows, "crossEntropy: \(labels.count) labels for \(x.rows) rows")
  let selected = rows ?? Array(0..<x.rows)
  precondition(!selected.isEmpty, "crossEntropy over an empty set of rows")
  for i in selected {
    precondition(
      labels[i] >= 0 && labels[i] < x.columns,
      "crossEntropy: label \(labels[i]) of row \(i) outside 0..<\(x.columns)")
  }
  let logP = x.rowLogSoftmax()
  var loss = 0.0
  for i in selected { loss -= Double(logP[i, labels[i]]) }
  let count = Float(selected.count)
  return a.tape.record(Matrix(scalar: Float(loss) / count), inputs: [a]) { g, _ in
    var d = Matrix(rows: x.rows, columns: x.columns)
    let scale = g.scalar / count
    for i in selected {
      for j in 0..<x.columns { d[i, j] += expf(logP[i, j]) * scale }
      d[i, labels[i]] -= scale
    }
    return [d]
  }
}
