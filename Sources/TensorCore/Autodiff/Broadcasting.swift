/// Shape rules for elementwise binary ops: each dimension of the two operands
/// is either equal or 1 (a row vector 1×C, a column vector R×1 or a scalar
/// 1×1 stretches over the other operand).
enum Broadcasting {
  /// The result shape, or a precondition failure naming both shapes.
  static func resultShape(_ a: Matrix, _ b: Matrix, op: String) -> (rows: Int, columns: Int) {
    func combine(_ x: Int, _ y: Int) -> Int? { x == y ? x : (x == 1 ? y : (y == 1 ? x : nil)) }
    guard let r = combine(a.rows, b.rows), let c = combine(a.columns, b.columns) else {
      preconditionFailure(
        "\(op): shapes \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns) do not broadcast")
    }
    return (r, c)
  }

  /// Applies `f` elementwise with broadcasting. Cost O(result count).
  @inlinable
  static func apply(_ a: Matrix, _ b: Matrix, op: String, _ f: (Float, Float) -> Float) -> Matrix {
    if a.hasSameShape(as: b) { return a.zipMap(b, f) }
    let (rows, columns) = resultShape(a, b, op: op)
    var out = Matrix(uninitializedRows: rows, columns: columns)
    let aRowStride = a.rows == 1 ? 0 : a.columns
    let bRowStride = b.rows == 1 ? 0 : b.columns
    out.storage.withUnsafeMutableBufferPointer { o in
      a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
          // Contiguous inner loops for the common shapes (a bias row, a
          // column of per-row scales), so they vectorise.
          for i in 0..<rows {
            let (ra, rb, ro) = (i * aRowStride, i * bRowStride, i * columns)
            switch (a.columns == columns, b.columns == columns) {
            case (true, true): for j in 0..<columns { o[ro + j] = f(pa[ra + j], pb[rb + j]) }
            case (true, false):
              let y = pb[rb]
              for j in 0..<columns { o[ro + j] = f(pa[ra + j], y) }
            case (false, true):
              let x = pa[ra]
              for j in 0..<columns { o[ro + j] = f(x, pb[rb + j]) }
            case (false, false):
              let v = f(pa[ra], pb[rb])
              for j in 0..<columns { o[ro + j] = v }
            }
          }
        }
      }
    }
    return out
  }

  /// Sums `gradient` over the dimensions along which `target` was stretched,
  /// giving a gradient of `target`'s shape.
  static func reduce(_ gradient: Matrix, to target: Matrix) -> Matrix {
    var g = gradient
    if target.rows == 1 && g.rows != 1 { g = g.columnSums() }
    if target.columns == 1 && g.columns != 1 { g = g.rowSums() }
    return g
  }
}
