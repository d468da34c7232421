import TensorCore

/// Structural node statistics used as surrogate features: self-looped
/// adjacency, triangle counts and clustering coefficients.
public enum GraphStructure {
  /// clip(A + I, 0, 1), as the official loader builds every adjacency:
  /// diagonal entries become 1 (inserted where absent), values are clipped
  /// to [0, 1]. Cost O(N + nnz).
  public static func addingSelfLoops(_ adjacency: SparseMatrix) -> SparseMatrix {
    adjacency.addingIdentity().mapValues { min(max($0, 0), 1) }
  }

  /// Degrees of the simple graph underlying `adjacency`: the number of
  /// stored off-diagonal entries of each row (self-loops and values
  /// ignored). Cost O(N + nnz).
  public static func degreesWithoutSelfLoops(_ adjacency: SparseMatrix) -> [Int] {
    (0..<adjacency.rows).map { i in
      var d = 0
      for p in Int(adjacency.rowOffsets[i])..<Int(adjacency.rowOffsets[i + 1])
      where Int(adjacency.columnIndices[p]) != i {
        d += 1
      }
      return d
    }
  }

  /// T_i, the number of triangles through each node of the simple undirected
  /// graph whose edges are the stored off-diagonal entries of the symmetric
  /// `adjacency` (self-loops ignored).
  ///
  /// Each triangle i < j < k is found once: the upper neighbours
  /// N⁺(i) = {j ∈ N(i) : j > i} are stamped with i in a marker array, then
  /// for every j ∈ N⁺(i) each k ∈ N⁺(j) with marker[k] = i closes a triangle
  /// credited to i, j and k. Cost Σ_i Σ_{j ∈ N⁺(i)} |N⁺(j)| ≤ Σ_j d_j² time,
  /// O(N) extra memory; no set intersections. Needs sorted CSR columns (as
  /// `SparseMatrix` guarantees) and a symmetric pattern.
  public static func triangleCounts(_ adjacency: SparseMatrix) -> [Int] {
    precondition(
      adjacency.rows == adjacency.columns,
      "triangles of a non-square \(adjacency.rows)×\(adjacency.columns) matrix")
    let n = adjacency.rows
    var triangles = [Int](repeating: 0, count: n)
    if n < 3 { return triangles }
    // upperStart[i]: first position of row i whose column is > i.
    var upperStart = [Int](repeating: 0, count: n)
    adjacency.rowOffsets.withUnsafeBufferPointer { offsets in
      adjacency.columnIndices.withUnsafeBufferPointer { columns in
        for i in 0..<n {
          var p = Int(offsets[i])
          let end = Int(offsets[i + 1])
          while p < end && Int(columns[p]) <= i { p += 1 }
          upperStart[i] = p
        }
      }
    }
    var marker = [Int32](repeating: -1, count: n)
    adjacency.rowOffsets.withUnsafeBufferPointer { offsets in
      adjacency.columnIndices.withUnsafeBufferPointer { columns in
        upperStart.withUnsafeBufferPointer { upper in
          marker.withUnsafeMutableBufferPointer { mark in
            triangles.withUnsafeMutableBufferPointer { t in
              for i in 0..<n {
                let start = upper[i]
                let end = Int(offsets[i + 1])
                if end - start < 2 { continue }
                let stamp = Int32(i)
                for p in start..<end { mark[Int(columns[p])] = stamp }
                for p in start..<end {
                  let j = Int(columns[p])
                  var found = 0
                  for q in upper[j]..<Int(offsets[j + 1]) {
                    let k = Int(columns[q])
                    if mark[k] == stamp {
                      found += 1
                      t[k] += 1
                    }
                  }
                  t[i] += found
                  t[j] += found
                }
              }
            }
          }
        }
      }
    }
    return triangles
  }

  /// Local clustering coefficients as networkx's `nx.clustering` defines
  /// them on the graph without self-loops:
  /// c_i = 2·T_i / (d_i (d_i − 1)), with d_i the degree without self-loops
  /// and T_i the triangles through i; c_i = 0 when d_i < 2.
  /// Cost that of `triangleCounts`, ≤ Σ_j d_j².
  public static func clusteringCoefficients(_ adjacency: SparseMatrix) -> [Double] {
    let triangles = triangleCounts(adjacency)
    let degrees = degreesWithoutSelfLoops(adjacency)
    return (0..<adjacency.rows).map { i in
      let d = degrees[i]
      return d < 2 ? 0 : 2 * Double(triangles[i]) / Double(d * (d - 1))
    }
  }
}
