/// Finite-difference gradient checking for tape ops (used by the test suites
/// and available for checking new ops). Cost: two forward passes per input
/// element, so keep the inputs small.
///
/// For an op `f` with inputs X₁…Xₙ, the checked scalar is L = Σ f(X) ⊙ R with
/// a fixed random projection R, so every entry of the Jacobian contributes.
/// Each input element is perturbed by ±h and the central difference
/// (L(x+h) − L(x−h)) / 2h is compared with the tape's gradient.
///
/// Why the tolerance is right: the central difference has truncation error
/// h²/6·|∂³L| ≈ 2e-5 for h = 1e-2 and the smooth ops here, and rounding
/// error ≈ ε₃₂·|L|·√n / h ≈ 6e-8·10·10 / 1e-2 ≈ 6e-4 at worst, because the ops
/// compute in Float32 (L itself is summed in Double). A tolerance of
/// 3e-3 + 2e-2·|g| sits above both, while a wrong pullback (a missing term, a
/// transposed factor, a wrong sign) is off by O(|g|) ≈ 0.1–1 and fails.
/// Inputs of non-smooth ops (relu, abs, L1) are kept ≥ 0.1 away from the
/// kinks so that ±h never crosses one.
public struct GradientChecker: Sendable {
  public var step: Float = 1e-2
  public var absoluteTolerance: Float = 3e-3
  public var relativeTolerance: Float = 2e-2

  public init() {}

  /// Compares the tape's gradients with central differences; returns the
  /// largest absolute difference and a description of the first element
  /// outside the tolerance, if any.
  public func compare(inputs: [Matrix], _ f: ([Variable]) -> Variable)
    -> (worstDifference: Float, firstFailure: String?)
  {
    var random = RandomSource(seed: 1234)
    // Fixed projection of the output, drawn once from the output's shape.
    let probe = Tape()
    let outputShape = f(inputs.map { probe.constant($0) }).value
    let projection = Matrix(
      rows: outputShape.rows, columns: outputShape.columns,
      storage: (0..<outputShape.count).map { _ in 2 * random.nextUniformFloat() - 1 })

    func loss(_ values: [Matrix]) -> Double {
      let tape = Tape()
      let out = f(values.map { tape.constant($0) }).value
      var s = 0.0
      for i in 0..<out.count { s += Double(out.storage[i]) * Double(projection.storage[i]) }
      return s
    }

    // Analytic gradients through the tape, which must be freed afterwards:
    // a pullback that captured a variable would form a cycle (variable →
    // tape → pullback → variable) and leak every training step's tape.
    let parameters = inputs.enumerated().map {
      Parameter(name: "input\($0.offset)", value: $0.element)
    }
    weak var released: Tape?
    let computed: Gradients? = {
      let tape = Tape()
      released = tape
      let out = f(parameters.map { tape.parameter($0) })
      guard out.value.isFinite else { return nil }
      return tape.gradients(of: sum(out * tape.constant(projection)))
    }()
    guard let gradients = computed else { return (.infinity, "forward value is not finite") }
    if released != nil {
      return (.infinity, "the tape outlives the computation: a pullback keeps a variable alive")
    }

    var worst: Float = 0
    for (k, input) in inputs.enumerated() {
      let analytic = gradients[parameters[k]] ?? Matrix(rows: input.rows, columns: input.columns)
      for e in 0..<input.count {
        var plus = inputs
        var minus = inputs
        plus[k].storage[e] += step
        minus[k].storage[e] -= step
        let numeric = Float((loss(plus) - loss(minus)) / (2 * Double(step)))
        let a = analytic.storage[e]
        let difference = Swift.abs(numeric - a)
        worst = max(worst, difference)
        let allowed =
          absoluteTolerance + relativeTolerance * max(Swift.abs(numeric), Swift.abs(a))
        if difference > allowed {
          return (worst, "∂L/∂input\(k)[\(e)] analytic \(a) vs numeric \(numeric)")
        }
      }
    }
    return (worst, nil)
  }
}
