import TensorCore

/// A citation graph in the Planetoid split files (Cora, Citeseer, Pubmed),
/// assembled the standard way for node clustering.
public struct PlanetoidDataset: Sendable {
  /// Lower-case dataset name ("cora", "citeseer", "pubmed").
  public let name: String
  /// Symmetric binary adjacency (N×N); self-loops removed unless the loader
  /// was asked to keep them.
  public let adjacency: SparseMatrix
  /// Node features (N×F, CSR), each non-zero row normalised to sum 1.
  public let features: SparseMatrix
  /// Class of each node, `nil` for nodes without a label (Citeseer's 15
  /// feature-less test-range nodes).
  public let labels: [Int?]
  /// Number of classes.
  public let classCount: Int
  /// SHA-256 (hex) of every file read, by file name.
  public let fileChecksums: [String: String]
  /// The file the non-test feature rows came from (`ind.cora.allx`, or a
  /// stand-in such as `pubmed-allx-6sig.npz`).
  public let featureFile: String
  /// How the features differ from the published files when a stand-in was
  /// used; `nil` for the genuine files.
  public let featureNote: String?

  public init(
    name: String, adjacency: SparseMatrix, features: SparseMatrix, labels: [Int?],
    classCount: Int, fileChecksums: [String: String], featureFile: String? = nil,
    featureNote: String? = nil
  ) {
    self.name = name
    self.adjacency = adjacency
    self.features = features
    self.labels = labels
    self.classCount = classCount
    self.fileChecksums = fileChecksums
    self.featureFile = featureFile ?? "ind.\(name).allx"
    self.featureNote = featureNote
  }

  public var nodeCount: Int { adjacency.rows }

  /// Number of feature columns (F).
  public var featureCount: Int { features.columns }

  /// Number of undirected edges: each off-diagonal pair counted once, each
  /// self-loop (present only if the loader kept them) once. Cost O(N + nnz).
  public var undirectedEdgeCount: Int {
    var loops = 0
    for i in 0..<adjacency.rows {
      for p in Int(adjacency.rowOffsets[i])..<Int(adjacency.rowOffsets[i + 1])
      where Int(adjacency.columnIndices[p]) == i {
        loops += 1
      }
    }
    return (adjacency.nonzeroCount - loops) / 2 + loops
  }

  /// Indices of the nodes that have a label (the ones metrics use).
  public var labeledNodes: [Int] { labels.indices.filter { labels[$0] != nil } }
}
