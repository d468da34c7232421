import Pooling
import TensorCore

/// Timings of the kernels and the training step that every experiment of the
/// harness repeats thousands of times. Run it from a release build
/// (`gpool bench`); debug builds are 10–50× slower.
public struct MessagePassingBenchmark {
  /// One measured quantity.
  public struct Measurement: Sendable {
    public let name: String
    /// Median wall time of one repetition, in milliseconds.
    public let milliseconds: Double
    /// Floating-point operations per repetition, if meaningful.
    public let flops: Double?
    public var gigaflopsPerSecond: Double? { flops.map { $0 / (milliseconds * 1e6) } }
  }

  public let graph: SyntheticGraph
  public let units: Int
  public let clusters: Int
  public let repetitions: Int

  public init(graph: SyntheticGraph, units: Int = 16, clusters: Int = 7, repetitions: Int = 200) {
    self.graph = graph
    self.units = units
    self.clusters = clusters
    self.repetitions = max(1, repetitions)
  }

  /// Runs every measurement with the current `Threading.threadCount`.
  public func run() -> [Measurement] {
    var random = RandomSource(seed: 1)
    let normalized = graph.adjacency.symmetricallyNormalized()
    let hidden = Initializer.glorotUniform.matrix(
      fanIn: graph.nodeCount, fanOut: units, random: &random)
    let weights = Initializer.glorotUniform.matrix(
      fanIn: graph.features.columns, fanOut: units, random: &random)
    let adjacencyFlops = 2 * Double(normalized.nonzeroCount * units)
    let featureFlops = 2 * Double(graph.features.nonzeroCount * units)

    var results = [
      measure("Ã·H  (sparse adjacency × N×\(units))", flops: adjacencyFlops) {
        _ = normalized.multiply(hidden)
      },
      measure("X·W  (sparse features × F×\(units))", flops: featureFlops) {
        _ = graph.features.multiply(weights)
      },
      measure("Xᵀ·G (transposed, backward of X·W)", flops: featureFlops) {
        _ = graph.features.transposeMultiply(hidden)
      },
    ]

    // The sparse products one MinCutPool step performs, with its shapes:
    // X·[Θ_m | Θ_s], Ã·(XΘ_m), Ãᵀ·dZ, Xᵀ·[Ãᵀ dZ | dZ] (GCS forward and
    // backward) and Ã·S (cut loss; its backward reuses it).
    let wide = Initializer.glorotUniform.matrix(
      fanIn: graph.features.columns, fanOut: 2 * units, random: &random)
    let wideHidden = Initializer.glorotUniform.matrix(
      fanIn: graph.nodeCount, fanOut: 2 * units, random: &random)
    let assignments = Initializer.glorotUniform.matrix(
      fanIn: graph.nodeCount, fanOut: clusters, random: &random)
    let stepProducts = [
      measure("  step product X·[Θ_m|Θ_s] (N×\(2 * units))", flops: 2 * featureFlops) {
        _ = graph.features.multiply(wide)
      },
      measure("  step product Ã·(XΘ_m) (N×\(units))", flops: adjacencyFlops) {
        _ = normalized.multiply(hidden)
      },
      measure("  step product Ãᵀ·dZ (N×\(units))", flops: adjacencyFlops) {
        _ = normalized.transposeMultiply(hidden)
      },
      measure("  step product Xᵀ·[Ãᵀ dZ|dZ] (F×\(2 * units))", flops: 2 * featureFlops) {
        _ = graph.features.transposeMultiply(wideHidden)
      },
      measure(
        "  step product Ã·S (N×\(clusters))",
        flops: 2 * Double(normalized.nonzeroCount * clusters)
      ) {
        _ = normalized.multiply(assignments)
      },
    ]
    results += stepProducts
    let productsTime = stepProducts.reduce(0) { $0 + $1.milliseconds }
    results.append(
      Measurement(
        name: "sparse products of one MinCutPool step (sum of the above)",
        milliseconds: productsTime, flops: stepProducts.reduce(0) { $0 + ($1.flops ?? 0) }))

    // One training step: GCS(units, ELU) → softmax → ‖·‖_F, backward, Adam.
    let layer = GCSConv(
      name: "gcs", inputFeatures: graph.features.columns, units: units, activation: .elu,
      random: &random)
    var adam = Adam(learningRate: 5e-4)
    results.append(
      measure("GCS(\(units), ELU) + softmax + ‖·‖_F: forward+backward+Adam", flops: nil) {
        let tape = Tape()
        let z = layer(.sparse(graph.features), normalizedAdjacency: normalized, tape: tape)
        let loss = frobeniusNorm(softmax(z))
        adam.update(layer.parameters, with: tape.gradients(of: loss))
      })

    // One MinCutPool clustering iteration as in Table 1: GCS(units, ELU) →
    // S = softmax(linear(units → K)), loss L_c + L_o on Ã, backward, Adam.
    let pool = MinCutPool(name: "pool", inputFeatures: units, clusters: clusters, random: &random)
    let parameters = layer.parameters + pool.parameters
    var poolAdam = Adam(learningRate: 5e-4)
    func minCutStep() {
      let tape = Tape()
      let z = layer(.sparse(graph.features), normalizedAdjacency: normalized, tape: tape)
      let s = pool.assignments(.dense(z), tape: tape)
      // The synthetic graph has edges, so the cut loss is defined.
      let cut = try! MinCutPool.cutLoss(assignments: s, adjacency: normalized)
      let loss = cut + MinCutPool.orthogonalityLoss(assignments: s)
      poolAdam.update(parameters, with: tape.gradients(of: loss))
    }
    results.append(
      measure("MinCutPool iteration (GCS(\(units)) → K=\(clusters)): fwd+bwd+Adam", flops: nil) {
        minCutStep()
      })
    let stepAlone = results.last!.milliseconds
    // The same step again, counting the time spent inside the sparse kernels.
    let counted = 20
    var stepTotal = 0.0
    KernelClock.startCounting()
    let clock = ContinuousClock()
    for _ in 0..<counted {
      let elapsed = clock.measure { minCutStep() }
      stepTotal +=
        Double(elapsed.components.seconds) * 1e3
        + Double(elapsed.components.attoseconds) * 1e-15
    }
    let inStep = KernelClock.stopCounting() / Double(counted)
    let step = stepTotal / Double(counted)
    results.append(
      Measurement(
        name: "sparse products inside the step (mean of \(counted) steps)", milliseconds: inStep,
        flops: nil))
    results.append(
      Measurement(
        name: "step / its products: \(String(format: "%.2f", step / inStep))× in place, "
          + "\(String(format: "%.2f", stepAlone / productsTime))× timed alone",
        milliseconds: step - inStep, flops: nil))
    return results
  }

  /// Median time of `repetitions` calls after `repetitions / 10 + 1` warm-ups.
  private func measure(_ name: String, flops: Double?, _ body: () -> Void) -> Measurement {
    for _ in 0..<(repetitions / 10 + 1) { body() }
    let clock = ContinuousClock()
    var times: [Double] = []
    times.reserveCapacity(repetitions)
    for _ in 0..<repetitions {
      let elapsed = clock.measure(body)
      times.append(
        Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
    }
    times.sort()
    return Measurement(name: name, milliseconds: times[times.count / 2], flops: flops)
  }
}
