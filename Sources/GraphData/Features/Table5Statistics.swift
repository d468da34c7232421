/// A dataset's row of the MinCutPool paper's Table 5 ("Summary of
/// statistics of the graph classification datasets"), measured on the loaded
/// data: samples, classes, avg. nodes, avg. edges, node attr., node labels.
public struct Table5Statistics: Sendable, Equatable, Codable {
  /// Number of graphs.
  public var samples: Int
  /// Number of classes.
  public var classes: Int
  /// (1/G) Σ_g N_g.
  public var averageNodes: Double
  /// (1/G) Σ_g E_g with E_g = `LabeledGraph.undirectedEdgeCount` (each
  /// undirected edge and each self-loop once), counted on the stored graphs
  /// before any surrogate self-loops are added.
  public var averageEdges: Double
  /// Number of node-attribute columns (0 when the dataset has none).
  public var nodeAttributeColumns: Int
  /// Whether the graphs carry categorical node labels.
  public var hasNodeLabels: Bool

  /// Measures `dataset`. Cost O(Σ_g (N_g + nnz_g)).
  public init(dataset: GraphClassificationDataset) {
    samples = dataset.graphs.count
    classes = dataset.classCount
    averageNodes = dataset.averageNodeCount
    averageEdges = dataset.averageEdgeCount
    nodeAttributeColumns = dataset.graphs.first?.nodeAttributes?.columns ?? 0
    hasNodeLabels = dataset.hasNodeLabels
  }

  enum CodingKeys: String, CodingKey {
    case samples, classes
    case averageNodes = "average_nodes"
    case averageEdges = "average_edges"
    case nodeAttributeColumns = "node_attribute_columns"
    case hasNodeLabels = "has_node_labels"
  }

  /// The "node attr." cell as the paper prints it: the column count, or "–".
  public var nodeAttributesCell: String {
    nodeAttributeColumns == 0 ? "–" : String(nodeAttributeColumns)
  }

  /// The "node labels" cell as the paper prints it: "yes" or "no".
  public var nodeLabelsCell: String { hasNodeLabels ? "yes" : "no" }

  /// The six cells in the paper's column order, averages with two decimals.
  public var cells: [String] {
    [
      String(samples), String(classes), Self.twoDecimals(averageNodes),
      Self.twoDecimals(averageEdges), nodeAttributesCell, nodeLabelsCell,
    ]
  }

  /// The paper's column headers, matching `cells`.
  public static let headers = [
    "samples", "classes", "avg. nodes", "avg. edges", "node attr.", "node labels",
  ]

  static func twoDecimals(_ x: Double) -> String {
    let hundredths = Int((x * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let magnitude = abs(hundredths)
    let fraction = magnitude % 100
    return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
  }
}

extension GraphClassificationDataset {
  /// This dataset's measured Table 5 row.
  public var table5Statistics: Table5Statistics { Table5Statistics(dataset: self) }
}
