import Foundation

/// Welch's unequal-variances t-test, as the MinCutPool paper marks Table 2
/// ("significantly better results (p < 0.05) are in bold").
///
///   t = (x̄ − ȳ) / √(s_x²/n_x + s_y²/n_y),
///   ν = (s_x²/n_x + s_y²/n_y)² / ((s_x²/n_x)²/(n_x − 1) + (s_y²/n_y)²/(n_y − 1)),
///
/// with s² the sample variances (n − 1 in the denominator), and the
/// two-sided p-value P(|T_ν| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2) from the
/// regularised incomplete beta function.
public enum WelchTest {
  public struct Result: Sendable, Equatable {
    public let t: Double
    public let degreesOfFreedom: Double
    /// Two-sided p-value.
    public let pValue: Double
  }

  /// The test of `x` against `y`; `nil` when either has fewer than two
  /// values. Two samples without spread give p = 1 for equal means and
  /// p = 0 otherwise. Cost O(n_x + n_y).
  public static func twoSided(_ x: [Double], _ y: [Double]) -> Result? {
    guard x.count >= 2, y.count >= 2 else { return nil }
    func meanAndVariance(_ v: [Double]) -> (Double, Double) {
      let mean = v.reduce(0, +) / Double(v.count)
      let squares = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
      return (mean, squares / Double(v.count - 1))
    }
    let (mx, vx) = meanAndVariance(x)
    let (my, vy) = meanAndVariance(y)
    return twoSided(
      mean: mx, sampleVariance: vx, count: x.count, against: my, sampleVariance: vy,
      count: y.count)
  }

  /// The test from summary statistics (mean, sample variance s², size n
  /// ≥ 2 of each sample): how a published mean ± std can be tested. Same
  /// conventions as `twoSided(_:_:)`. Cost O(1).
  public static func twoSided(
    mean mx: Double, sampleVariance vx: Double, count nx: Int, against my: Double,
    sampleVariance vy: Double, count ny: Int
  ) -> Result? {
    guard nx >= 2, ny >= 2 else { return nil }
    let (ex, ey) = (vx / Double(nx), vy / Double(ny))
    guard ex + ey > 0 else {
      return Result(t: mx == my ? 0 : .infinity, degreesOfFreedom: .nan, pValue: mx == my ? 1 : 0)
    }
    let t = (mx - my) / (ex + ey).squareRoot()
    let spread: Double = ex * ex / Double(nx - 1) + ey * ey / Double(ny - 1)
    let nu: Double = (ex + ey) * (ex + ey) / spread
    return Result(t: t, degreesOfFreedom: nu, pValue: studentTwoSidedPValue(t, nu))
  }

  /// P(|T_ν| ≥ |t|) for Student's t with ν > 0 degrees of freedom.
  public static func studentTwoSidedPValue(_ t: Double, _ nu: Double) -> Double {
    guard t.isFinite else { return 0 }
    return regularizedIncompleteBeta(nu / (nu + t * t), nu / 2, 0.5)
  }

  /// I_x(a, b) = B(x; a, b)/B(a, b) for 0 ≤ x ≤ 1, a, b > 0, by the
  /// continued fraction of the incomplete beta function evaluated with the
  /// modified Lentz method, on the side of (a + 1)/(a + b + 2) where it
  /// converges fast (I_x(a, b) = 1 − I_{1−x}(b, a) on the other).
  static func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, b, a) }
    let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
    let logPowers: Double = a * log(x) + b * log(1 - x)
    let logFront = logPowers - logBeta
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var fraction = d
    for m in 1...500 {
      let m = Double(m)
      // Even step: d_2m = m(b − m)x / ((a + 2m − 1)(a + 2m)).
      var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
      d = 1 + numerator * d
      if abs(d) < tiny { d = tiny }
      c = 1 + numerator / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      fraction *= d * c
      // Odd step: d_2m+1 = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
      numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
      d = 1 + numerator * d
      if abs(d) < tiny { d = tiny }
      c = 1 + numerator / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let step = d * c
      fraction *= step
      if abs(step - 1) < 1e-15 { break }
    }
    return exp(logFront) * fraction / a
  }
}
