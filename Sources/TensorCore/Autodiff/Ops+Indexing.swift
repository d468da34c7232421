/// Row indexing ops: gathering rows, scattering them back, and per-segment
/// (per-graph) reductions used by readouts and batching.

/// `out[k, :] = X[indices[k], :]`; the pullback scatter-adds `G[k, :]` into
/// row `indices[k]`. Cost O(|indices|·C).
public func gatherRows(_ a: Variable, _ indices: [Int]) -> Variable {
  let x = a.value
  for i in indices {
    precondition(i >= 0 && i < x.rows, "gatherRows: index \(i) outside 0..<\(x.rows)")
  }
  var out = Matrix(rows: indices.count, columns: x.columns)
  for (k, i) in indices.enumerated() {
    for j in 0..<x.columns { out.storage[k * x.columns + j] = x.storage[i * x.columns + j] }
  }
  return a.tape.record(out, inputs: [a]) { g, _ in
    [scatterAdd(g, rowsTo: indices, outputRows: x.rows)]
  }
}

/// Rows `range` of `a` (one graph of a batch); the backward pass adds G
/// into those rows of the input's gradient in place (`Tape.recordRowSlice`).
/// Cost O(|range|·C) each way, so slicing every graph of a batch costs
/// O(batch) in all.
public func rows(_ a: Variable, _ range: Range<Int>) -> Variable {
  let x = a.value
  precondition(
    range.lowerBound >= 0 && range.upperBound <= x.rows,
    "rows: range \(range) outside 0..<\(x.rows)")
  let c = x.columns
  let out = Matrix(
    rows: range.count, columns: c,
    storage: Array(x.storage[(range.lowerBound * c)..<(range.upperBound * c)]))
  return a.tape.recordRowSlice(out, of: a, firstRow: range.lowerBound)
}

/// The rows of `parts` stacked in order (the pooled graphs of a batch);
/// all parts have the same number of columns. The pullback hands each part
/// its rows of G. Cost O(total rows · C).
public func concatenateRows(_ parts: [Variable]) -> Variable {
  precondition(!parts.isEmpty, "concatenateRows: no parts")
  let c = parts[0].columns
  var storage: [Float] = []
  var starts: [Int] = []
  for part in parts {
    precondition(part.columns == c, "concatenateRows: \(part.columns) columns, expected \(c)")
    starts.append(storage.count / max(c, 1))
    storage.append(contentsOf: part.value.storage)
  }
  let counts = parts.map(\.rows)
  let out = Matrix(rows: counts.reduce(0, +), columns: c, storage: storage)
  // The pullback captures row counts, never the variables: a variable holds
  // its tape, and the tape holds this closure.
  return parts[0].tape.record(out, inputs: parts) { g, _ in
    zip(counts, starts).map { count, start in
      Matrix(
        rows: count, columns: c, storage: Array(g.storage[(start * c)..<((start + count) * c)]))
    }
  }
}

/// `out[indices[k], :] += X[k, :]` into an `outputRows`×C zero matrix; the
/// pullback gathers. Cost O(|indices|·C).
public func scatterAddRows(_ a: Variable, to indices: [Int], outputRows: Int) -> Variable {
  let x = a.value
  precondition(indices.count == x.rows, "scatterAddRows: \(indices.count) indices, \(x.rows) rows")
  let out = scatterAdd(x, rowsTo: indices, outputRows: outputRows)
  return a.tape.record(out, inputs: [a]) { g, _ in
    var d = Matrix(rows: x.rows, columns: x.columns)
    for (k, i) in indices.enumerated() {
      for j in 0..<x.columns { d.storage[k * x.columns + j] = g.storage[i * x.columns + j] }
    }
    return [d]
  }
}

/// Per-segment sums: row s of the result is Σ of the rows k with
/// `segments[k] == s` (e.g. a sum readout per graph of a batch).
/// Cost O(N·C).
public func segmentSum(_ a: Variable, segments: [Int], segmentCount: Int) -> Variable {
  scatterAddRows(a, to: segments, outputRows: segmentCount)
}

/// Per-segment means: the segment sum divided by the segment's row count
/// (empty segments give zero rows); ∂/∂x_k = G[segments[k]] / n_s.
/// Cost O(N·C).
public func segmentMean(_ a: Variable, segments: [Int], segmentCount: Int) -> Variable {
  let x = a.value
  precondition(segments.count == x.rows, "segmentMean: \(segments.count) ids for \(x.rows) rows")
  var counts = [Float](repeating: 0, count: segmentCount)
  for s in segments {
    precondition(
      s >= 0 && s < segmentCount, "segmentMean: segment \(s) outside 0..<\(segmentCount)")
    counts[s] += 1
  }
  var out = scatterAdd(x, rowsTo: segments, outputRows: segmentCount)
  for s in 0..<segmentCount where counts[s] > 0 {
    for j in 0..<x.columns { out.storage[s * x.columns + j] /= counts[s] }
  }
  return a.tape.record(out, inputs: [a]) { g, _ in
    var d = Matrix(rows: x.rows, columns: x.columns)
    for (k, s) in segments.enumerated() {
      for j in 0..<x.columns {
        d.storage[k * x.columns + j] = g.storage[s * x.columns + j] / counts[s]
      }
    }
    return [d]
  }
}

/// The scatter-add kernel shared by the ops above.
func scatterAdd(_ x: Matrix, rowsTo indices: [Int], outputRows: Int) -> Matrix {
  var out = Matrix(rows: outputRows, columns: x.columns)
  for (k, i) in indices.enumerated() {
    precondition(i >= 0 && i < outputRows, "scatter: index \(i) outside 0..<\(outputRows)")
    for j in 0..<x.columns { out.storage[i * x.columns + j] += x.storage[k * x.columns + j] }
  }
  return out
}

/// Per-segment, per-column maxima: row s of the result is the elementwise
/// max of the rows k with `segments[k] == s` (Graclus's max pooling over a
/// cluster); an empty segment gives a zero row. The pullback sends G[s, c]
/// to the row holding the maximum (the first on ties). Cost O(N·C).
public func segmentMax(_ a: Variable, segments: [Int], segmentCount: Int) -> Variable {
  let x = a.value
  precondition(segments.count == x.rows, "segmentMax: \(segments.count) ids for \(x.rows) rows")
  let c = x.columns
  var out = Matrix(rows: segmentCount, columns: c, repeating: -.infinity)
  var argmax = [Int](repeating: -1, count: segmentCount * c)
  for (k, s) in segments.enumerated() {
    precondition(s >= 0 && s < segmentCount, "segmentMax: segment \(s) outside 0..<\(segmentCount)")
    for j in 0..<c where argmax[s * c + j] < 0 || x.storage[k * c + j] > out.storage[s * c + j] {
      out.storage[s * c + j] = x.storage[k * c + j]
      argmax[s * c + j] = k
    }
  }
  for q in out.storage.indices where argmax[q] < 0 { out.storage[q] = 0 }
  return a.tape.record(out, inputs: [a]) { g, _ in
    var d = Matrix(rows: x.rows, columns: c)
    for q in argmax.indices where argmax[q] >= 0 {
      d.storage[argmax[q] * c + q % c] += g.storage[q]
    }
    return [d]
  }
}
