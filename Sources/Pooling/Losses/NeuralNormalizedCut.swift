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
  /// variable. Tr(HᵀLH) = Σ_i d_i‖h_i‖² − Σ_k h_kᵀ W h_k, so W is used in
  /// one product W·H. Cost O(N²·K) (the product) plus O(N·K²).
  public static func loss(assignments p: Variable, affinity w: Matrix, gamma: Float = defaultGamma)
    -> Variable
  {
    let (n, k) = (p.rows, p.columns)
    precondition(
      w.rows == n && w.columns == n, "NeuNcut: affinity is \(w.rows)×\(w.columns), P has \(n) rows")
    let tape = p.tape
    let degreeValues = w.rowSums()  // N×1
    let degrees = tape.constant(degreeValues)
    let volumes = matmul(transpose(degrees), p)  // 1×K
    let scale =
      tape.constant(Matrix(rows: 1, columns: k, repeating: 1))
      / sqrt(volumes + volumeEpsilon)
    let h = p * scale
    let weightedH = h * degrees  // D H
    let cut = sum(h * weightedH) - sum(h * matmul(tape.constant(w), h))
    let gram = matmul(h, weightedH, transposeA: true)  // Hᵀ D H, K×K
    let orthogonality = frobeniusNorm(gram - tape.constant(Matrix.identity(k)))
    return cut + orthogonality * (gamma / 2 / Float(k))
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
