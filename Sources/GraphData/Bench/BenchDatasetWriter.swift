import TensorCore

/// Writes a Bench-style dataset as an `.npz` in the published layout, which
/// `BenchDatasetReader` and Python (`numpy.load(path, allow_pickle=True)`)
/// both read: per split prefix `tr`, `val`, `te`, an object array of pickled
/// `scipy.sparse.csr.csr_matrix` adjacencies (float32 data, int32 indices),
/// an object array of float32 N×5 one-hot colour matrices, and a float32
/// G×C one-hot class matrix.
public enum BenchDatasetWriter {
  /// Why a dataset cannot be written in the Bench layout.
  public struct InvalidDataset: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { "cannot write the dataset in the Bench layout: \(reason)" }
  }

  /// Writes `dataset` to `path` atomically (temporary file, then rename).
  /// The split is `dataset.predefinedSplits[0]`; node labels must be
  /// colours 0..<5. The same dataset always gives the same bytes. Cost
  /// O(total nodes + edges).
  ///
  /// - Throws: `InvalidDataset` when the dataset has no split, a graph
  ///   without node labels, or a label out of range; `NPZWriteError` when
  ///   the file cannot be written.
  public static func write(_ dataset: GraphClassificationDataset, to path: String) throws {
    guard let split = dataset.predefinedSplits.first else {
      throw InvalidDataset(reason: "it has no predefined train/validation/test split")
    }
    let colours = BenchGenerator.colourCount
    var arrays: [(name: String, array: NPYArray)] = []
    for (prefix, indices) in zip(
      BenchDatasetReader.splitPrefixes, [split.train, split.validation, split.test])
    {
      var adjacencies: [PickleValue] = []
      var features: [PickleValue] = []
      var classes: [Float] = []
      for g in indices {
        guard dataset.graphs.indices.contains(g) else {
          throw InvalidDataset(
            reason: "split index \(g) is outside the \(dataset.graphs.count) graphs")
        }
        let graph = dataset.graphs[g]
        guard let labels = graph.nodeLabels, labels.count == graph.nodeCount else {
          throw InvalidDataset(reason: "graph \(g) has no node label (colour) per node")
        }
        guard (0..<dataset.classCount).contains(graph.label) else {
          throw InvalidDataset(
            reason: "graph \(g) has class \(graph.label) of \(dataset.classCount)")
        }
        var oneHot = [Float](repeating: 0, count: labels.count * colours)
        for (node, colour) in labels.enumerated() {
          guard (0..<colours).contains(colour) else {
            throw InvalidDataset(
              reason: "graph \(g) node \(node) has colour \(colour), not 0..<\(colours)")
          }
          oneHot[node * colours + colour] = 1
        }
        adjacencies.append(.scipyCSRMatrix(graph.adjacency))
        features.append(.numpyFloat32Array(oneHot, shape: [labels.count, colours]))
        var row = [Float](repeating: 0, count: dataset.classCount)
        row[graph.label] = 1
        classes += row
      }
      arrays.append(
        ("\(prefix)_adj", NPYArray(shape: [indices.count], elements: .object(adjacencies))))
      arrays.append(
        ("\(prefix)_feat", NPYArray(shape: [indices.count], elements: .object(features))))
      arrays.append(
        (
          "\(prefix)_class",
          NPYArray(shape: [indices.count, dataset.classCount], elements: .float32(classes))
        ))
    }
    // The published archives list all adjacencies, then features, then classes
    // per split: tr_adj, tr_feat, tr_class, val_adj, …
    try NPZWriter.write(arrays, to: path)
  }
}
