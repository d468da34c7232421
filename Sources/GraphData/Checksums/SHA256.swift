import Foundation

/// SHA-256 (FIPS 180-4) in pure Swift, used to pin the benchmark files.
///
/// Feed bytes with `update` in any chunking, then call `finalize()` once.
/// Cost O(n) in the bytes hashed; memory O(1) (a 64-byte block buffer).
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Array("abc".utf8))
/// let hex = hasher.finalizeHex()  // "ba7816bf…"
/// ```
public struct SHA256: Sendable {
  /// Length of a digest in bytes.
  public static let digestByteCount = 32

  /// The chaining state H0…H7.
  private var h0: UInt32 = 0x6a09_e667
  private var h1: UInt32 = 0xbb67_ae85
  private var h2: UInt32 = 0x3c6e_f372
  private var h3: UInt32 = 0xa54f_f53a
  private var h4: UInt32 = 0x510e_527f
  private var h5: UInt32 = 0x9b05_688c
  private var h6: UInt32 = 0x1f83_d9ab
  private var h7: UInt32 = 0x5be0_cd19
  /// Bytes of an incomplete block carried to the next `update`.
  private var pending: [UInt8] = []
  /// Total message length in bytes (the padding encodes it in bits).
  private var byteCount: UInt64 = 0

  /// A hasher with the standard initial state.
  public init() {
    pending.reserveCapacity(64)
  }

  /// Adds `bytes` to the message. Cost O(bytes.count).
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    byteCount &+= UInt64(bytes.count)
    var start = 0
    if !pending.isEmpty {
      // Top up the carried partial block first.
      let take = min(64 - pending.count, bytes.count)
      pending.append(contentsOf: bytes[0..<take])
      start = take
      if pending.count == 64 {
        let block = pending
        block.withUnsafeBytes { compress(blocks: $0) }
        pending.removeAll(keepingCapacity: true)
      }
    }
    let fullBlocks = (bytes.count - start) / 64
    if fullBlocks > 0 {
      let end = start + fullBlocks * 64
      compress(blocks: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
      start = end
    }
    if start < bytes.count { pending.append(contentsOf: bytes[start...]) }
  }

  /// Adds the bytes of `bytes` to the message. Cost O(bytes.count).
  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// Adds the bytes of `data` to the message. Cost O(data.count).
  public mutating func update(_ data: Data) {
    data.withUnsafeBytes { update($0) }
  }

  /// Pads the message and returns the 32-byte digest. The hasher should not
  /// be used afterwards. Cost O(1).
  public mutating func finalize() -> [UInt8] {
    let bitLength = byteCount &* 8
    var tail = pending
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) {
      tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
    }
    tail.withUnsafeBytes { compress(blocks: $0) }
    pending.removeAll()
    var digest: [UInt8] = []
    digest.reserveCapacity(32)
    for word in [h0, h1, h2, h3, h4, h5, h6, h7] {
      digest.append(UInt8(truncatingIfNeeded: word >> 24))
      digest.append(UInt8(truncatingIfNeeded: word >> 16))
      digest.append(UInt8(truncatingIfNeeded: word >> 8))
      digest.append(UInt8(truncatingIfNeeded: word))
    }
    return digest
  }

  /// `finalize()` as a lower-case hex string (what `sha256sum` prints).
  public mutating func finalizeHex() -> String {
    finalize().hexString
  }

  /// The digest of `bytes`. Cost O(bytes.count).
  public static func hash(_ bytes: [UInt8]) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// One digest for a set of files: SHA-256 over the sorted
  /// "file:sha256" lines (how a run records the data it read).
  public static func combinedHexDigest(of fileDigests: [String: String]) -> String {
    let lines = fileDigests.keys.sorted().map { "\($0):\(fileDigests[$0]!)\n" }.joined()
    return hexDigest(of: Array(lines.utf8))
  }

  /// The lower-case hex digest of `bytes` (what `sha256sum` prints).
  /// Cost O(bytes.count).
  public static func hexDigest(of bytes: [UInt8]) -> String {
    hash(bytes).hexString
  }

  /// The lower-case hex digest of the file at `path`, read in chunks of
  /// `chunkSize` bytes so memory stays O(chunkSize) whatever the file size.
  /// Cost O(file size).
  ///
  /// - Throws: `DatasetError.fileNotFound` / `.unreadable` when the file
  ///   cannot be opened or read.
  public static func hexDigest(ofFileAt path: String, chunkSize: Int = 1 << 20) throws -> String {
    precondition(chunkSize > 0, "chunk size must be positive")
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError.fileNotFound(path: path)
    }
    var hasher = SHA256()
    try FileChunks.stream(path: path, chunkSize: chunkSize) { hasher.update($0) }
    return hasher.finalizeHex()
  }

  /// The round constants K0…K63 (fractional parts of cube roots of primes).
  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  /// Runs the compression function over whole 64-byte blocks.
  private mutating func compress(blocks: UnsafeRawBufferPointer) {
    precondition(blocks.count % 64 == 0)
    // Unsafe pointers keep debug builds fast: the loops below run 64× per
    // block and bounds-checked array accesses would dominate.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      SHA256.k.withUnsafeBufferPointer { k in
        var a0 = h0
        var b0 = h1
        var c0 = h2
        var d0 = h3
        var e0 = h4
        var f0 = h5
        var g0 = h6
        var hh0 = h7
        var offset = 0
        while offset < blocks.count {
          for t in 0..<16 {
            w[t] = UInt32(
              bigEndian: blocks.loadUnaligned(fromByteOffset: offset + 4 * t, as: UInt32.self))
          }
          for t in 16..<64 {
            let x = w[t - 15]
            let y = w[t - 2]
            let s0 = x.rotatedRight(7) ^ x.rotatedRight(18) ^ (x >> 3)
            let s1 = y.rotatedRight(17) ^ y.rotatedRight(19) ^ (y >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
          }
          var a = a0
          var b = b0
          var c = c0
          var d = d0
          var e = e0
          var f = f0
          var g = g0
          var h = hh0
          for t in 0..<64 {
            let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
            let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
          }
          a0 &+= a
          b0 &+= b
          c0 &+= c
          d0 &+= d
          e0 &+= e
          f0 &+= f
          g0 &+= g
          hh0 &+= h
          offset += 64
        }
        h0 = a0
        h1 = b0
        h2 = c0
        h3 = d0
        h4 = e0
        h5 = f0
        h6 = g0
        h7 = hh0
      }
    }
  }
}

extension UInt32 {
  @inline(__always) fileprivate func rotatedRight(_ n: UInt32) -> UInt32 {
    (self >> n) | (self << (32 - n))
  }
}

extension Array where Element == UInt8 {
  /// The bytes as lower-case hex, two digits per byte.
  var hexString: String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(count * 2)
    for byte in self {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
