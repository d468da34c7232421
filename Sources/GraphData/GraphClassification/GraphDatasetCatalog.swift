import Foundation

/// The graph-classification datasets the harness knows: where each lives in
/// the data directory, which reader loads it, and the statistics published
/// for it (the MinCutPool paper's Table 5; MUTAG and NCI1, absent from that
/// table, against the TU benchmark's own statistics; the small Bench files
/// against their README).
public enum GraphDatasetCatalog {
  /// The on-disk format of a dataset.
  public enum Source: Sendable, Equatable {
    /// A TU Dortmund `DS.zip` at this path under the data directory.
    case tu(String)
    /// A GIN-format zip at this path under the data directory.
    case gin(String)
    /// A Bench `.npz` at this path under the data directory.
    case bench(String)
    /// A Bench variant generated with the published recipe when no file is
    /// present (`bench/<variant>.npz` is read instead if it exists).
    case generatedBench(variant: String, file: String)
  }

  /// How a source counts "edges" (the published numbers mix two conventions).
  public enum EdgeCounting: String, Sendable, Equatable {
    /// Each undirected edge once, each self-loop once (TU statistics, Table 5's TU/GIN rows).
    case undirectedEdges = "undirected edges"
    /// Stored entries of A, each undirected edge twice (Bench README, Table 5's Bench rows).
    case adjacencyEntries = "entries of A"
  }

  /// Published statistics of one dataset.
  public struct PublishedStatistics: Sendable, Equatable {
    public let samples: Int
    public let classes: Int
    public let averageNodes: Double
    public let averageEdges: Double
    public let nodeAttributes: String
    public let nodeLabels: String
    /// Where the numbers come from.
    public let reference: String
    /// How `averageEdges` counts.
    public var edgeCounting: EdgeCounting = .undirectedEdges
  }

  public struct Entry: Sendable, Equatable {
    /// The name used in configs and by `gpool datasets` (e.g. "PROTEINS").
    public let name: String
    /// The name in the paper, when it differs (REDDIT-BINARY is "Reddit-2K").
    public let paperName: String
    public let source: Source
    public let published: PublishedStatistics

    /// The node features the paper's protocol uses for this dataset when a
    /// config does not say: the surrogate features of the TU loader
    /// (METHODS §6) for TU and GIN datasets, the provided one-hot colours
    /// alone for Bench (REFERENCE-NOTES §1.6).
    public var defaultFeatures: SurrogateFeatureOptions {
      switch source {
      case .tu, .gin: .paperDefaults
      case .bench, .generatedBench: .providedFeaturesOnly
      }
    }
  }

  static let table5 = "MinCutPool paper, Table 5"
  static let tuStatistics = "TU benchmark statistics"
  static let benchReadme = "Bench dataset README"

  /// Every known dataset, in the order `gpool datasets` lists them.
  public static let entries: [Entry] = [
    Entry(
      name: "Bench-easy", paperName: "Bench-easy",
      source: .generatedBench(variant: "easy", file: "bench/easy.npz"),
      published: .init(
        samples: 1800, classes: 3, averageNodes: 147.82, averageEdges: 922.66, nodeAttributes: "–",
        nodeLabels: "yes", reference: table5, edgeCounting: .adjacencyEntries)),
    Entry(
      name: "Bench-hard", paperName: "Bench-hard",
      source: .generatedBench(variant: "hard", file: "bench/hard.npz"),
      published: .init(
        samples: 1800, classes: 3, averageNodes: 148.32, averageEdges: 572.32, nodeAttributes: "–",
        nodeLabels: "yes", reference: table5, edgeCounting: .adjacencyEntries)),
    Entry(
      name: "Mutagenicity", paperName: "Mutagenicity", source: .tu("tu/Mutagenicity.zip"),
      published: .init(
        samples: 4337, classes: 2, averageNodes: 30.32, averageEdges: 30.77, nodeAttributes: "–",
        nodeLabels: "yes", reference: table5)),
    Entry(
      name: "PROTEINS", paperName: "Proteins", source: .tu("tu/PROTEINS.zip"),
      published: .init(
        samples: 1113, classes: 2, averageNodes: 39.06, averageEdges: 72.82, nodeAttributes: "1",
        nodeLabels: "no", reference: table5)),
    Entry(
      name: "DD", paperName: "DD", source: .gin("gin/DD.zip"),
      published: .init(
        samples: 1178, classes: 2, averageNodes: 284.32, averageEdges: 715.66, nodeAttributes: "–",
        nodeLabels: "yes", reference: table5)),
    Entry(
      name: "COLLAB", paperName: "COLLAB", source: .gin("gin/COLLAB.zip"),
      published: .init(
        samples: 5000, classes: 3, averageNodes: 74.49, averageEdges: 2457.78, nodeAttributes: "–",
        nodeLabels: "no", reference: table5)),
    Entry(
      name: "REDDIT-BINARY", paperName: "Reddit-2K", source: .gin("gin/REDDIT-BINARY.zip"),
      published: .init(
        samples: 2000, classes: 2, averageNodes: 429.63, averageEdges: 497.75, nodeAttributes: "–",
        nodeLabels: "no", reference: table5)),
    Entry(
      name: "MUTAG", paperName: "MUTAG", source: .tu("tu/MUTAG.zip"),
      published: .init(
        samples: 188, classes: 2, averageNodes: 17.93, averageEdges: 19.79, nodeAttributes: "–",
        nodeLabels: "yes", reference: tuStatistics)),
    Entry(
      name: "NCI1", paperName: "NCI1", source: .tu("tu/NCI1.zip"),
      published: .init(
        samples: 4110, classes: 2, averageNodes: 29.87, averageEdges: 32.30, nodeAttributes: "–",
        nodeLabels: "yes", reference: tuStatistics)),
    Entry(
      name: "easy_small", paperName: "Bench-easy (small)", source: .bench("bench/easy_small.npz"),
      published: .init(
        samples: 300, classes: 3, averageNodes: 58.25, averageEdges: 358.8, nodeAttributes: "–",
        nodeLabels: "yes", reference: benchReadme, edgeCounting: .adjacencyEntries)),
    Entry(
      name: "hard_small", paperName: "Bench-hard (small)", source: .bench("bench/hard_small.npz"),
      published: .init(
        samples: 300, classes: 3, averageNodes: 58.64, averageEdges: 224.94, nodeAttributes: "–",
        nodeLabels: "yes", reference: benchReadme, edgeCounting: .adjacencyEntries)),
  ]

  /// The entry named `name` (case-insensitive; "Reddit-2K" also finds REDDIT-BINARY).
  public static func entry(named name: String) -> Entry? {
    entries.first {
      $0.name.lowercased() == name.lowercased() || $0.paperName.lowercased() == name.lowercased()
    }
  }

  /// Loads a dataset from `dataDirectory`. A missing file throws
  /// `DatasetError.fileNotFound`; a generated Bench variant is generated with
  /// `generatorSeed` when its file is absent.
  public static func load(
    _ entry: Entry, dataDirectory: String, generatorSeed: UInt64 = 0,
    limits: ReaderLimits = .standard
  ) throws -> GraphClassificationDataset {
    switch entry.source {
    case .tu(let file):
      return try TUDatasetReader.load(
        name: entry.name, zipPath: "\(dataDirectory)/\(file)", limits: limits)
    case .gin(let file):
      return try GINTextReader.load(
        name: entry.name, zipPath: "\(dataDirectory)/\(file)", limits: limits)
    case .bench(let file):
      return try BenchDatasetReader.load(
        name: entry.name, path: "\(dataDirectory)/\(file)", limits: limits)
    case .generatedBench(let variant, let file):
      let path = "\(dataDirectory)/\(file)"
      if FileManager.default.fileExists(atPath: path) {
        return try BenchDatasetReader.load(name: entry.name, path: path, limits: limits)
      }
      var generated = try BenchGenerator.generate(variant: variant, seed: generatorSeed)
      generated.name = entry.name
      // No file to hash: the content itself identifies the data in results.
      generated.fileChecksums = [
        "\(file) (generated, seed \(generatorSeed))": generated.contentDigest()
      ]
      return generated
    }
  }
}
