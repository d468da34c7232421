/// Optimal one-to-one assignment (the Hungarian algorithm, Kuhn–Munkres,
/// in the O(n³) shortest-augmenting-path form with row/column potentials).
///
/// Rectangular r×c matrices are padded with zero entries to a square
/// max(r, c) matrix; rows matched to a padding column (and padding rows)
/// have no partner.
public enum HungarianMatching {
  /// The assignment of rows to columns minimising Σ_i cost[i][σ(i)] over
  /// one-to-one maps σ; `result[i]` is row i's column, or nil when row i is
  /// left without a partner (only when there are more rows than columns).
  /// Cost O(m³) time and O(m²) memory with m = max(rows, columns).
  ///
  /// - Precondition: the matrix is rectangular (all rows of equal length)
  ///   with finite entries.
  public static func minimumCostAssignment(_ cost: [[Double]]) -> [Int?] {
    let rows = cost.count
    let columns = cost.first?.count ?? 0
    precondition(cost.allSatisfy { $0.count == columns }, "ragged cost matrix")
    precondition(cost.allSatisfy { $0.allSatisfy(\.isFinite) }, "non-finite cost")
    if rows == 0 || columns == 0 { return [Int?](repeating: nil, count: rows) }
    let m = max(rows, columns)
    // Padding entries all cost the same (0), and every padding row (or
    // column) takes exactly one partner, so padding adds a constant and the
    // optimum over the real entries is unchanged.
    func entry(_ i: Int, _ j: Int) -> Double { i < rows && j < columns ? cost[i][j] : 0 }

    // 1-based arrays, index 0 is the virtual column/row of the classic
    // formulation (e-maxx). u, v are the dual potentials; p[j] is the row
    // matched to column j; way[j] is the previous column on the path.
    var u = [Double](repeating: 0, count: m + 1)
    var v = [Double](repeating: 0, count: m + 1)
    var p = [Int](repeating: 0, count: m + 1)
    var way = [Int](repeating: 0, count: m + 1)
    for i in 1...m {
      p[0] = i
      var j0 = 0
      var minv = [Double](repeating: .infinity, count: m + 1)
      var used = [Bool](repeating: false, count: m + 1)
      repeat {
        used[j0] = true
        let i0 = p[j0]
        var delta = Double.infinity
        var j1 = 0
        for j in 1...m where !used[j] {
          let reduced = entry(i0 - 1, j - 1) - u[i0] - v[j]
          if reduced < minv[j] {
            minv[j] = reduced
            way[j] = j0
          }
          if minv[j] < delta {
            delta = minv[j]
            j1 = j
          }
        }
        for j in 0...m {
          if used[j] {
            u[p[j]] += delta
            v[j] -= delta
          } else {
            minv[j] -= delta
          }
        }
        j0 = j1
      } while p[j0] != 0
      // Augment along the path back to the virtual column.
      repeat {
        let j1 = way[j0]
        p[j0] = p[j1]
        j0 = j1
      } while j0 != 0
    }
    var result = [Int?](repeating: nil, count: rows)
    for j in 1...m where p[j] - 1 < rows && j - 1 < columns {
      result[p[j] - 1] = j - 1
    }
    return result
  }

  /// The assignment maximising Σ_i weight[i][σ(i)] (solved as the minimum
  /// of max(w) − w). Same conventions and cost as `minimumCostAssignment`.
  public static func maximumWeightAssignment(_ weight: [[Double]]) -> [Int?] {
    let top = weight.lazy.flatMap { $0 }.max() ?? 0
    return minimumCostAssignment(weight.map { row in row.map { top - $0 } })
  }

  /// Accuracy after the best one-to-one matching of clusters to classes:
  /// max over matchings σ of Σ_k n_{k,σ(k)} / N. Samples in a cluster left
  /// without a class (more clusters than classes), or whose class differs
  /// from their cluster's partner, count as wrong. Cost O(m³), m = max(|K|, |C|).
  public static func matchedAccuracy(_ table: ContingencyTable) -> Double {
    let weights = table.counts.map { $0.map(Double.init) }
    let assignment = maximumWeightAssignment(weights)
    var correct = 0
    for (k, c) in assignment.enumerated() {
      if let c { correct += table.counts[k][c] }
    }
    return Double(correct) / Double(table.sampleCount)
  }

  /// `matchedAccuracy` of `predicted` clusters against `truth` classes.
  public static func matchedAccuracy(predicted: [Int], truth: [Int]) -> Double {
    matchedAccuracy(ContingencyTable(predicted: predicted, truth: truth))
  }
}
