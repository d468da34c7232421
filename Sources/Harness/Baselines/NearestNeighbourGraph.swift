import Foundation
import TensorCore

/// The symmetric k-nearest-neighbour graph of a set of vectors with
/// Gaussian weights, the input of spectral clustering on vectors (NeuNcut's
/// baseline): each point links its `neighbours` nearest other points (ties
/// to the lower index) with weight exp(−‖x_i − x_j‖² / (2σ²)); the graph is
/// symmetrised by keeping an edge when either end chose it (weight
/// max(w_ij, w_ji), which is the same Gaussian). Squared distances come
/// from BLAS in row blocks (‖x_i‖² + ‖x_j‖² − 2 x_iᵀx_j), so memory stays
/// O(block·N). Cost O(N²·F) for the products plus O(N²) for the selection.
public enum NearestNeighbourGraph {
  public static func build(_ x: Matrix, neighbours k: Int, sigma: Float, blockRows: Int = 1024)
    -> SparseMatrix
  {
    let n = x.rows
    precondition(k >= 1 && k < n, "k-NN graph: need 1 ≤ k < N (k = \(k), N = \(n))")
    precondition(sigma > 0, "k-NN graph: σ must be positive")
    var norms = [Float](repeating: 0, count: n)
    for i in 0..<n {
      var s: Float = 0
      for j in 0..<x.columns { s += x.storage[i * x.columns + j] * x.storage[i * x.columns + j] }
      norms[i] = s
    }
    var entries: [(row: Int, column: Int, value: Float)] = []
    entries.reserveCapacity(2 * n * k)
    let scale = -1 / (2 * sigma * sigma)
    var start = 0
    while start < n {
      let end = min(n, start + blockRows)
      let block = Matrix(
        rows: end - start, columns: x.columns,
        storage: Array(x.storage[(start * x.columns)..<(end * x.columns)]))
      let gram = Matrix.product(block, x, transposeB: true)  // (end − start)×N
      for r in 0..<(end - start) {
        let i = start + r
        // Squared distances of row i, then the k smallest (not i itself).
        var candidates: [(distance: Float, index: Int)] = []
        candidates.reserveCapacity(n - 1)
        for j in 0..<n where j != i {
          candidates.append((max(0, norms[i] + norms[j] - 2 * gram.storage[r * n + j]), j))
        }
        candidates.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
        for (distance, j) in candidates.prefix(k) {
          let w = Foundation.exp(scale * distance)
          entries.append((i, j, w))
          entries.append((j, i, w))
        }
      }
      start = end
    }
    // An edge chosen from both ends appears twice per direction: keep one.
    var seen = Set<Int>()
    var unique: [(row: Int, column: Int, value: Float)] = []
    unique.reserveCapacity(entries.count)
    for e in entries where seen.insert(e.row * n + e.column).inserted { unique.append(e) }
    return SparseMatrix(rows: n, columns: n, entries: unique).assumingSymmetric()
  }
}
