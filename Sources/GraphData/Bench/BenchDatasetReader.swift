import Foundation
import TensorCore

/// Reads a Bench `.npz` (FilippoMB/Benchmark_dataset_for_graph_classification
/// `datasets/`, or `BenchDatasetWriter`'s output) into a
/// `GraphClassificationDataset`.
///
/// The archive holds, for each split prefix `tr`, `val`, `te`: `P_adj`, an
/// object array of pickled SciPy CSR adjacencies (binary, symmetric);
/// `P_feat`, an object array of per-graph float32 N×5 one-hot colour
/// matrices (or one G×N×5 array when every graph has N nodes); `P_class`, a
/// float32 G×3 one-hot class matrix. Graphs are returned in the order train,
/// validation, test with `predefinedSplits = [that split]`; each node's
/// label is its colour 0..4 (the argmax of its one-hot row).
public enum BenchDatasetReader {
  /// The split prefixes, in the order the graphs are returned.
  public static let splitPrefixes = ["tr", "val", "te"]

  /// Every array a Bench archive must hold.
  public static let arrayNames = splitPrefixes.flatMap {
    ["\($0)_adj", "\($0)_feat", "\($0)_class"]
  }

  /// Loads `path` as the dataset `name` (e.g. "easy_small"; defaults to the
  /// file name without `.npz`). With `verifyChecksums`, a file whose name
  /// has a pinned SHA-256 in `DataManifest` (the published `easy_small.npz`,
  /// `hard_small.npz`) must match it. Cost O(file size) time and memory.
  ///
  /// - Throws: `DatasetError`: `.fileNotFound`, `.checksumMismatch`,
  ///   `.invalidContent` naming the archive, the member (`tr_feat.npy`) and
  ///   what was found vs expected, `.malformedPickle` for a rejected pickle.
  public static func load(
    name: String? = nil, path: String, verifyChecksums: Bool = true,
    limits: ReaderLimits = .standard
  ) throws -> GraphClassificationDataset {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError.fileNotFound(path: path)
    }
    let fileName = URL(fileURLWithPath: path).lastPathComponent
    let digest =
      verifyChecksums
      ? try DataManifest.verify(file: path, expectedName: fileName)
      : try SHA256.hexDigest(ofFileAt: path)
    let archive = try NPZReader(path: path)
    guard archive.uncompressedBytes <= limits.maximumUncompressedBytes else {
      throw DatasetError.exceedsLimit(
        file: path, bytes: archive.uncompressedBytes, largest: "all arrays together",
        limit: limits.maximumUncompressedBytes)
    }
    let missing = arrayNames.filter { !archive.contains($0) }
    guard missing.isEmpty else {
      throw DatasetError.invalidContent(
        file: path,
        found: "no member\(missing.count == 1 ? "" : "s") "
          + missing.map { "\($0).npy" }.joined(separator: ", "),
        expected: "the Bench arrays " + arrayNames.joined(separator: ", "))
    }
    var graphs: [LabeledGraph] = []
    var ranges: [Range<Int>] = []
    var classColumns: Int?
    for prefix in splitPrefixes {
      let split = try readSplit(prefix, archive: archive)
      if let columns = split.classColumns {
        if let previous = classColumns, previous != columns {
          throw DatasetError.invalidContent(
            file: archive.source(of: "\(prefix)_class.npy"), found: "\(columns) class columns",
            expected: "\(previous) as in the other splits")
        }
        classColumns = columns
      }
      ranges.append(graphs.count..<(graphs.count + split.graphs.count))
      graphs += split.graphs
    }
    let classCount = classColumns ?? BenchGenerator.classCount
    let baseName = fileName.hasSuffix(".npz") ? String(fileName.dropLast(4)) : fileName
    return GraphClassificationDataset(
      name: name ?? baseName, graphs: graphs, classCount: classCount,
      classValues: Array(0..<classCount), nodeLabelValues: Array(0..<BenchGenerator.colourCount),
      predefinedSplits: [
        GraphSplit(train: Array(ranges[0]), validation: Array(ranges[1]), test: Array(ranges[2]))
      ],
      fileChecksums: [fileName: digest])
  }

  /// The graphs of one split and the number of class columns (nil when the
  /// split is empty and stores no class matrix shape).
  static func readSplit(_ prefix: String, archive: NPZReader) throws -> (
    graphs: [LabeledGraph], classColumns: Int?
  ) {
    func fail(_ member: String, _ found: String, _ expected: String) -> DatasetError {
      .invalidContent(file: archive.source(of: "\(member).npy"), found: found, expected: expected)
    }
    let adjName = "\(prefix)_adj"
    let featName = "\(prefix)_feat"
    let className = "\(prefix)_class"

    // Classes: G×C one-hot (float32 as published; any numeric type accepted).
    let classes = try archive.array(className)
    guard let classValues = classes.doubleValues() else {
      throw fail(className, "dtype '\(classes.dataType.descr)'", "a float32 one-hot matrix ('<f4')")
    }
    let graphCount: Int
    let classColumns: Int?
    switch classes.shape.count {
    case 2 where classes.shape[1] > 0:
      graphCount = classes.shape[0]
      classColumns = classes.shape[1]
    case 1 where classes.shape[0] == 0:
      graphCount = 0
      classColumns = nil
    default:
      throw fail(className, "shape \(classes.shape)", "a 2-d one-hot matrix (graphs × classes)")
    }
    var labels: [Int] = []
    labels.reserveCapacity(min(graphCount, classValues.count))
    for g in 0..<graphCount {
      let columns = classColumns ?? 0
      guard let label = oneHotIndex(classValues[(g * columns)..<((g + 1) * columns)]) else {
        throw fail(
          className, "row \(g) = \(Array(classValues[(g * columns)..<((g + 1) * columns)]))",
          "a one-hot row")
      }
      labels.append(label)
    }

    // Adjacencies: an object array of CSR matrices.
    let adjacencyArray = try archive.array(adjName)
    let adjacencyItems: [PickleValue]
    if let items = adjacencyArray.objects {
      adjacencyItems = items
    } else if adjacencyArray.count == 0 {
      adjacencyItems = []
    } else {
      throw fail(
        adjName, "dtype '\(adjacencyArray.dataType.descr)'",
        "an object array ('|O') of SciPy CSR matrices")
    }
    guard adjacencyArray.shape.count == 1, adjacencyItems.count == graphCount else {
      throw fail(
        adjName, "shape \(adjacencyArray.shape)",
        "(\(graphCount),): one adjacency per row of \(className).npy")
    }

    // Features: per-graph N×5 arrays (object array) or one G×N×5 array.
    let featureArray = try archive.array(featName)
    var featureRows: [(values: [Float], shape: [Int])] = []
    if let items = featureArray.objects {
      guard featureArray.shape.count == 1, items.count == graphCount else {
        throw fail(featName, "shape \(featureArray.shape)", "(\(graphCount),): one per graph")
      }
      for (g, item) in items.enumerated() {
        let source = archive.source(of: "\(featName).npy") + " [\(g)]"
        do {
          let matrix = try item.numpyArray(source: source)
          featureRows.append((matrix.floatValues(), matrix.shape))
        } catch let error as PickleError {
          throw DatasetError.malformedPickle(error)
        }
      }
    } else if featureArray.count == 0 && graphCount == 0 {
      featureRows = []
    } else if featureArray.shape.count == 3, featureArray.shape[0] == graphCount,
      let values = featureArray.floatValues()
    {
      let size = featureArray.shape[1] * featureArray.shape[2]
      for g in 0..<graphCount {
        featureRows.append(
          (
            Array(values[(g * size)..<((g + 1) * size)]),
            [
              featureArray.shape[1], featureArray.shape[2],
            ]
          ))
      }
    } else {
      throw fail(
        featName, "dtype '\(featureArray.dataType.descr)' with shape \(featureArray.shape)",
        "an object array ('|O') of float32 N×\(BenchGenerator.colourCount) one-hot matrices")
    }

    var graphs: [LabeledGraph] = []
    graphs.reserveCapacity(graphCount)
    for g in 0..<graphCount {
      let adjacencySource = archive.source(of: "\(adjName).npy") + " [\(g)]"
      let adjacency: SparseMatrix
      do {
        adjacency = try adjacencyItems[g].sparseMatrix(source: adjacencySource)
      } catch let error as PickleError {
        throw DatasetError.malformedPickle(error)
      }
      let (values, shape) = featureRows[g]
      guard shape.count == 2, shape[1] == BenchGenerator.colourCount else {
        throw fail(
          featName, "graph \(g) features of shape \(shape)",
          "N×\(BenchGenerator.colourCount) (one-hot colours)")
      }
      let nodes = shape[0]
      guard adjacency.rows == nodes, adjacency.columns == nodes else {
        throw fail(
          adjName, "graph \(g): a \(adjacency.rows)×\(adjacency.columns) adjacency",
          "\(nodes)×\(nodes) (the rows of its features in \(featName).npy)")
      }
      guard adjacency.values.allSatisfy({ $0 == 1 }), adjacency.isSymmetric else {
        throw fail(
          adjName, "graph \(g): a non-binary or asymmetric adjacency", "a symmetric 0/1 matrix")
      }
      let width = BenchGenerator.colourCount
      var colours: [Int] = []
      colours.reserveCapacity(nodes)
      for node in 0..<nodes {
        let row = values[(node * width)..<((node + 1) * width)]
        guard let colour = oneHotIndex(row) else {
          throw fail(featName, "graph \(g) node \(node) features \(Array(row))", "a one-hot row")
        }
        colours.append(colour)
      }
      graphs.append(LabeledGraph(adjacency: adjacency, label: labels[g], nodeLabels: colours))
    }
    return (graphs, classColumns)
  }

  /// The index of the single 1 in a 0/1 row, or nil if the row is not one-hot.
  static func oneHotIndex<C: Collection>(_ row: C) -> Int? where C.Element: BinaryFloatingPoint {
    var index: Int?
    for (k, value) in row.enumerated() {
      if value == 1 {
        guard index == nil else { return nil }
        index = k
      } else if value != 0 {
        return nil
      }
    }
    return index
  }
}
