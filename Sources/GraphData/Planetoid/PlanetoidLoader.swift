import Foundation
import TensorCore

/// Reads the Planetoid split files `ind.<name>.{x,tx,allx,y,ty,ally,graph,
/// test.index}` and assembles them as the reference GCN code does.
public enum PlanetoidLoader {
  /// The file suffixes of one dataset, in the order they are read.
  public static let fileSuffixes = ["x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"]

  /// The file names of dataset `name` (`ind.cora.x`, …), in reading order.
  public static func fileNames(name: String) -> [String] {
    fileSuffixes.map { "ind.\(name.lowercased()).\($0)" }
  }

  /// Loads dataset `name` ("cora", "citeseer", "pubmed"; case-insensitive)
  /// from `directory`, the folder holding its eight `ind.*` files.
  ///
  /// - Features: `vstack(allx, tx)` with the test rows placed at the node ids
  ///   listed in `test.index`; ids missing from the test range (Citeseer has
  ///   15) get zero rows. Every row is divided by its sum (zero rows stay 0).
  /// - Labels: the argmax of the one-hot rows of `vstack(ally, ty)`, placed
  ///   the same way; nodes with an all-zero or missing row get `nil`.
  /// - Adjacency: binary and symmetric from the `graph` dict of neighbour
  ///   lists, duplicates collapsed, self-loops dropped when
  ///   `removeSelfLoops`.
  ///
  /// - Pubmed's `ind.pubmed.allx` is not in the offline mirror: where it is
  ///   missing and its stand-in (`DataManifest.substitutes`,
  ///   `pubmed-allx-6sig.npz`, the same rows to 6 significant digits) is in
  ///   `directory`, the stand-in is read instead and the dataset records it
  ///   (`featureFile`, `featureNote`). The genuine file wins where present.
  ///
  /// Each file is hashed (`fileChecksums`) and, when `verifyChecksums` and
  /// `DataManifest` pins a sum for it, checked before it is parsed.
  /// Cost O(file bytes + N + nnz log(max degree)); Cora takes well under a
  /// second in a debug build.
  ///
  /// - Throws: `DatasetError` naming the file and the problem: a missing or
  ///   unreadable file, a checksum mismatch, a pickle the safe reader rejects,
  ///   or content that does not fit the format (shapes, ids, one-hot rows).
  public static func load(
    name: String, directory: String, removeSelfLoops: Bool = true, verifyChecksums: Bool = true
  ) throws -> PlanetoidDataset {
    let name = name.lowercased()
    guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
      throw DatasetError.invalidDatasetName(name)
    }
    // Report every missing file at once, before any parsing work.
    let names = fileNames(name: name)
    let paths = names.map { (directory as NSString).appendingPathComponent($0) }
    var missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
    // A missing allx with a stand-in beside it (Pubmed) is read from the stand-in.
    let allxName = "ind.\(name).allx"
    var allxSubstitute: (path: String, entry: DataManifest.Substitute)?
    if let index = missing.firstIndex(where: { $0.hasSuffix("/" + allxName) || $0 == allxName }),
      let entry = DataManifest.substitute(for: allxName)
    {
      let fileName = entry.substitute.split(separator: "/").last.map(String.init)!
      let path = (directory as NSString).appendingPathComponent(fileName)
      if FileManager.default.fileExists(atPath: path) {
        missing.remove(at: index)
        allxSubstitute = (path, entry)
      }
    }
    if let first = missing.first {
      throw DatasetError.fileNotFound(path: first, alsoMissing: Array(missing.dropFirst()))
    }

    var checksums: [String: String] = [:]
    func read(_ suffix: String) throws -> (name: String, bytes: [UInt8]) {
      let fileName = "ind.\(name).\(suffix)"
      let path = (directory as NSString).appendingPathComponent(fileName)
      guard let data = FileManager.default.contents(atPath: path) else {
        throw FileManager.default.fileExists(atPath: path)
          ? DatasetError.unreadable(path: path, reason: "permission denied or not a regular file")
          : DatasetError.fileNotFound(path: path)
      }
      let bytes = [UInt8](data)
      let digest = SHA256.hexDigest(of: bytes)
      if verifyChecksums { try DataManifest.verify(digest: digest, expectedName: fileName) }
      checksums[fileName] = digest
      return (path, bytes)  // messages name the file by its path
    }
    func unpickle(_ suffix: String) throws -> (name: String, value: PickleValue) {
      let file = try read(suffix)
      return (file.name, try decoding { try SafeUnpickler.unpickle(file.bytes, source: file.name) })
    }
    func sparse(_ suffix: String) throws -> (name: String, matrix: SparseMatrix) {
      let file = try unpickle(suffix)
      return (file.name, try decoding { try file.value.sparseMatrix(source: file.name) })
    }
    func labels(_ suffix: String) throws -> LabelMatrix {
      let file = try unpickle(suffix)
      let array = try decoding { try file.value.numpyArray(source: file.name) }
      return try LabelMatrix(array, file: file.name)
    }

    let x = try sparse("x")
    let y = try labels("y")
    let tx = try sparse("tx")
    let ty = try labels("ty")
    let allx: (name: String, matrix: SparseMatrix)
    let featureNote: String?
    if let (path, entry) = allxSubstitute {
      let fileName = (path as NSString).lastPathComponent
      let digest = try SHA256.hexDigest(ofFileAt: path)
      if verifyChecksums { try DataManifest.verify(digest: digest, expectedName: fileName) }
      checksums[fileName] = digest
      allx = (path, try SparseMatrix.readNPZ(path: path))
      featureNote = entry.note
    } else {
      allx = try sparse("allx")
      featureNote = nil
    }
    let ally = try labels("ally")
    let graphFile = try unpickle("graph")
    let graph = try decoding { try graphFile.value.adjacencyLists(source: graphFile.name) }
    let indexFile = try read("test.index")
    let testIndex = try parseTestIndex(indexFile.bytes, file: indexFile.name)

    // Shapes must agree across files.
    let featureCount = allx.matrix.columns
    for file in [x, tx] where file.matrix.columns != featureCount {
      throw DatasetError.invalidContent(
        file: file.name, found: "\(file.matrix.columns) feature columns",
        expected: "\(featureCount) (the columns of \(allx.name))")
    }
    let classCount = ally.columns
    for (file, rows, expectedRows, rowSource) in [
      (y, y.rows, x.matrix.rows, x.name), (ty, ty.rows, tx.matrix.rows, tx.name),
      (ally, ally.rows, allx.matrix.rows, allx.name),
    ] {
      guard rows == expectedRows else {
        throw DatasetError.invalidContent(
          file: file.file, found: "\(rows) label rows",
          expected: "\(expectedRows) (the rows of \(rowSource))")
      }
      guard file.columns == classCount else {
        throw DatasetError.invalidContent(
          file: file.file, found: "\(file.columns) classes",
          expected: "\(classCount) (as in \(ally.file))")
      }
    }
    guard classCount > 0 else {
      throw DatasetError.invalidContent(
        file: ally.file, found: "0 classes", expected: "at least one class")
    }
    guard testIndex.count == tx.matrix.rows else {
      throw DatasetError.invalidContent(
        file: indexFile.name, found: "\(testIndex.count) test node ids",
        expected: "\(tx.matrix.rows) (the rows of \(tx.name))")
    }

    // Node layout: allx rows are nodes 0..<A; the test rows cover the id
    // range min...max of test.index, which must start right after them.
    let trainCount = allx.matrix.rows
    var nodeCount = trainCount
    var testRowOfNode: [Int] = []  // by node id - trainCount; -1 = no row
    if let low = testIndex.min(), let high = testIndex.max() {
      guard low == trainCount else {
        throw DatasetError.invalidContent(
          file: indexFile.name, found: "smallest test node id \(low)",
          expected: "\(trainCount) (the rows of \(allx.name); test nodes follow them)")
      }
      // Gaps are rare (Citeseer: 15 in 1015 ids); a huge range means a
      // corrupt file and would only allocate empty rows.
      guard high - low < 2 * testIndex.count else {
        throw DatasetError.invalidContent(
          file: indexFile.name, found: "test node ids \(low)...\(high) for \(testIndex.count) rows",
          expected: "a range less than twice the number of test rows")
      }
      nodeCount = high + 1
      testRowOfNode = [Int](repeating: -1, count: high - low + 1)
      for (row, node) in testIndex.enumerated() {
        guard testRowOfNode[node - low] < 0 else {
          throw DatasetError.invalidContent(
            file: indexFile.name, found: "node id \(node) listed twice",
            expected: "distinct node ids")
        }
        testRowOfNode[node - low] = row
      }
    }
    // Where each node's feature and label rows come from.
    func source(of node: Int) -> (fromTest: Bool, row: Int)? {
      if node < trainCount { return (false, node) }
      let row = testRowOfNode[node - trainCount]
      return row < 0 ? nil : (true, row)
    }

    // Features: copy rows in node order, dividing each by its sum.
    var offsets = [Int32](repeating: 0, count: nodeCount + 1)
    var columns: [Int32] = []
    var values: [Float] = []
    columns.reserveCapacity(allx.matrix.nonzeroCount + tx.matrix.nonzeroCount)
    values.reserveCapacity(allx.matrix.nonzeroCount + tx.matrix.nonzeroCount)
    for node in 0..<nodeCount {
      if let origin = source(of: node) {
        let matrix = origin.fromTest ? tx.matrix : allx.matrix
        let row = origin.row
        let range = Int(matrix.rowOffsets[row])..<Int(matrix.rowOffsets[row + 1])
        var sum: Double = 0
        for p in range { sum += Double(matrix.values[p]) }
        columns.append(contentsOf: matrix.columnIndices[range])
        if sum == 0 {
          values.append(contentsOf: matrix.values[range])
        } else {
          for p in range { values.append(Float(Double(matrix.values[p]) / sum)) }
        }
      }
      offsets[node + 1] = Int32(columns.count)
    }
    let features = SparseMatrix(
      rows: nodeCount, columns: featureCount, rowOffsets: offsets, columnIndices: columns,
      values: values)

    // Labels, placed like the features.
    let nodeLabels: [Int?] = (0..<nodeCount).map { node in
      guard let origin = source(of: node) else { return nil }
      return origin.fromTest ? ty.labels[origin.row] : ally.labels[origin.row]
    }

    // Adjacency from the neighbour lists.
    var edges: [(Int, Int)] = []
    edges.reserveCapacity(graph.reduce(0) { $0 + $1.neighbours.count })
    for (node, neighbours) in graph {
      for id in [node] + neighbours where id >= nodeCount {
        throw DatasetError.invalidContent(
          file: graphFile.name, found: "node id \(id) (in the entry of node \(node))",
          expected:
            "node ids below \(nodeCount) (the number of nodes in \(allx.name) and \(indexFile.name))"
        )
      }
      for neighbour in neighbours { edges.append((node, neighbour)) }
    }
    let adjacency = binarySymmetricAdjacency(
      nodeCount: nodeCount, edges: edges, keepSelfLoops: !removeSelfLoops)

    return PlanetoidDataset(
      name: name, adjacency: adjacency, features: features, labels: nodeLabels,
      classCount: classCount, fileChecksums: checksums,
      featureFile: (allx.name as NSString).lastPathComponent,
      featureNote: featureNote)
  }

  /// Wraps the reader's `PickleError` into the loader's error type.
  private static func decoding<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as PickleError {
      throw DatasetError.malformedPickle(error)
    }
  }

  /// The node ids of `test.index`: one non-negative integer per line; blank
  /// lines (a trailing newline) are ignored. Cost O(bytes).
  static func parseTestIndex(_ bytes: [UInt8], file: String) throws -> [Int] {
    var ids: [Int] = []
    ids.reserveCapacity(bytes.count / 4)
    var lineNumber = 0
    for line in bytes.split(separator: 0x0a, omittingEmptySubsequences: false) {
      lineNumber += 1
      let text = String(decoding: line, as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
      if text.isEmpty { continue }
      guard let id = Int(text), id >= 0 else {
        throw DatasetError.invalidContent(
          file: file, found: "'\(text.prefix(40))' on line \(lineNumber)",
          expected: "one node id per line")
      }
      ids.append(id)
    }
    return ids
  }

  /// The binary symmetric adjacency of `edges` in CSR form, built by
  /// counting rows then sorting each row (cheaper than a global sort of
  /// (row, column) pairs). Cost O(N + E log(max degree)).
  static func binarySymmetricAdjacency(
    nodeCount: Int, edges: [(Int, Int)], keepSelfLoops: Bool
  ) -> SparseMatrix {
    var counts = [Int](repeating: 0, count: nodeCount + 1)
    for (u, v) in edges {
      if u == v {
        if keepSelfLoops { counts[u + 1] += 1 }
      } else {
        counts[u + 1] += 1
        counts[v + 1] += 1
      }
    }
    for i in 0..<nodeCount { counts[i + 1] += counts[i] }
    var next = counts
    var slots = [Int32](repeating: 0, count: counts[nodeCount])
    for (u, v) in edges {
      if u == v {
        guard keepSelfLoops else { continue }
        slots[next[u]] = Int32(u)
        next[u] += 1
      } else {
        slots[next[u]] = Int32(v)
        next[u] += 1
        slots[next[v]] = Int32(u)
        next[v] += 1
      }
    }
    // Sort each row and drop repeats in place.
    var offsets = [Int32](repeating: 0, count: nodeCount + 1)
    var write = 0
    for i in 0..<nodeCount {
      let row = slots[counts[i]..<counts[i + 1]].sorted()
      var previous: Int32 = -1
      for column in row where column != previous {
        slots[write] = column
        write += 1
        previous = column
      }
      offsets[i + 1] = Int32(write)
    }
    slots.removeLast(slots.count - write)
    return SparseMatrix(
      rows: nodeCount, columns: nodeCount, rowOffsets: offsets, columnIndices: slots,
      values: [Float](repeating: 1, count: write)
    ).assumingSymmetric()
  }
}

/// A one-hot label file (`y`, `ty`, `ally`) reduced to one class per row.
private struct LabelMatrix {
  let file: String
  let rows: Int
  let columns: Int
  /// The class of each row; `nil` for an all-zero row.
  let labels: [Int?]

  /// Checks that `array` is a 2-d integer array of 0/1 with at most one 1
  /// per row. Cost O(rows × columns).
  init(_ array: NumPyArray, file: String) throws {
    guard array.shape.count == 2 else {
      throw DatasetError.invalidContent(
        file: file, found: "an array of shape \(array.shape)",
        expected: "a 2-d one-hot label matrix")
    }
    guard let values = array.integerValues() else {
      throw DatasetError.invalidContent(
        file: file, found: "\(array.dtypeName) labels", expected: "an integer one-hot matrix")
    }
    guard array.shape[1] > 0 else {
      throw DatasetError.invalidContent(
        file: file, found: "a label matrix with 0 columns", expected: "one column per class")
    }
    self.file = file
    rows = array.shape[0]
    columns = array.shape[1]
    var labels: [Int?] = []
    labels.reserveCapacity(min(rows, values.count))
    for i in 0..<rows {
      var label: Int?
      for j in 0..<columns {
        switch values[i * columns + j] {
        case 0: continue
        case 1 where label == nil: label = j
        case 1:
          throw DatasetError.invalidContent(
            file: file, found: "row \(i) with more than one 1", expected: "one-hot rows")
        case let value:
          throw DatasetError.invalidContent(
            file: file, found: "value \(value) in row \(i)", expected: "one-hot rows of 0 and 1")
        }
      }
      labels.append(label)
    }
    self.labels = labels
  }
}
