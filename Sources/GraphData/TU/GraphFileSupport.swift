import Foundation
import TensorCore

// Shared by the TU and GIN readers: where a dataset's files live (a zip or a
// folder), a byte-level tokenizer for small numeric text files, the mapping
// of categorical values to 0..<K, and the per-row sort that turns neighbour
// lists into a binary CSR adjacency.

// MARK: - Files of a dataset

/// The files of one dataset, read from a `.zip` archive or from a folder.
///
/// Member paths are matched on their last path component after dropping
/// empty components (`PROTEINS//PROTEINS_A.txt`) and skipping archive junk
/// (`__MACOSX/`, `._*`, `.DS_Store`, editor backups ending in `~`).
struct GraphFileSource {
  /// The zip path or the folder path, for error messages.
  let location: String
  /// Paths of the file members (zip member paths, or paths relative to the folder).
  let members: [String]
  private let archive: ZipArchiveReader?

  /// Opens a zip archive. Cost O(members).
  init(zipPath: String) throws {
    let archive = try ZipArchiveReader(path: zipPath)
    self.archive = archive
    location = zipPath
    members = archive.memberPaths
  }

  /// Lists the files under `folder` (recursively). Cost O(files).
  init(folder: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
      throw DatasetError.fileNotFound(path: folder)
    }
    guard isDirectory.boolValue else {
      throw DatasetError.unreadable(path: folder, reason: "it is not a folder")
    }
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
      throw DatasetError.unreadable(path: folder, reason: "its files cannot be listed")
    }
    var files: [String] = []
    while let relative = enumerator.nextObject() as? String {
      // Plain files, and links to files (a data folder may link to a mirror).
      switch enumerator.fileAttributes?[.type] as? FileAttributeType {
      case .typeRegular?:
        files.append(relative)
      case .typeSymbolicLink?:
        var linkIsDirectory: ObjCBool = false
        let target = (folder as NSString).appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: target, isDirectory: &linkIsDirectory),
          !linkIsDirectory.boolValue
        {
          files.append(relative)
        }
      default:
        continue
      }
    }
    archive = nil
    location = folder
    members = files.sorted()
  }

  /// How a member is named in error messages: `archive.zip:member` for a
  /// zip member, the full path for a file in a folder.
  func label(_ member: String) -> String {
    archive != nil ? "\(location):\(member)" : (location as NSString).appendingPathComponent(member)
  }

  /// The path components of `member` without empty or `.` components, or
  /// `nil` for archive junk that never holds data.
  static func normalizedComponents(_ member: String) -> [Substring]? {
    let parts = member.split(whereSeparator: { $0 == "/" || $0 == "\\" }).filter { $0 != "." }
    guard let last = parts.last else { return nil }
    if parts.contains("__MACOSX") || last.hasPrefix("._") || last == ".DS_Store"
      || last.hasSuffix("~")
    {
      return nil
    }
    return parts
  }

  /// The member whose last path component is `fileName` (exact match
  /// first, then case-insensitive), or `nil` if there is none.
  ///
  /// - Throws: `DatasetError.invalidContent` when several members match.
  func member(named fileName: String) throws -> String? {
    var exact: [String] = []
    var folded: [String] = []
    let lowered = fileName.lowercased()
    for member in members {
      guard let last = Self.normalizedComponents(member)?.last else { continue }
      if last == fileName {
        exact.append(member)
      } else if last.lowercased() == lowered {
        folded.append(member)
      }
    }
    let matches = exact.isEmpty ? folded : exact
    guard matches.count <= 1 else {
      throw DatasetError.invalidContent(
        file: location,
        found: "\(matches.count) files named \(fileName): \(matches.joined(separator: ", "))",
        expected: "exactly one")
    }
    return matches.first
  }

  /// The whole member as bytes. Memory: the member's size.
  func read(_ member: String) throws -> [UInt8] {
    if let archive { return try archive.readMember(member) }
    let path = label(member)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DatasetError.unreadable(path: path, reason: "permission denied or not a regular file")
    }
    return [UInt8](data)
  }

  /// The member's size in bytes: the (validated) declared uncompressed size
  /// of a zip member, the size of a file.
  func size(of member: String) -> UInt64 {
    if let archive { return archive.declaredSize(of: member) ?? 0 }
    let attributes = try? FileManager.default.attributesOfItem(atPath: label(member))
    return (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
  }

  /// Throws unless `members` hold at most `limits.maximumUncompressedBytes`
  /// together, naming the largest; checked before anything is parsed, from
  /// the (validated) sizes in the zip's directory or the files' sizes.
  func checkTotalSize(of members: [String], limits: ReaderLimits) throws {
    let sizes = members.map { (member: $0, bytes: size(of: $0)) }
    let total = sizes.reduce(0) { $0 + $1.bytes }
    guard total > limits.maximumUncompressedBytes else { return }
    let largest = sizes.max { $0.bytes < $1.bytes }!
    throw DatasetError.exceedsLimit(
      file: location, bytes: total,
      largest: "\(label(largest.member)): \(largest.bytes) bytes",
      limit: limits.maximumUncompressedBytes)
  }

  /// Calls `consume` with successive chunks of the member's bytes.
  /// Memory: one chunk at a time.
  func stream(
    _ member: String, chunkSize: Int, _ consume: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    if let archive {
      try archive.streamMember(member, chunkSize: chunkSize, consume)
      return
    }
    try FileChunks.stream(path: label(member), chunkSize: chunkSize, consume)
  }
}

// MARK: - Byte-level tokens

/// Byte tests and number parsing on raw text, shared by the readers. Working
/// on bytes (not `String` lines) keeps multi-megabyte files fast, in debug
/// builds too.
enum TextBytes {
  static let newline: UInt8 = 0x0a
  static let comma: UInt8 = 0x2c

  /// Space, tab, carriage return, vertical tab, form feed (not newline).
  @inline(__always) static func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0d || byte == 0x0b || byte == 0x0c
  }

  /// The integer spelled by `token`: an optional sign, 1 to 18 digits and,
  /// tolerated, a zero fraction (`3.0`). `nil` for anything else.
  static func integer(_ token: UnsafeRawBufferPointer) -> Int? {
    var p = 0
    let end = token.count
    var negative = false
    if p < end && (token[p] == 0x2d || token[p] == 0x2b) {
      negative = token[p] == 0x2d
      p += 1
    }
    let digitsStart = p
    var value = 0
    while p < end {
      let digit = token[p] &- 0x30
      guard digit < 10 else { break }
      value = value &* 10 &+ Int(digit)
      p += 1
    }
    // 18 digits cannot overflow a 64-bit Int.
    guard p > digitsStart, p - digitsStart <= 18 else { return nil }
    if p < end && token[p] == 0x2e {
      p += 1
      while p < end && token[p] == 0x30 { p += 1 }
    }
    guard p == end else { return nil }
    return negative ? -value : value
  }

  /// Powers of ten exactly representable as `Double`.
  private static let powersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
  }

  /// The number spelled by `token`, parsed as a `Double` and rounded to
  /// `Float` (what `numpy.loadtxt(...).astype(float32)` gives); `nil` if it
  /// is not a number. Plain decimals take a fast exact path; exponents,
  /// `nan`, `inf` and long mantissas go through the standard library.
  static func float(_ token: UnsafeRawBufferPointer) -> Float? {
    var p = 0
    let end = token.count
    var negative = false
    if p < end && (token[p] == 0x2d || token[p] == 0x2b) {
      negative = token[p] == 0x2d
      p += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0
    var fractionDigits = 0
    var seenPoint = false
    while p < end {
      let byte = token[p]
      if byte == 0x2e && !seenPoint {
        seenPoint = true
      } else if byte &- 0x30 < 10 {
        mantissa = mantissa &* 10 &+ UInt64(byte &- 0x30)
        digits += 1
        if seenPoint { fractionDigits += 1 }
      } else {
        break
      }
      p += 1
    }
    // Exact: the mantissa (< 2^53) and the power of ten are exact doubles,
    // and one IEEE division rounds correctly.
    if p == end && digits > 0 && digits <= 15 && fractionDigits <= 22 {
      let value = Double(mantissa) / powersOfTen[fractionDigits]
      return Float(negative ? -value : value)
    }
    guard let value = Double(String(decoding: token, as: UTF8.self)) else { return nil }
    return Float(value)
  }

  /// 3 when `bytes` starts with a UTF-8 byte-order mark (some editors
  /// write one), else 0.
  static func byteOrderMarkLength(_ bytes: UnsafeRawBufferPointer) -> Int {
    bytes.count >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb && bytes[2] == 0xbf ? 3 : 0
  }

  /// `token` as printable text for an error message (at most 40 characters).
  static func quoted(_ token: UnsafeRawBufferPointer) -> String {
    let text = String(decoding: token.prefix(40), as: UTF8.self)
    return "'\(text)\(token.count > 40 ? "…" : "")'"
  }

  /// Splits the lines of `bytes` into fields separated by commas and/or
  /// blanks (`1, 2`, `1 2`, `1,2`), calling `field` for each field and
  /// `lineEnd` after each non-blank line with its 1-based number and field
  /// count. Blank lines are skipped; an empty field (`1,,2`, a leading or
  /// trailing comma) throws `DatasetError.invalidContent` naming `file` and
  /// the line. `bytes` may be one piece of a file cut after a newline: its
  /// first line is then `firstLine`, and only the first piece may start
  /// with a byte-order mark. Returns the number of the last line scanned.
  /// Cost O(bytes).
  @discardableResult
  static func scanFields(
    _ bytes: UnsafeRawBufferPointer, file: String, firstLine: Int = 1,
    field: (_ token: UnsafeRawBufferPointer, _ line: Int) throws -> Void,
    lineEnd: (_ line: Int, _ fieldCount: Int) throws -> Void
  ) throws -> Int {
    let end = bytes.count
    var p = firstLine == 1 ? TextBytes.byteOrderMarkLength(bytes) : 0
    var line = firstLine - 1
    while p < end {
      line += 1
      var fields = 0
      var expectField = false
      while true {
        while p < end && isBlank(bytes[p]) { p += 1 }
        if p == end || bytes[p] == newline {
          if expectField {
            throw DatasetError.invalidContent(
              file: "\(file) line \(line)", found: "a comma with no value after it",
              expected: "values separated by commas or spaces")
          }
          break
        }
        if bytes[p] == comma {
          throw DatasetError.invalidContent(
            file: "\(file) line \(line)", found: "an empty field",
            expected: "values separated by commas or spaces")
        }
        let start = p
        while p < end {
          let byte = bytes[p]
          if byte == comma || byte == newline || isBlank(byte) { break }
          p += 1
        }
        try field(UnsafeRawBufferPointer(rebasing: bytes[start..<p]), line)
        fields += 1
        expectField = false
        while p < end && isBlank(bytes[p]) { p += 1 }
        if p < end && bytes[p] == comma {
          expectField = true
          p += 1
        }
      }
      if fields > 0 { try lineEnd(line, fields) }
      p += 1  // past the newline (or past the end)
    }
    return line
  }
}

/// Rows of numbers of equal width from a text file (TU files, GIN fold
/// files), with the line each row came from.
///
/// Memory: the values and a few words per blank line; line numbers are not
/// stored per row but computed from the places where blank lines shift them.
struct NumericTable<Value> {
  /// Row-major values.
  var values: [Value] = []
  /// Values per row.
  var width = 0
  /// Number of rows (blank lines are not rows).
  private(set) var rowCount = 0
  /// Where row numbering and line numbering part: from `row` on, row r is
  /// on line `line + (r - row)` (until the next jump). Empty when the file
  /// has no blank lines.
  private var lineJumps: [(row: Int, line: Int)] = []
  private let expectedWidth: Int?
  private var firstLine = 0
  private let what: String
  private let parse: (UnsafeRawBufferPointer) -> Value?

  /// The 1-based line of `row`. Cost O(log(blank-line runs)).
  func line(ofRow row: Int) -> Int {
    var low = 0
    var high = lineJumps.count  // the first jump after `row` is in low...high
    while low < high {
      let middle = (low + high) / 2
      if lineJumps[middle].row <= row { low = middle + 1 } else { high = middle }
    }
    guard low > 0 else { return row + 1 }
    let jump = lineJumps[low - 1]
    return jump.line + (row - jump.row)
  }

  private init(
    width expectedWidth: Int?, what: String, parse: @escaping (UnsafeRawBufferPointer) -> Value?
  ) {
    self.expectedWidth = expectedWidth
    self.width = expectedWidth ?? 0
    self.what = what
    self.parse = parse
  }

  /// Parses `bytes` with `parse` per token; every row must have the same
  /// number of values (`width`, if given). `what` describes a value for
  /// error messages ("an integer (a node id)"). Cost O(bytes).
  ///
  /// - Throws: `DatasetError.invalidContent` naming `file` and the line of
  ///   a token `parse` rejects or a row of the wrong width.
  init(
    parsing bytes: [UInt8], file: String, width expectedWidth: Int? = nil, what: String,
    parse: @escaping (UnsafeRawBufferPointer) -> Value?
  ) throws {
    self.init(width: expectedWidth, what: what, parse: parse)
    try bytes.withUnsafeBytes { _ = try scan($0, file: file, firstLine: 1) }
  }

  /// Parses `member` of `source` as `init(parsing:…)` does, a chunk at a
  /// time, so the text is never held whole: memory is the values plus one
  /// chunk (and the longest line). `observe` sees every byte (for hashing).
  /// Cost O(bytes).
  init(
    streaming member: String, of source: GraphFileSource, width expectedWidth: Int? = nil,
    what: String, observe: (UnsafeRawBufferPointer) -> Void = { _ in },
    parse: @escaping (UnsafeRawBufferPointer) -> Value?
  ) throws {
    self.init(width: expectedWidth, what: what, parse: parse)
    let file = source.label(member)
    var pending: [UInt8] = []  // the start of a line cut by the chunk's end
    var nextLine = 1
    try source.stream(member, chunkSize: 1 << 20) { chunk in
      observe(chunk)
      guard let lastNewline = chunk.lastIndex(of: TextBytes.newline) else {
        pending.append(contentsOf: chunk)
        return
      }
      let complete = UnsafeRawBufferPointer(rebasing: chunk[...lastNewline])
      if pending.isEmpty {
        nextLine = try scan(complete, file: file, firstLine: nextLine) + 1
      } else {
        pending.append(contentsOf: complete)
        nextLine = try pending.withUnsafeBytes { try scan($0, file: file, firstLine: nextLine) } + 1
        pending.removeAll(keepingCapacity: true)
      }
      pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[(lastNewline + 1)...]))
    }
    if !pending.isEmpty {
      try pending.withUnsafeBytes { _ = try scan($0, file: file, firstLine: nextLine) }
    }
  }

  /// Adds the rows of `bytes`, whose first line is `firstLine`; returns the
  /// number of its last line.
  private mutating func scan(
    _ bytes: UnsafeRawBufferPointer, file: String, firstLine startLine: Int
  ) throws -> Int {
    try TextBytes.scanFields(
      bytes, file: file, firstLine: startLine,
      field: { token, line in
        guard let value = parse(token) else {
          throw DatasetError.invalidContent(
            file: "\(file) line \(line)", found: TextBytes.quoted(token), expected: what)
        }
        values.append(value)
      },
      lineEnd: { line, count in
        if width == 0 {
          width = count
        }
        if firstLine == 0 { firstLine = line }
        guard count == width else {
          let reference = expectedWidth != nil ? "" : " (as on line \(firstLine))"
          throw DatasetError.invalidContent(
            file: "\(file) line \(line)", found: count == 1 ? "1 value" : "\(count) values",
            expected: "\(width) per row\(reference)")
        }
        if line != self.line(ofRow: rowCount) { lineJumps.append((rowCount, line)) }
        rowCount += 1
      })
  }
}

/// Rows of integers (graph ids, labels).
typealias IntegerTable = NumericTable<Int>

extension NumericTable where Value == Int {
  /// Parses integers; `what` names a value ("a graph index").
  init(parsing bytes: [UInt8], file: String, width: Int? = nil, what: String) throws {
    try self.init(
      parsing: bytes, file: file, width: width, what: "an integer (\(what))",
      parse: TextBytes.integer)
  }

  /// Streams integers from `member`; `what` names a value ("a node label").
  init(
    streaming member: String, of source: GraphFileSource, width: Int? = nil, what: String,
    observe: (UnsafeRawBufferPointer) -> Void = { _ in }
  ) throws {
    try self.init(
      streaming: member, of: source, width: width, what: "an integer (\(what))", observe: observe,
      parse: TextBytes.integer)
  }
}

extension NumericTable where Value == Int32 {
  /// Streams integers that fit 32 bits (node ids: half the memory of `Int`).
  init(
    streaming member: String, of source: GraphFileSource, width: Int? = nil, what: String,
    observe: (UnsafeRawBufferPointer) -> Void = { _ in }
  ) throws {
    try self.init(
      streaming: member, of: source, width: width,
      what: "an integer below 2^31 (\(what))", observe: observe,
      parse: { TextBytes.integer($0).flatMap { Int32(exactly: $0) } })
  }
}

// MARK: - Categorical values

/// Maps the distinct values of a categorical column, in increasing order,
/// to 0..<K (e.g. MUTAG's graph labels -1/1 → 0/1).
struct CategoricalCodes {
  /// The file's value of each code (sorted, distinct); `nil` when the
  /// categories are tuples (several columns), which one `Int` cannot name.
  var values: [Int]?
  /// Number of codes K.
  var count: Int
  /// The code of each row.
  var codes: [Int]

  /// Codes of single values. Cost O(n log n) for the sort of distinct
  /// values, then O(n) through a lookup table (or a dictionary when the
  /// value range is much wider than n).
  init(_ raw: [Int]) {
    let distinct = Array(Set(raw)).sorted()
    values = distinct
    count = distinct.count
    guard let low = distinct.first, let high = distinct.last else {
      codes = []
      return
    }
    let span = high.subtractingReportingOverflow(low)
    if !span.overflow && span.partialValue < max(1 << 16, 4 * raw.count) {
      var table = [Int](repeating: 0, count: span.partialValue + 1)
      for (code, value) in distinct.enumerated() { table[value - low] = code }
      codes = raw.map { table[$0 - low] }
    } else {
      let lookup = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
      codes = raw.map { lookup[$0]! }
    }
  }

  /// Codes of rows of `width` values (row-major `raw`): width 1 is the
  /// single-value case; wider rows are ordered lexicographically and
  /// `values` is `nil`. Cost O(n log n · width).
  init(rows raw: [Int], width: Int) {
    if width == 1 {
      self.init(raw)
      return
    }
    let n = width == 0 ? 0 : raw.count / width
    func row(_ i: Int) -> ArraySlice<Int> { raw[(i * width)..<((i + 1) * width)] }
    let order = (0..<n).sorted { row($0).lexicographicallyPrecedes(row($1)) }
    var codes = [Int](repeating: 0, count: n)
    var code = -1
    for (rank, i) in order.enumerated() {
      if rank == 0 || row(i) != row(order[rank - 1]) { code += 1 }
      codes[i] = code
    }
    self.init(values: nil, count: code + 1, codes: codes)
  }

  private init(values: [Int]?, count: Int, codes: [Int]) {
    self.values = values
    self.count = count
    self.codes = codes
  }
}

// MARK: - Adjacency

enum AdjacencyBuilding {
  /// Sorts `row` in place and removes repeats, returning the new length.
  /// Already sorted rows (the common case in the files) cost one pass.
  @inline(__always)
  static func sortUnique(_ row: UnsafeMutableBufferPointer<Int32>) -> Int {
    var row = row
    guard row.count > 1 else { return row.count }
    var sorted = true
    for k in 1..<row.count where row[k] <= row[k - 1] {
      sorted = false
      break
    }
    if sorted { return row.count }
    row.sort()
    var write = 1
    for k in 1..<row.count where row[k] != row[write - 1] {
      row[write] = row[k]
      write += 1
    }
    return write
  }

  /// The binary adjacency of neighbour lists (`rowStart` has n + 1
  /// offsets into `neighbours`), made symmetric: duplicates collapse, an
  /// entry (i, j) without (j, i) gets its mirror, self-loops stay single
  /// diagonal entries. When the lists are already symmetric (the GIN files
  /// list each edge at both ends) this is one sort check per row and one
  /// transpose. `neighbours` is reordered in place. Cost O(n + nnz) for
  /// sorted lists, O(nnz log(max degree)) otherwise.
  static func symmetricAdjacency(
    nodeCount n: Int, rowStart: [Int], neighbours: inout [Int32]
  ) -> SparseMatrix {
    var offsets = [Int32](repeating: 0, count: n + 1)
    var columns = [Int32](repeating: 0, count: neighbours.count)
    var write = 0
    neighbours.withUnsafeMutableBufferPointer { all in
      columns.withUnsafeMutableBufferPointer { out in
        for i in 0..<n {
          let row = UnsafeMutableBufferPointer(rebasing: all[rowStart[i]..<rowStart[i + 1]])
          let kept = sortUnique(row)
          for k in 0..<kept {
            out[write] = row[k]
            write += 1
          }
          offsets[i + 1] = Int32(write)
        }
      }
    }
    columns.removeLast(columns.count - write)
    var matrix = SparseMatrix(
      rows: n, columns: n, rowOffsets: offsets, columnIndices: columns,
      values: [Float](repeating: 1, count: write))
    let transpose = matrix.transposed()
    if transpose.rowOffsets != matrix.rowOffsets || transpose.columnIndices != matrix.columnIndices
    {
      matrix = union(matrix, transpose)
    }
    return matrix
  }

  /// The entry-wise union of two binary CSR matrices with sorted rows.
  /// Cost O(rows + nnz(a) + nnz(b)).
  static func union(_ a: SparseMatrix, _ b: SparseMatrix) -> SparseMatrix {
    var offsets = [Int32](repeating: 0, count: a.rows + 1)
    var columns: [Int32] = []
    columns.reserveCapacity(a.nonzeroCount + b.nonzeroCount)
    for i in 0..<a.rows {
      var p = Int(a.rowOffsets[i])
      var q = Int(b.rowOffsets[i])
      let pEnd = Int(a.rowOffsets[i + 1])
      let qEnd = Int(b.rowOffsets[i + 1])
      while p < pEnd || q < qEnd {
        let x = p < pEnd ? a.columnIndices[p] : Int32.max
        let y = q < qEnd ? b.columnIndices[q] : Int32.max
        columns.append(min(x, y))
        if x <= y { p += 1 }
        if y <= x { q += 1 }
      }
      offsets[i + 1] = Int32(columns.count)
    }
    return SparseMatrix(
      rows: a.rows, columns: a.columns, rowOffsets: offsets, columnIndices: columns,
      values: [Float](repeating: 1, count: columns.count))
  }
}
