import TensorCore

/// Seeded mutations of a file's bytes, the kinds of damage a reader meets:
/// a changed byte or bit, a run of random bytes, a truncation, an inserted,
/// deleted or repeated range, and "interesting" values written over a
/// number (in text: huge, negative, fractional and non-finite spellings; in
/// binary: 0, −1, 2^31, 2^63 and similar words). Every mutation changes the
/// bytes; the same generator state gives the same result.
public enum ByteMutator {
  /// Numbers that break parsers when they replace one in a text file.
  static let textValues = [
    "0", "-1", "-0", "1.5", "2147483648", "4294967296", "9223372036854775808",
    "99999999999999999999", "1e999", "-1e39", "nan", "inf", "", " ", ",", "\n", "\u{0}",
    "1e-45", "007", "0x10", "+-3",
  ]

  /// Words that break binary headers and sizes.
  static let binaryValues: [UInt64] = [
    0, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
    0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, UInt64.max, 1 << 40,
  ]

  /// `bytes` with one to three mutations applied. `text` selects the
  /// number-spelling mutation instead of the binary-word one.
  public static func mutate(_ bytes: [UInt8], text: Bool, random: inout RandomSource) -> [UInt8] {
    var out = bytes
    let rounds = 1 + Int(random.next() % 3)
    for _ in 0..<rounds { out = mutateOnce(out, text: text, random: &random) }
    if out == bytes {  // e.g. a byte overwritten with itself, or two changes undone
      if out.isEmpty { out = [UInt8(truncatingIfNeeded: random.next())] } else { out[0] ^= 0x5A }
    }
    return out
  }

  private static func mutateOnce(
    _ bytes: [UInt8], text: Bool, random: inout RandomSource
  ) -> [UInt8] {
    var out = bytes
    func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(random.next() % UInt64(n)) }
    func randomByte() -> UInt8 { UInt8(truncatingIfNeeded: random.next()) }
    guard !out.isEmpty else { return [randomByte()] }
    let offset = below(out.count)
    switch below(9) {
    case 0:
      out[offset] ^= UInt8(below(255) + 1)
    case 1:
      out[offset] ^= UInt8(1) << UInt8(below(8))
    case 2:
      let end = min(out.count, offset + 1 + below(32))
      for i in offset..<end { out[i] = randomByte() }
    case 3:
      out.removeLast(1 + below(out.count))
    case 4:
      out.insert(contentsOf: (0..<(1 + below(16))).map { _ in randomByte() }, at: offset)
    case 5:
      out.removeSubrange(offset..<min(out.count, offset + 1 + below(64)))
    case 6:
      let length = min(out.count - offset, 1 + below(256))
      let copy = Array(out[offset..<(offset + length)])
      out.insert(contentsOf: copy, at: below(out.count + 1))
    case 7 where text:
      out = replaceNumber(in: out, at: offset, random: &random)
    case 7, 8:
      let width = [1, 2, 4, 8][below(4)]
      let start = min(offset, max(0, out.count - width))
      let value = binaryValues[below(binaryValues.count)]
      for k in 0..<min(width, out.count - start) {
        out[start + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
      }
    default:
      out = replaceNumber(in: out, at: offset, random: &random)
    }
    return out
  }

  /// Replaces the run of digits at or after `offset` (or, if none, the byte
  /// there) with one of `textValues`.
  private static func replaceNumber(
    in bytes: [UInt8], at offset: Int, random: inout RandomSource
  ) -> [UInt8] {
    func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    var start = offset
    while start < bytes.count && !isDigit(bytes[start]) { start += 1 }
    if start == bytes.count { start = offset }
    var end = start
    while end < bytes.count && isDigit(bytes[end]) { end += 1 }
    if end == start { end = min(bytes.count, start + 1) }
    let value = textValues[Int(random.next() % UInt64(textValues.count))]
    var out = bytes
    out.replaceSubrange(start..<end, with: Array(value.utf8))
    return out
  }
}
