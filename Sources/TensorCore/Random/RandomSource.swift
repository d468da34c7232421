#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one seeded random-number generator used everywhere in the harness:
/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64.
///
/// It uses only integer arithmetic and IEEE-exact conversions, so a seed gives
/// the same stream on every platform. The whole state is four `UInt64`s
/// (`state`), which checkpoints save and restore.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
  /// The generator state; restoring it resumes the stream exactly.
  public var state: [UInt64]

  /// A generator whose stream is determined by `seed`.
  public init(seed: UInt64) {
    var z = seed
    func splitMix() -> UInt64 {
      z &+= 0x9E37_79B9_7F4A_7C15
      var x = z
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      return x ^ (x >> 31)
    }
    state = [splitMix(), splitMix(), splitMix(), splitMix()]
  }

  /// A generator resumed from a saved `state` (four words, not all zero).
  public init(state: [UInt64]) {
    precondition(state.count == 4 && state.contains { $0 != 0 }, "invalid xoshiro256** state")
    self.state = state
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = rotateLeft(state[1] &* 5, 7) &* 9
    let t = state[1] << 17
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = rotateLeft(state[3], 45)
    return result
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A uniform `Float` in [0, 1) with 24 random bits.
  public mutating func nextUniformFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

  /// A uniform `Double` in [0, 1) with 53 random bits.
  public mutating func nextUniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A uniform integer in 0..<bound (Lemire's unbiased method via the
  /// standard library, which only calls `next()`).
  public mutating func nextInt(below bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }

  /// A standard normal sample (Box–Muller in Double precision; one uniform
  /// pair per sample, so the stream position never depends on a cache).
  public mutating func nextGaussian() -> Double {
    var u1 = nextUniformDouble()
    while u1 <= 0 { u1 = nextUniformDouble() }
    let u2 = nextUniformDouble()
    return (-2 * naturalLog(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  private func naturalLog(_ x: Double) -> Double {
    #if canImport(Glibc)
      Glibc.log(x)
    #else
      Darwin.log(x)
    #endif
  }

  /// A uniformly random permutation of 0..<n (Fisher–Yates).
  public mutating func permutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    if n < 2 { return p }
    for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, nextInt(below: i + 1)) }
    return p
  }
}
