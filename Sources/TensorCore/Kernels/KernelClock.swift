import Synchronization

/// Total time spent inside the sparse product kernels, for benchmarks that
/// compare a training step with the products it performs in place (inside
/// the step the products run on the step's own data, colder in the caches
/// than in a product timed alone). Off by default; when off it costs one
/// atomic load per kernel call.
public enum KernelClock {
  private static let enabled = Atomic<Bool>(false)
  private static let nanoseconds = Atomic<Int>(0)

  /// Starts counting from zero.
  public static func startCounting() {
    nanoseconds.store(0, ordering: .relaxed)
    enabled.store(true, ordering: .relaxed)
  }

  /// Stops counting; returns the total in milliseconds.
  public static func stopCounting() -> Double {
    enabled.store(false, ordering: .relaxed)
    return Double(nanoseconds.load(ordering: .relaxed)) / 1e6
  }

  /// Runs `body`, adding its wall time to the total when counting.
  @inline(__always)
  static func measure<T>(_ body: () -> T) -> T {
    let clock = beginKernel()
    defer { endKernel(clock) }
    return body()
  }

  /// The start of one timed kernel (`nil` when not counting).
  @inline(__always)
  static func beginKernel() -> ContinuousClock.Instant? {
    enabled.load(ordering: .relaxed) ? ContinuousClock.now : nil
  }

  /// Ends one timed kernel.
  @inline(__always)
  static func endKernel(_ started: ContinuousClock.Instant?) {
    guard let started else { return }
    let elapsed = ContinuousClock.now - started
    let ns =
      Int(elapsed.components.seconds) * 1_000_000_000
      + Int(elapsed.components.attoseconds / 1_000_000_000)
    nanoseconds.add(ns, ordering: .relaxed)
  }
}

extension Duration {
  /// The duration in seconds, as a Double.
  public var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) * 1e-18
  }
}
