import Foundation
import TensorCore

/// Reads the single-text graph-classification format of the GIN and DGCNN
/// code (`NAME/NAME.txt`, usually zipped with `10fold_idx/` split files).
///
/// Format: the first line is the number of graphs G; then, per graph, a
/// line `n label` followed by n node lines
/// `tag m nbr_1 … nbr_m [attribute …]`, where the neighbours are 0-based
/// node indices local to the graph.
///
/// The text is streamed through an incremental parser, so memory holds one
/// chunk, one line and the graphs built so far, never the whole text
/// (COLLAB's is 84 MB).
///
/// ```swift
/// let dd = try GINTextReader.load(name: "DD", zipPath: "data/gin/DD.zip")
/// dd.graphs.count            // 1178
/// dd.predefinedSplits.count  // 10 (test folds from 10fold_idx/)
/// ```
public enum GINTextReader {
  /// Loads dataset `name` from the archive `zipPath` (e.g. `COLLAB.zip`):
  /// the member whose file name is `NAME.txt` (wherever it sits, ignoring
  /// `__MACOSX/` and `.DS_Store` junk), and the fold files
  /// `10fold_idx/test_idx-K.txt` / `train_idx-K.txt` beside it, if any, as
  /// `predefinedSplits` (fold K in increasing K: test = the test file's
  /// graph indices, train = the train file's, or every other graph when
  /// the train file is missing; validation empty).
  ///
  /// Builds per graph a symmetric binary CSR adjacency (the files list each
  /// edge at both ends; a missing mirror entry is added, duplicates
  /// collapse, self-loops stay single diagonal entries), the class (sorted
  /// distinct labels → 0..<C, e.g. REDDIT-BINARY's 0/2), node labels from
  /// the tags (mapped the same way) only when the tags are not all equal,
  /// and node attributes when the node lines carry values after the
  /// neighbours.
  ///
  /// The archive is hashed (`fileChecksums[archive file name]`) and, when
  /// `verifyChecksums` and `DataManifest` pins a sum for its file name,
  /// checked before it is parsed. Cost O(text bytes + nnz); memory O(one
  /// chunk + the adjacency). COLLAB (12.3 M edges) takes a few seconds in
  /// a release build.
  ///
  /// - Throws: `DatasetError`: a missing, unreadable (e.g. truncated) or
  ///   mismatching archive, no or several `NAME.txt` members, or text that
  ///   does not fit the format, naming the member, the line and what was
  ///   expected (a non-integer token, a neighbour index out of range, fewer
  ///   node lines or graphs than announced).
  public static func load(
    name: String, zipPath: String, verifyChecksums: Bool = true, chunkSize: Int = 1 << 20,
    limits: ReaderLimits = .standard
  ) throws -> GraphClassificationDataset {
    try checkName(name, location: zipPath)
    let digest = try SHA256.hexDigest(ofFileAt: zipPath)
    let archiveName = (zipPath as NSString).lastPathComponent
    if verifyChecksums { try DataManifest.verify(digest: digest, expectedName: archiveName) }
    let source = try GraphFileSource(zipPath: zipPath)
    var dataset = try load(
      name: name, source: source, chunkSize: chunkSize, hashFiles: false, limits: limits)
    dataset.fileChecksums = [archiveName: digest]
    return dataset
  }

  /// Loads dataset `name` from `folder`, which holds `NAME.txt` (and
  /// optionally `10fold_idx/` beside it) directly or in a subfolder. Same
  /// result as `load(name:zipPath:)`; every file read is hashed into
  /// `fileChecksums`. Cost O(text bytes + nnz).
  public static func load(
    name: String, folder: String, chunkSize: Int = 1 << 20, limits: ReaderLimits = .standard
  ) throws -> GraphClassificationDataset {
    try checkName(name, location: folder)
    let source = try GraphFileSource(folder: folder)
    return try load(
      name: name, source: source, chunkSize: chunkSize, hashFiles: true, limits: limits)
  }

  /// Parses GIN text held in memory, fed to the streaming parser in chunks
  /// of `chunkSize` bytes (tests use tiny chunks to cross every boundary).
  /// `file` names the text in error messages. No fold files. Cost O(bytes + nnz).
  public static func parse(
    name: String, text: [UInt8], file: String = "<text>", chunkSize: Int = 1 << 20
  ) throws -> GraphClassificationDataset {
    precondition(chunkSize > 0, "chunk size must be positive")
    var parser = GINTextParser(file: file)
    try text.withUnsafeBytes { bytes in
      var start = 0
      while start < bytes.count {
        let end = min(start + chunkSize, bytes.count)
        try parser.consume(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        start = end
      }
    }
    return try parser.finish().dataset(name: name)
  }

  private static func checkName(_ name: String, location: String) throws {
    guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), name != ".", name != ".."
    else {
      throw DatasetError.invalidContent(
        file: location, found: "dataset name '\(name)'",
        expected: "a plain dataset name such as COLLAB")
    }
  }

  /// Streams `NAME.txt` through the parser and reads the fold files.
  private static func load(
    name: String, source: GraphFileSource, chunkSize: Int, hashFiles: Bool, limits: ReaderLimits
  ) throws -> GraphClassificationDataset {
    let textName = "\(name).txt"
    guard let textMember = try source.member(named: textName) else {
      throw DatasetError.fileNotFound(path: source.label(textName))
    }
    try source.checkTotalSize(of: [textMember], limits: limits)
    var parser = GINTextParser(file: source.label(textMember))
    var hasher = SHA256()
    try source.stream(textMember, chunkSize: chunkSize) { chunk in
      if hashFiles { hasher.update(chunk) }
      try parser.consume(chunk)
    }
    var dataset = try parser.finish().dataset(name: name)
    var checksums: [String: String] = [:]
    if hashFiles { checksums[textName] = hasher.finalizeHex() }
    dataset.predefinedSplits = try readFolds(
      source: source, textMember: textMember, graphCount: dataset.graphs.count
    ) { member, bytes in
      if hashFiles {
        checksums[(member as NSString).lastPathComponent] = SHA256.hexDigest(of: bytes)
      }
    }
    dataset.fileChecksums = checksums
    return dataset
  }

  /// The folds `K` of the files `<dir>/<folder>/test_idx-K.txt` and
  /// `train_idx-K.txt`, where `<dir>` is the text member's folder, in
  /// increasing K. Cost O(bytes of the fold files + G per fold).
  static func readFolds(
    source: GraphFileSource, textMember: String, graphCount: Int,
    didRead: (_ member: String, _ bytes: [UInt8]) -> Void
  ) throws -> [GraphSplit] {
    guard let textParts = GraphFileSource.normalizedComponents(textMember) else { return [] }
    let textFolder = Array(textParts.dropLast())
    var test: [Int: String] = [:]
    var train: [Int: String] = [:]
    for member in source.members {
      guard let parts = GraphFileSource.normalizedComponents(member), parts.count >= 2,
        Array(parts.dropLast(2)) == textFolder
      else { continue }
      let file = parts.last!
      guard file.hasSuffix(".txt") else { continue }
      let stem = file.dropLast(4)
      for (prefix, isTest) in [("test_idx-", true), ("train_idx-", false)] {
        guard stem.hasPrefix(prefix), let fold = Int(stem.dropFirst(prefix.count)) else {
          continue
        }
        let previous =
          isTest
          ? test.updateValue(member, forKey: fold)
          : train.updateValue(
            member, forKey: fold)
        if let previous {
          throw DatasetError.invalidContent(
            file: source.location, found: "two files for fold \(fold): \(previous), \(member)",
            expected: "one \(prefix)\(fold).txt")
        }
      }
    }
    if let orphan = train.keys.sorted().first(where: { test[$0] == nil }) {
      throw DatasetError.fileNotFound(
        path: source.label("test_idx-\(orphan).txt (for \(train[orphan]!))"))
    }

    func indices(_ member: String) throws -> [Int] {
      let bytes = try source.read(member)
      didRead(member, bytes)
      let file = source.label(member)
      let table = try IntegerTable(parsing: bytes, file: file, width: 1, what: "a graph index")
      var seen = [Bool](repeating: false, count: graphCount)
      for (row, index) in table.values.enumerated() {
        guard index >= 0, index < graphCount else {
          throw DatasetError.invalidContent(
            file: "\(file) line \(table.line(ofRow: row))", found: "graph index \(index)",
            expected: "0...\(graphCount - 1) (the dataset has \(graphCount) graphs)")
        }
        guard !seen[index] else {
          throw DatasetError.invalidContent(
            file: "\(file) line \(table.line(ofRow: row))", found: "graph index \(index) again",
            expected: "each graph at most once per fold file")
        }
        seen[index] = true
      }
      guard !table.values.isEmpty else {
        throw DatasetError.invalidContent(
          file: file, found: "no graph index", expected: "a non-empty fold")
      }
      return table.values
    }

    var splits: [GraphSplit] = []
    for fold in test.keys.sorted() {
      let testIndices = try indices(test[fold]!)
      var inTest = [Bool](repeating: false, count: graphCount)
      for index in testIndices { inTest[index] = true }
      let trainIndices: [Int]
      if let member = train[fold] {
        trainIndices = try indices(member)
        if let shared = trainIndices.first(where: { inTest[$0] }) {
          throw DatasetError.invalidContent(
            file: source.label(member), found: "graph index \(shared), also in \(test[fold]!)",
            expected: "train and test folds without common graphs")
        }
      } else {
        trainIndices = (0..<graphCount).filter { !inTest[$0] }
      }
      splits.append(GraphSplit(train: trainIndices, validation: [], test: testIndices))
    }
    return splits
  }
}

/// What the parser collected: per graph its adjacency, its raw label, its
/// nodes' raw tags and attributes.
struct GINTextContent {
  var adjacencies: [SparseMatrix] = []
  var labels: [Int] = []
  /// The tag of every node, graph after graph.
  var tags: [Int] = []
  /// Per graph its n×d attribute values, row-major (empty when d = 0).
  var attributes: [[Float]] = []
  /// Attribute values per node line (d); 0 when the lines carry none.
  var attributeWidth = 0

  /// The dataset: classes and tags mapped to 0..<K by sorted distinct
  /// value; tags become node labels only when they are not all equal.
  /// Cost O(nodes + G log G).
  func dataset(name: String) -> GraphClassificationDataset {
    let classes = CategoricalCodes(labels)
    let first = tags.first
    let tagCodes = tags.contains(where: { $0 != first }) ? CategoricalCodes(tags) : nil
    var graphs: [LabeledGraph] = []
    graphs.reserveCapacity(adjacencies.count)
    var nodeStart = 0
    for (g, adjacency) in adjacencies.enumerated() {
      let n = adjacency.rows
      graphs.append(
        LabeledGraph(
          adjacency: adjacency, label: classes.codes[g],
          nodeLabels: tagCodes.map { Array($0.codes[nodeStart..<(nodeStart + n)]) },
          nodeAttributes: attributeWidth == 0
            ? nil : Matrix(rows: n, columns: attributeWidth, storage: attributes[g])))
      nodeStart += n
    }
    return GraphClassificationDataset(
      name: name, graphs: graphs, classCount: classes.count, classValues: classes.values ?? [],
      nodeLabelValues: tagCodes?.values)
  }
}

/// The incremental parser: feed chunks of any size with `consume`, then
/// call `finish`. Complete lines are parsed straight from the chunk; only a
/// line cut by a chunk boundary is copied (to `carry`). A state machine
/// tracks where the next line belongs (graph count, graph header, node
/// line). Each graph's CSR is built as soon as its last node line is read.
/// Cost O(bytes + nnz log(max degree)) (one pass per row when the lists
/// are sorted, as in the published files).
struct GINTextParser {
  private enum Stage {
    case graphCount, graphHeader, nodeLine, done
  }

  /// Names the text in error messages.
  let file: String
  /// Number of the last line started (1-based).
  private var line = 0
  /// The start of a line cut by the end of the previous chunk.
  private var carry: [UInt8] = []
  private var stage = Stage.graphCount
  private var graphCount = 0
  private var graphCountLine = 0
  /// Index of the graph being read (0-based).
  private var graph = 0
  private var graphLabel = 0
  private var graphLine = 0
  /// Nodes announced for the current graph, and node lines read so far.
  private var nodeCount = 0
  private var node = 0
  /// The current graph's neighbour lists.
  private var rowStart: [Int] = [0]
  private var neighbours: [Int32] = []
  private var graphAttributes: [Float] = []
  /// Attribute values per node line (set by the first node line).
  private var attributeWidth: Int?
  private var attributeWidthLine = 0
  private var content = GINTextContent()

  /// A line longer than this is not GIN text (e.g. a binary file).
  static let maximumLineLength = 1 << 26

  init(file: String) {
    self.file = file
  }

  /// Parses the complete lines of `chunk` and keeps its unfinished last line.
  /// Cost O(chunk bytes) plus the CSR of each graph that ends in it.
  mutating func consume(_ chunk: UnsafeRawBufferPointer) throws {
    guard let base = chunk.baseAddress else { return }
    var start = 0
    while start < chunk.count {
      guard let found = memchr(base + start, Int32(TextBytes.newline), chunk.count - start) else {
        carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
        guard carry.count <= Self.maximumLineLength else {
          throw DatasetError.invalidContent(
            file: "\(file) line \(line + 1)", found: "a line of more than 64 MiB",
            expected: "GIN text (lines of numbers)")
        }
        return
      }
      let end = UnsafeRawPointer(found) - UnsafeRawPointer(base)
      line += 1
      if carry.isEmpty {
        try parseLine(UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
      } else {
        carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
        // Move the buffer out while parsing: `parseLine` mutates `self`.
        var pending: [UInt8] = []
        swap(&pending, &carry)
        try pending.withUnsafeBytes { try parseLine($0) }
        pending.removeAll(keepingCapacity: true)
        swap(&pending, &carry)
      }
      start = end + 1
    }
  }

  /// Parses a last line without a newline and checks that every announced
  /// graph and node line was read. Cost O(last line).
  mutating func finish() throws -> GINTextContent {
    if !carry.isEmpty {
      line += 1
      var pending: [UInt8] = []
      swap(&pending, &carry)
      try pending.withUnsafeBytes { try parseLine($0) }
    }
    switch stage {
    case .done:
      content.attributeWidth = attributeWidth ?? 0
      return content
    case .graphCount:
      throw DatasetError.invalidContent(
        file: file, found: "no text", expected: "the number of graphs on the first line")
    case .graphHeader:
      throw DatasetError.invalidContent(
        file: "\(file) line \(line)",
        found: "the end of the file after \(graph) graphs",
        expected: "\(graphCount) graphs (as announced on line \(graphCountLine)); truncated file?")
    case .nodeLine:
      throw DatasetError.invalidContent(
        file: "\(file) line \(line)",
        found: "the end of the file after \(node) of the \(nodeCount) node lines of graph "
          + "\(graph) (0-based, header on line \(graphLine))",
        expected: "\(nodeCount) node lines and \(graphCount) graphs; truncated file?")
    }
  }

  /// The next blank-separated token at or after `p`, or `nil` at the end.
  @inline(__always)
  private static func token(_ bytes: UnsafeRawBufferPointer, _ p: inout Int)
    -> UnsafeRawBufferPointer?
  {
    let end = bytes.count
    while p < end && TextBytes.isBlank(bytes[p]) { p += 1 }
    guard p < end else { return nil }
    let start = p
    while p < end && !TextBytes.isBlank(bytes[p]) { p += 1 }
    return UnsafeRawBufferPointer(rebasing: bytes[start..<p])
  }

  private func invalid(_ found: String, expected: String) -> DatasetError {
    DatasetError.invalidContent(file: "\(file) line \(line)", found: found, expected: expected)
  }

  /// An integer token, or an error saying what the token should have been.
  private func integer(_ token: UnsafeRawBufferPointer?, _ what: String) throws -> Int {
    guard let token else { throw invalid("the end of the line", expected: what) }
    guard let value = TextBytes.integer(token) else {
      throw invalid(TextBytes.quoted(token), expected: "an integer (\(what))")
    }
    return value
  }

  /// Parses one line (without its newline) according to the stage.
  private mutating func parseLine(_ bytes: UnsafeRawBufferPointer) throws {
    var p = line == 1 ? TextBytes.byteOrderMarkLength(bytes) : 0
    guard let first = Self.token(bytes, &p) else { return }  // blank lines carry nothing
    switch stage {
    case .graphCount:
      graphCount = try integer(first, "the number of graphs")
      guard graphCount >= 0 else {
        throw invalid("\(graphCount) graphs", expected: "a non-negative number of graphs")
      }
      try expectEnd(bytes, &p, after: "the number of graphs")
      graphCountLine = line
      content.adjacencies.reserveCapacity(min(graphCount, 1 << 20))
      content.labels.reserveCapacity(min(graphCount, 1 << 20))
      stage = graphCount == 0 ? .done : .graphHeader
    case .graphHeader:
      nodeCount = try integer(first, "the node count of graph \(graph)")
      guard nodeCount >= 0, nodeCount < Int(Int32.max) else {
        throw invalid(
          "node count \(nodeCount) for graph \(graph)", expected: "a count in 0..<2^31")
      }
      graphLabel = try integer(Self.token(bytes, &p), "the label of graph \(graph)")
      try expectEnd(bytes, &p, after: "'n label'")
      graphLine = line
      node = 0
      stage = .nodeLine
      if nodeCount == 0 { endGraph() }
    case .nodeLine:
      try parseNodeLine(bytes, first: first, &p)
      node += 1
      if node == nodeCount { endGraph() }
    case .done:
      throw invalid(
        "more text after the \(graphCount) graphs announced on line \(graphCountLine)",
        expected: "the end of the file")
    }
  }

  private func expectEnd(_ bytes: UnsafeRawBufferPointer, _ p: inout Int, after: String) throws {
    if let extra = Self.token(bytes, &p) {
      throw invalid(TextBytes.quoted(extra), expected: "nothing after \(after)")
    }
  }

  /// `tag m nbr_1 … nbr_m [attribute …]`. Cost O(line bytes).
  private mutating func parseNodeLine(
    _ bytes: UnsafeRawBufferPointer, first: UnsafeRawBufferPointer, _ p: inout Int
  ) throws {
    let context = "node \(node) of graph \(graph)"
    content.tags.append(try integer(first, "the tag of \(context)"))
    let degree = try integer(Self.token(bytes, &p), "the neighbour count of \(context)")
    guard degree >= 0 else {
      throw invalid("neighbour count \(degree)", expected: "a non-negative count for \(context)")
    }
    for k in 0..<degree {
      guard let token = Self.token(bytes, &p) else {
        throw invalid(
          "\(k) neighbour indices", expected: "\(degree) (the count given for \(context))")
      }
      guard let index = TextBytes.integer(token) else {
        throw invalid(TextBytes.quoted(token), expected: "an integer neighbour index of \(context)")
      }
      guard index >= 0 && index < nodeCount else {
        throw invalid(
          "neighbour index \(index) of \(context)",
          expected: "an index in 0...\(nodeCount - 1) (graph \(graph) has \(nodeCount) nodes)")
      }
      neighbours.append(Int32(index))
    }
    rowStart.append(neighbours.count)
    // Whatever follows the neighbours is the node's attribute vector.
    var width = 0
    while let token = Self.token(bytes, &p) {
      guard let value = TextBytes.float(token), value.isFinite else {
        throw invalid(
          TextBytes.quoted(token), expected: "a finite number (attribute of \(context))")
      }
      graphAttributes.append(value)
      width += 1
    }
    if let expected = attributeWidth {
      guard width == expected else {
        throw invalid(
          "\(width) attribute values after the neighbours of \(context)",
          expected: "\(expected), as on line \(attributeWidthLine)")
      }
    } else {
      attributeWidth = width
      attributeWidthLine = line
    }
  }

  /// Builds the finished graph's CSR and moves on to the next graph.
  private mutating func endGraph() {
    var lists: [Int32] = []
    swap(&lists, &neighbours)
    let adjacency = AdjacencyBuilding.symmetricAdjacency(
      nodeCount: nodeCount, rowStart: rowStart, neighbours: &lists)
    content.adjacencies.append(adjacency)
    content.labels.append(graphLabel)
    content.attributes.append(graphAttributes)
    lists.removeAll(keepingCapacity: true)
    swap(&lists, &neighbours)
    rowStart.removeAll(keepingCapacity: true)
    rowStart.append(0)
    graphAttributes.removeAll(keepingCapacity: true)
    graph += 1
    stage = graph == graphCount ? .done : .graphHeader
  }
}
