import Foundation
import TensorCore

/// Reads a dataset in the TU Dortmund graph-kernel benchmark format, from
/// its `DS.zip` or from an unzipped folder.
///
/// Files (`DS` is the dataset name): `DS_A.txt` (one edge `row, col` per
/// line, 1-based node ids over the whole dataset), `DS_graph_indicator.txt`
/// (the 1-based graph id of each node), `DS_graph_labels.txt` (one integer
/// class per graph), and optionally `DS_node_labels.txt` (integers, one row
/// per node), `DS_node_attributes.txt` (comma-separated numbers, one row per
/// node) and `DS_edge_labels.txt` (integers, one row per line of `DS_A.txt`).
/// Other files (`README.txt`, edge or graph attributes) are ignored.
///
/// ```swift
/// let proteins = try TUDatasetReader.load(name: "PROTEINS", zipPath: "data/tu/PROTEINS.zip")
/// proteins.graphs.count  // 1113
/// ```
public enum TUDatasetReader {
  /// The file suffixes of a dataset (`DS` + suffix); the first three are required.
  public static let requiredSuffixes = ["_A.txt", "_graph_indicator.txt", "_graph_labels.txt"]
  public static let optionalSuffixes = [
    "_node_labels.txt", "_node_attributes.txt", "_edge_labels.txt",
  ]

  /// Loads dataset `name` from the archive `zipPath` (e.g. `PROTEINS.zip`).
  /// Members are found by file name wherever they sit in the archive
  /// (`PROTEINS//PROTEINS_A.txt`, `PROTEINS/PROTEINS_A.txt`,
  /// `PROTEINS_A.txt`), ignoring `__MACOSX/`, `.DS_Store` and `*~` junk.
  ///
  /// The archive is hashed (`fileChecksums[archive file name]`) and, when
  /// `verifyChecksums` and `DataManifest` pins a sum for its file name,
  /// checked before it is parsed. See `load(name:folder:)` for what is
  /// built and checked. Cost O(archive bytes + E log(max degree)); NCI1 and
  /// Mutagenicity take under 0.1 s in a release build.
  ///
  /// - Throws: `DatasetError`: a missing or unreadable (e.g. truncated)
  ///   archive, a checksum mismatch, a missing or ambiguous member, or
  ///   content that does not fit the format, naming the member and line.
  public static func load(
    name: String, zipPath: String, verifyChecksums: Bool = true,
    limits: ReaderLimits = .standard
  ) throws -> GraphClassificationDataset {
    try checkName(name, location: zipPath)
    let digest = try SHA256.hexDigest(ofFileAt: zipPath)
    let archiveName = (zipPath as NSString).lastPathComponent
    if verifyChecksums { try DataManifest.verify(digest: digest, expectedName: archiveName) }
    let source = try GraphFileSource(zipPath: zipPath)
    var dataset = try load(name: name, source: source, limits: limits, hashMembers: false).dataset
    dataset.fileChecksums = [archiveName: digest]
    return dataset
  }

  /// Loads dataset `name` from `folder`, which holds its `DS_*.txt` files
  /// directly or in a subfolder (searched recursively, by file name).
  ///
  /// Builds one `LabeledGraph` per graph: nodes in file order, a symmetric
  /// binary CSR adjacency (duplicate edges collapse, self-loops are kept as
  /// stored), the class (the sorted distinct graph-label values mapped to
  /// 0..<C, recorded in `classValues`), node labels mapped the same way
  /// (`nodeLabelValues`), node attributes (N×d), and edge labels aligned to
  /// the adjacency's stored entries (an entry takes the label of the first
  /// line of `DS_A.txt` listing its edge in either direction). Label rows of
  /// several integers count as tuples, coded in lexicographic order (their
  /// `…Values` are then `nil`). Every file read is hashed into
  /// `fileChecksums`. Cost O(bytes + E log(max degree)).
  ///
  /// - Throws: `DatasetError` naming the file and the 1-based line: a
  ///   non-integer value, a node id outside 1...N or an edge between nodes
  ///   of different graphs in `DS_A.txt`, graph ids that do not run 1...G,
  ///   row counts that disagree between files, attribute rows of varying
  ///   width.
  public static func load(
    name: String, folder: String, limits: ReaderLimits = .standard
  ) throws -> GraphClassificationDataset {
    try checkName(name, location: folder)
    let source = try GraphFileSource(folder: folder)
    var (dataset, hashes) = try load(name: name, source: source, limits: limits, hashMembers: true)
    dataset.fileChecksums = hashes
    return dataset
  }

  private static func checkName(_ name: String, location: String) throws {
    guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), name != ".", name != ".."
    else {
      throw DatasetError.invalidContent(
        file: location, found: "dataset name '\(name)'",
        expected: "a plain dataset name such as PROTEINS")
    }
  }

  /// The format's work, on files from a zip or a folder, returning with the
  /// dataset the SHA-256 of each file read (by file name) when
  /// `hashMembers`. Files are parsed as they stream in, never held whole.
  /// Cost O(bytes + E log(max degree)); memory: the ids as 32-bit integers
  /// (8 bytes per line of `DS_A.txt`), then 4 bytes per stored entry (8
  /// with edge labels) while sorting, then the graphs built. Measured: 1.90
  /// GB peak for a 1 GiB `DS_A.txt` of 107 M lines (about 18 bytes a line).
  ///
  /// - Throws: `DatasetError` before parsing anything when the files hold
  ///   more than `limits.maximumUncompressedBytes` together.
  static func load(
    name: String, source: GraphFileSource, limits: ReaderLimits = .standard,
    hashMembers: Bool = false
  ) throws -> (dataset: GraphClassificationDataset, hashes: [String: String]) {
    // Find every file first so all missing ones are reported together.
    var found: [String: String] = [:]
    var missing: [String] = []
    for suffix in requiredSuffixes + optionalSuffixes {
      if let member = try source.member(named: name + suffix) {
        found[suffix] = member
      } else if requiredSuffixes.contains(suffix) {
        missing.append(source.label(name + suffix))
      }
    }
    if let first = missing.first {
      throw DatasetError.fileNotFound(path: first, alsoMissing: Array(missing.dropFirst()))
    }
    func label(_ suffix: String) -> String { source.label(found[suffix]!) }
    try source.checkTotalSize(of: Array(found.values), limits: limits)
    var hashes: [String: String] = [:]
    /// Parses the member `suffix` with `parse`, hashing it on the way when asked.
    func table<Value>(
      _ suffix: String,
      _ parse: (String, GraphFileSource, (UnsafeRawBufferPointer) -> Void) throws
        -> NumericTable<Value>
    ) throws -> NumericTable<Value>? {
      guard let member = found[suffix] else { return nil }
      guard hashMembers else { return try parse(member, source, { _ in }) }
      var hasher = SHA256()
      let parsed = try parse(member, source) { hasher.update($0) }
      hashes[(member as NSString).lastPathComponent] = hasher.finalizeHex()
      return parsed
    }

    // Graph membership: N nodes, G graphs, each node's graph and its index
    // inside its graph (nodes keep file order; a graph's nodes need not be
    // contiguous).
    let indicatorFile = label("_graph_indicator.txt")
    let indicator = try table("_graph_indicator.txt") {
      try IntegerTable(streaming: $0, of: $1, width: 1, what: "a graph id", observe: $2)
    }!
    let nodeCount = indicator.rowCount
    var graphCount = 0
    for (row, id) in indicator.values.enumerated() {
      guard id >= 1 else {
        throw DatasetError.invalidContent(
          file: "\(indicatorFile) line \(indicator.line(ofRow: row))", found: "graph id \(id)",
          expected: "graph ids from 1")
      }
      graphCount = max(graphCount, id)
    }
    guard graphCount > 0 else {
      throw DatasetError.invalidContent(
        file: indicatorFile, found: "no nodes", expected: "one graph id per node")
    }
    // Guard the allocation below against one absurd id.
    guard graphCount <= nodeCount else {
      throw DatasetError.invalidContent(
        file: indicatorFile, found: "graph id \(graphCount) with only \(nodeCount) nodes",
        expected: "graph ids running 1...G without gaps")
    }
    var graphOfNode = [Int32](repeating: 0, count: nodeCount)
    var localIndex = [Int32](repeating: 0, count: nodeCount)
    var graphSize = [Int](repeating: 0, count: graphCount)
    for (node, id) in indicator.values.enumerated() {
      graphOfNode[node] = Int32(id - 1)
      localIndex[node] = Int32(graphSize[id - 1])
      graphSize[id - 1] += 1
    }
    if let empty = graphSize.firstIndex(of: 0) {
      throw DatasetError.invalidContent(
        file: indicatorFile, found: "no node of graph \(empty + 1) (largest id \(graphCount))",
        expected: "graph ids running 1...G without gaps")
    }
    // The nodes of each graph in local order (a counting sort by graph).
    var graphStart = [Int](repeating: 0, count: graphCount + 1)
    for g in 0..<graphCount { graphStart[g + 1] = graphStart[g] + graphSize[g] }
    var nodesByGraph = [Int32](repeating: 0, count: nodeCount)
    for node in 0..<nodeCount {
      nodesByGraph[graphStart[Int(graphOfNode[node])] + Int(localIndex[node])] = Int32(node)
    }

    // Per-node files must have one row per node of the indicator.
    func checkNodeRows(_ rows: Int, suffix: String) throws {
      guard rows == nodeCount else {
        throw DatasetError.invalidContent(
          file: indicatorFile, found: "\(nodeCount) lines (one per node)",
          expected: "\(rows), the number of rows of \(label(suffix))")
      }
    }

    // Node labels and attributes.
    var nodeLabels: CategoricalCodes?
    if let table = try table(
      "_node_labels.txt",
      {
        try IntegerTable(streaming: $0, of: $1, what: "a node label", observe: $2)
      })
    {
      try checkNodeRows(table.rowCount, suffix: "_node_labels.txt")
      nodeLabels = CategoricalCodes(rows: table.values, width: table.width)
    }
    var attributes: (values: [Float], width: Int)?
    if let table = try table(
      "_node_attributes.txt",
      {
        try NumericTable<Float>(
          streaming: $0, of: $1, what: "a finite number (node attribute)", observe: $2,
          parse: { TextBytes.float($0).flatMap { $0.isFinite ? $0 : nil } })
      })
    {
      try checkNodeRows(table.rowCount, suffix: "_node_attributes.txt")
      attributes = (table.values, table.width)
    }

    // Graph classes.
    let graphLabelFile = label("_graph_labels.txt")
    let graphLabels = try table("_graph_labels.txt") {
      try IntegerTable(streaming: $0, of: $1, width: 1, what: "a graph label", observe: $2)
    }!
    guard graphLabels.rowCount == graphCount else {
      throw DatasetError.invalidContent(
        file: graphLabelFile, found: "\(graphLabels.rowCount) graph labels",
        expected: "\(graphCount), the number of graphs in \(indicatorFile)")
    }
    let classes = CategoricalCodes(graphLabels.values)

    // Edges: node ids must exist and both ends must lie in one graph.
    let edgeFile = label("_A.txt")
    var edges = try table("_A.txt") {
      try NumericTable<Int32>(streaming: $0, of: $1, width: 2, what: "a node id", observe: $2)
    }!
    let edgeCount = edges.rowCount
    guard edgeCount < Int(UInt32.max) else {
      throw DatasetError.invalidContent(
        file: edgeFile, found: "\(edgeCount) edges", expected: "fewer than 2^32")
    }
    // Directed entries grouped by source node: each line (u, v) gives
    // (u → v) and, unless a self-loop, (v → u). A key packs the target's
    // local index (high 32 bits) with the line's row (low 32 bits), so one
    // sort per row orders entries by column and, for repeats, by line.
    var degree = [Int](repeating: 0, count: nodeCount + 1)
    try edges.values.withUnsafeBufferPointer { ids in
      for e in 0..<edgeCount {
        let u = Int(ids[2 * e])
        let v = Int(ids[2 * e + 1])
        if u < 1 || u > nodeCount || v < 1 || v > nodeCount {
          throw DatasetError.invalidContent(
            file: "\(edgeFile) line \(edges.line(ofRow: e))",
            found: "node id \(u < 1 || u > nodeCount ? u : v)",
            expected: "node ids 1...\(nodeCount) (the nodes listed in \(indicatorFile))")
        }
        let gu = graphOfNode[u - 1]
        let gv = graphOfNode[v - 1]
        guard gu == gv else {
          throw DatasetError.invalidContent(
            file: "\(edgeFile) line \(edges.line(ofRow: e))",
            found: "an edge between node \(u) (graph \(gu + 1)) and node \(v) (graph \(gv + 1))",
            expected: "both ends in the same graph (per \(indicatorFile))")
        }
        degree[u] += 1
        if u != v { degree[v] += 1 }
      }
    }
    // Edge labels: one row per line of DS_A.txt.
    var edgeLabels: CategoricalCodes?
    if let table = try table(
      "_edge_labels.txt",
      {
        try IntegerTable(streaming: $0, of: $1, what: "an edge label", observe: $2)
      })
    {
      let file = label("_edge_labels.txt")
      guard table.rowCount == edgeCount else {
        throw DatasetError.invalidContent(
          file: file, found: "\(table.rowCount) edge labels",
          expected: "\(edgeCount), one per edge of \(edgeFile)")
      }
      edgeLabels = CategoricalCodes(rows: table.values, width: table.width)
    }
    for i in 0..<nodeCount { degree[i + 1] += degree[i] }

    // One graph at a time: its binary adjacency, node data in local order.
    var graphs: [LabeledGraph] = []
    graphs.reserveCapacity(graphCount)
    func emit(_ g: Int, _ offsets: [Int32], _ columns: [Int32], _ lines: [Int]?) {
      let nodes = nodesByGraph[graphStart[g]..<graphStart[g + 1]]
      let n = nodes.count
      let adjacency = SparseMatrix(
        rows: n, columns: n, rowOffsets: offsets, columnIndices: columns,
        values: [Float](repeating: 1, count: columns.count))
      let labels = nodeLabels.map { codes in nodes.map { codes.codes[Int($0)] } }
      let features = attributes.map { attributes in
        var storage: [Float] = []
        storage.reserveCapacity(n * attributes.width)
        for node in nodes {
          let start = Int(node) * attributes.width
          storage.append(contentsOf: attributes.values[start..<(start + attributes.width)])
        }
        return Matrix(rows: n, columns: attributes.width, storage: storage)
      }
      let entryLabels = edgeLabels.map { edgeLabels in lines!.map { edgeLabels.codes[$0] } }
      graphs.append(
        LabeledGraph(
          adjacency: adjacency, label: classes.codes[g], nodeLabels: labels,
          nodeAttributes: features, edgeLabels: entryLabels))
    }
    // Half the memory per entry when no edge labels need each entry's line.
    let layout = GraphLayout(
      entryStart: degree, localIndex: localIndex, graphStart: graphStart,
      nodesByGraph: nodesByGraph)
    if edgeLabels == nil {
      buildRows(UInt32.self, edges: &edges, layout: layout, emit: emit)
    } else {
      buildRows(UInt64.self, edges: &edges, layout: layout, emit: emit)
    }

    let dataset = GraphClassificationDataset(
      name: name, graphs: graphs, classCount: classes.count, classValues: classes.values ?? [],
      nodeLabelValues: nodeLabels?.values, edgeLabelValues: edgeLabels?.values)
    return (dataset, hashes)
  }

  /// Where each node's entries and each graph's nodes lie.
  private struct GraphLayout {
    /// Entries of node i (0-based) are entryStart[i] ..< entryStart[i + 1].
    var entryStart: [Int]
    var localIndex: [Int32]
    var graphStart: [Int]
    var nodesByGraph: [Int32]
  }

  /// The rows of every graph from the validated edge lines: each line
  /// (u, v) gives the entries u → v and, unless a self-loop, v → u; each
  /// row is sorted and repeats keep their first line. Calls `emit` per
  /// graph with its CSR offsets, columns and, with 64-bit keys, the line
  /// of each entry. The edge lines are released once the keys hold them, so
  /// the peak is the keys (4 or 8 bytes per entry) plus the graphs built.
  /// Cost O(E log(max degree)).
  private static func buildRows<Key: AdjacencyEntryKey>(
    _: Key.Type, edges: inout NumericTable<Int32>, layout: GraphLayout,
    emit: (_ graph: Int, _ offsets: [Int32], _ columns: [Int32], _ lines: [Int]?) -> Void
  ) {
    let nodeCount = layout.localIndex.count
    var keys = [Key](repeating: 0, count: layout.entryStart[nodeCount])
    var next = layout.entryStart
    edges.values.withUnsafeBufferPointer { ids in
      keys.withUnsafeMutableBufferPointer { keys in
        for e in 0..<edges.rowCount {
          let u = Int(ids[2 * e]) - 1
          let v = Int(ids[2 * e + 1]) - 1
          keys[next[u]] = Key(column: Int(layout.localIndex[v]), line: e)
          next[u] += 1
          if u != v {
            keys[next[v]] = Key(column: Int(layout.localIndex[u]), line: e)
            next[v] += 1
          }
        }
      }
    }
    edges.values = []  // the keys hold all that is needed now

    keys.withUnsafeMutableBufferPointer { keys in
      for g in 0..<(layout.graphStart.count - 1) {
        let nodes = layout.nodesByGraph[layout.graphStart[g]..<layout.graphStart[g + 1]]
        var offsets = [Int32](repeating: 0, count: nodes.count + 1)
        var columns: [Int32] = []
        var lines: [Int]? = Key.holdsLine ? [] : nil
        for (local, node) in nodes.enumerated() {
          var row = UnsafeMutableBufferPointer(
            rebasing: keys[layout.entryStart[Int(node)]..<layout.entryStart[Int(node) + 1]])
          row.sort()
          var previous = -1
          for key in row {
            let column = key.column
            guard column != previous else { continue }
            previous = column
            columns.append(Int32(column))
            lines?.append(key.line)
          }
          offsets[local + 1] = Int32(columns.count)
        }
        emit(g, offsets, columns, lines)
      }
    }
  }
}

/// A sortable adjacency entry: its column (a node's index inside its
/// graph) in the high bits, so sorting a row orders it by column, and the
/// line of `DS_A.txt` it came from in the low bits where there is room.
protocol AdjacencyEntryKey: FixedWidthInteger & UnsignedInteger {
  /// Whether `line` is stored (otherwise it reads 0).
  static var holdsLine: Bool { get }
  init(column: Int, line: Int)
  var column: Int { get }
  var line: Int { get }
}

/// Column and line (both below 2^32).
extension UInt64: AdjacencyEntryKey {
  static var holdsLine: Bool { true }
  init(column: Int, line: Int) { self = UInt64(UInt32(column)) << 32 | UInt64(UInt32(line)) }
  var column: Int { Int(self >> 32) }
  var line: Int { Int(self & 0xffff_ffff) }
}

/// The column alone (no edge labels to look up).
extension UInt32: AdjacencyEntryKey {
  static var holdsLine: Bool { false }
  init(column: Int, line: Int) { self = UInt32(column) }
  var column: Int { Int(self) }
  var line: Int { 0 }
}
