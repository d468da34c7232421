import Foundation
import TensorCore

/// The loss of Neural Normalized Cut (NeuNcut, 2025; METHODS §5): a network
/// maps each sample to P = softmax(logits) (N×K); with affinity W (N×N),
/// degrees d = W·1, D = diag(d), L = D − W and vol_k = Σ_i d_i P_ik,
///
///   H    = P · diag(1 / √(vol_k + 1e-6)),
///   loss = Tr(HᵀLH) + (γ/2) · ‖HᵀDH − I_K‖_F / K,
///
/// the relaxed normalised cut plus a penalty keeping H D-orthonormal
/// (γ = 80). Gradients flow through vol_k as well as P.
public enum NeuralNormalizedCut {
  public static let defaultGamma: Float = 80
  static let volumeEpsilon: Float = 1e-6

  /// The loss for assignments `p` (N×K, on the tape) and a constant
  /// affinity `w` (N×N, symmetric, e.g. `gaussianAffinity`), as a 1×1
  /// variable. Cost O(N²·K) (the product W·H) plus O(N·K²).
  public static func loss(assignments p: Variable, affinity w: Matrix, gamma: Float = defaultGamma)
    -> Variable
  {
    precondition(
      w.rows == p.rows && w.columns == p.rows,
      "NeuNcut: affinity is \(w.rows)×\(w.columns), P has \(p.rows) rows")
    let terms = self.terms(
      assignments: p, degrees: w.rowSums().storage,
      propagate: { h in matmul(p.tape.constant(w), h) })
    return terms.cut + terms.orthogonality * (gamma / 2)
  }

  /// The two terms of the loss for a sparse affinity (a graph's A: NeuNcut on
  /// graphs): Tr(HᵀLH) and ‖HᵀDH − I‖_F / K, so that a caller weighs the
  /// second by γ/2 (node clustering: `loss_weights`). Cost O(nnz·K + N·K²).
  public static func terms(assignments p: Variable, adjacency a: SparseMatrix) -> (
    cut: Variable, orthogonality: Variable
  ) {
    precondition(a.rows == p.rows && a.columns == p.rows, "NeuNcut: A and P disagree in size")
    return terms(assignments: p, degrees: a.rowSums(), propagate: { h in matmul(a, h) })
  }

  /// Tr(HᵀLH) = Σ_i d_i‖h_i‖² − Σ_k h_kᵀ W h_k and ‖HᵀDH − I‖_F / K, with
  /// H = P·diag(1/√(vol + 1e-6)), vol = dᵀP; `propagate` computes W·H.
  static func terms(
    assignments p: Variable, degrees: [Float], propagate: (Variable) -> Variable
  ) -> (cut: Variable, orthogonality: Variable) {
    let (n, k) = (p.rows, p.columns)
    let tape = p.tape
    let d = tape.constant(Matrix(rows: n, columns: 1, storage: degrees))
    let volumes = matmul(transpose(d), p)  // 1×K
    let scale =
      tape.constant(Matrix(rows: 1, columns: k, repeating: 1))
      / sqrt(volumes + volumeEpsilon)
    let h = p * scale
    let weightedH = h * d  // D H
    let cut = sum(h * weightedH) - sum(h * propagate(h))
    let gram = matmul(h, weightedH, transposeA: true)  // Hᵀ D H, K×K
    let orthogonality =
      frobeniusNorm(gram - tape.constant(Matrix.identity(k))) * (1 / Float(k))
    return (cut, orthogonality)
  }

  /// W_ij = exp(−‖x_i − x_j‖² / (2σ²)) for the rows of X (N×F), diagonal
  /// included (= 1), with the squared distances from BLAS as
  /// ‖x_i‖² + ‖x_j‖² − 2 x_iᵀx_j (clamped at 0 against rounding).
  /// Cost O(N²·F) (one product) plus O(N²).
  public static func gaussianAffinity(_ x: Matrix, sigma: Float) -> Matrix {
    precondition(sigma > 0, "NeuNcut: σ must be positive")
    let n = x.rows
    let gram = Matrix.product(x, x, transposeB: true)
    var norms = [Float](repeating: 0, count: n)
    for i in 0..<n { norms[i] = gram.storage[i * n + i] }
    var w = Matrix(rows: n, columns: n)
    let scale = -1 / (2 * sigma * sigma)
    for i in 0..<n {
      for j in 0..<n {
        let squared = Swift.max(0, norms[i] + norms[j] - 2 * gram.storage[i * n + j])
        w.storage[i * n + j] = i == j ? 1 : Foundation.exp(scale * squared)
      }
    }
    return w
  }
}
