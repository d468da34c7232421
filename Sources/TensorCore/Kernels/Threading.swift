import CBLAS
import Dispatch
import Synchronization

/// The number of threads used by this module's kernels: the sparse products,
/// the fused ops, and the dense products, which split large `sgemm` calls
/// across threads themselves (OpenBLAS stays on one thread: see
/// `Matrix.product`).
///
/// Results are bit-identical for the same seed and the same thread count:
/// every parallel kernel here splits work into contiguous blocks whose
/// boundaries depend only on the problem size and the thread count, and each
/// output element is written by exactly one thread in a fixed order.
public enum Threading {
  private static let current = Atomic<Int>(1)

  /// The configured thread count (default 1).
  public static var threadCount: Int { current.load(ordering: .relaxed) }

  /// OpenBLAS starts with one thread per core; it is set to one thread
  /// before the first product and kept there. Evaluated once (lazy static).
  static let openBLASDefaultApplied: Void = openblas_set_num_threads(1)

  /// Sets the thread count of the kernels. Values below 1 are treated as 1.
  public static func setThreadCount(_ count: Int) {
    _ = openBLASDefaultApplied
    current.store(max(1, count), ordering: .relaxed)
  }

  /// The thread count requested by the environment variable `GPOOL_THREADS`,
  /// if it is set to a positive integer.
  public static func fromEnvironment(_ environment: [String: String]) -> Int? {
    guard let text = environment["GPOOL_THREADS"], let n = Int(text), n > 0 else { return nil }
    return n
  }

  /// Runs `body(range)` over contiguous blocks of `0..<count`, in parallel when
  /// the thread count is above 1 and the work (`count · costPerItem`) is large
  /// enough to amortise the dispatch. Blocks depend only on `count` and the
  /// thread count, so results are deterministic.
  /// Below this many multiply-adds a kernel runs on one thread: dispatching
  /// to a second core costs about as much (measured with `gpool bench`).
  public static let minimumParallelWork = 1 << 22

  @inlinable
  public static func parallelFor(
    _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
  ) {
    let threads = min(threadCount, count)
    if threads <= 1 || count * costPerItem < minimumParallelWork {
      body(0..<count)
      return
    }
    withoutActuallyEscaping(body) { body in
      let box = UnsafeSendableBox(body)
      DispatchQueue.concurrentPerform(iterations: threads) { t in
        let start = count * t / threads
        let end = count * (t + 1) / threads
        box.value(start..<end)
      }
    }
  }
}

extension Threading {
  /// Runs `body(t)` for t in 0..<threads concurrently (t = 0 on the calling
  /// thread's turn like the others); the caller has already decided that
  /// the work is worth it. Each `t` must write only its own part of the output.
  public static func parallelBlocks(_ threads: Int, _ body: (Int) -> Void) {
    if threads <= 1 {
      body(0)
      return
    }
    withoutActuallyEscaping(body) { body in
      let box = UnsafeSendableBox(body)
      DispatchQueue.concurrentPerform(iterations: threads) { t in box.value(t) }
    }
  }
}

/// Carries a non-Sendable value into `concurrentPerform`; safe here because
/// every block writes a disjoint part of the output.
@usableFromInline
struct UnsafeSendableBox<Value>: @unchecked Sendable {
  @usableFromInline let value: Value
  @usableFromInline init(_ value: Value) { self.value = value }
}
