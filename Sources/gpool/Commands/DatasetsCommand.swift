import ArgumentParser
import Foundation
import GraphData
import Harness
import Pooling
import TensorCore

/// `gpool datasets`: the graph-classification datasets with their statistics
/// beside the published ones.
struct DatasetsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "datasets",
    abstract: "List the graph-classification datasets with computed vs published statistics.",
    discussion: """
      For every dataset of the catalog: samples, classes, average nodes and
      average edges (each undirected edge once, each self-loop once, as the
      paper's Table 5 counts them), whether node attributes / labels exist,
      our values beside the published ones, the load time, the dataset's
      in-memory size and the process's peak memory so far. Bench-easy and
      Bench-hard are generated with the published recipe (--seed) unless
      bench/easy.npz / bench/hard.npz exist in the data directory.
      """)

  @OptionGroup var data: DataDirectoryOption

  @Option(help: "Only these datasets (repeatable), e.g. --only PROTEINS --only COLLAB.")
  var only: [String] = []

  @Option(help: "Seed of the generated Bench-easy / Bench-hard.")
  var seed: UInt64 = 0

  @Option(
    help: ArgumentHelp(
      "The most a dataset's files may hold uncompressed, in MiB (1...1048576).",
      discussion: "Checked before parsing, so a file that inflates to gigabytes gives an error."))
  var maxDatasetMib: UInt64 = ReaderLimits.standard.mebibytes

  @Flag(
    help:
      "Also build each dataset's node features as the protocol does (surrogate features for TU/GIN, colours for Bench) and report their width and time."
  )
  var features = false

  @Option(
    help: ArgumentHelp(
      "Also coarsen every graph with this precomputed pooler, two levels, and report the time (repeatable): a layer type (e.g. graclus) or a layer's JSON (e.g. '{\"type\": \"graclus\", \"feature_pooling\": \"max\"}').",
      discussion:
        "The graphs are those the Table 2 models see (the dataset's default features, so TU graphs carry A + I); the poolers are built as a run with seed --coarsening-seed builds them, one thread. Nothing is cached: the time is the full computation."
    ))
  var coarsening: [String] = []

  @Option(help: "The run seed the coarsening poolers draw their seeds from.")
  var coarseningSeed: UInt64 = 0

  func validate() throws {
    for layer in coarsening { _ = try coarseningSpec(layer) }
    guard (1...(1 << 20)).contains(maxDatasetMib) else {
      throw ValidationError("--max-dataset-mib \(maxDatasetMib) is outside 1...1048576")
    }
    for name in only where GraphDatasetCatalog.entry(named: name) == nil {
      throw ValidationError(
        "unknown dataset '\(name)'; known: \(GraphDatasetCatalog.entries.map(\.name).joined(separator: ", "))"
      )
    }
  }

  func run() throws {
    let directory = data.resolved
    let entries =
      only.isEmpty
      ? GraphDatasetCatalog.entries : only.compactMap { GraphDatasetCatalog.entry(named: $0) }
    print("data directory: \(directory)")
    print(
      "edges counted as each source counts them: TU/GIN rows (Table 5, TU statistics) count each "
        + "undirected edge once and each self-loop once, (nnz(A) + self-loops)/2; Bench rows (Table 5, "
        + "Bench README) count entries of A, nnz(A), each undirected edge twice")
    let header = [
      pad("dataset", 20), pad("samples", 13), pad("classes", 7),
      pad("avg nodes (ours/pub, Δ%)", 27),
      pad("avg edges (ours/pub, Δ%)", 29), pad("attr", 9), pad("labels", 10), pad("load s", 7),
      pad("data MB", 8), "peak RSS MB",
    ]
    print(header.joined(separator: " "))
    let clock = ContinuousClock()
    var failures = 0
    for entry in entries {
      let published = entry.published
      let start = clock.now
      let dataset: GraphClassificationDataset
      do {
        dataset = try GraphDatasetCatalog.load(
          entry, dataDirectory: directory, generatorSeed: seed,
          limits: ReaderLimits(maximumUncompressedBytes: maxDatasetMib << 20))
      } catch let error as DatasetError {
        failures += 1
        print("\(pad(entry.name, 20)) missing or unreadable")
        logToStandardError("\(entry.name): \(error)")
        continue
      }
      let seconds = (clock.now - start).seconds
      let generated: Bool
      if case .generatedBench(_, let file) = entry.source {
        generated = !FileManager.default.fileExists(atPath: "\(directory)/\(file)")
      } else {
        generated = false
      }
      let attributes =
        dataset.hasNodeAttributes ? "\(dataset.graphs[0].nodeAttributes!.columns)" : "–"
      let labels = dataset.hasNodeLabels ? "yes" : "no"
      let row = [
        pad(entry.name + (generated ? "*" : ""), 20),
        pad("\(dataset.graphs.count)/\(published.samples)", 13),
        pad("\(dataset.classCount)/\(published.classes)", 7),
        pad(compare(dataset.averageNodeCount, published.averageNodes), 27),
        pad(
          compare(
            published.edgeCounting == .adjacencyEntries
              ? dataset.averageAdjacencyEntryCount : dataset.averageEdgeCount,
            published.averageEdges), 29),
        pad("\(attributes)/\(published.nodeAttributes)", 9),
        pad("\(labels)/\(published.nodeLabels)", 10),
        pad(String(format: "%.2f", seconds), 7),
        pad(String(format: "%.1f", Double(dataset.storageBytes) / 1_048_576), 8),
        String(ComputeEnvironment.peakResidentBytes >> 20),
      ]
      print(row.joined(separator: " "))
      if features || !coarsening.isEmpty {
        let featureStart = clock.now
        let featured = try SurrogateFeatures.build(dataset: dataset, options: entry.defaultFeatures)
        print(
          "    node features: \(featured.featureCount) columns ["
            + featured.layout.summary.joined(separator: "; ") + "] in "
            + String(
              format: "%.2f s, %.1f MB", (clock.now - featureStart).seconds,
              Double(featured.featureBytes) / 1_048_576))
        for layer in coarsening {
          try reportCoarsening(try coarseningSpec(layer), of: featured)
        }
      }
    }
    print(
      "published: MinCutPool Table 5; MUTAG and NCI1 from the TU benchmark statistics; small Bench files from their README."
    )
    print(
      "* generated with the published recipe (seed \(seed)); `gpool generate bench` writes such a file."
    )
    if failures > 0 {
      logToStandardError(
        "\(failures) of \(entries.count) dataset(s) missing or unreadable (listed above): "
          + "run `make data` or pass --data-dir.")
      throw ExitCode(1)
    }
  }

  /// Coarsens every graph of `dataset` two levels with `method`, as a run
  /// does before training, and prints the time and the nodes per level.
  /// The pooling spec `--coarsening` names: a layer type with its
  /// defaults, or a layer's JSON; it must build a precomputed pooler.
  private func coarseningSpec(_ text: String) throws -> LayerSpec {
    let json = text.hasPrefix("{") ? text : #"{"type": "\#(text)"}"#
    let spec: LayerSpec
    do {
      spec = try JSONDecoder().decode(LayerSpec.self, from: Data(json.utf8))
    } catch {
      throw ValidationError(
        "--coarsening \(text): \(ConfigError.from(error, file: "--coarsening"))")
    }
    var random = RandomSource(seed: 0)
    guard
      spec.pooling?.make(
        name: "pool", inputFeatures: 1, classCount: 2, graphSizes: GraphSizes(average: 10),
        random: &random
      ).pooler is any PrecomputedPooler
    else {
      throw ValidationError(
        "--coarsening \(text): not a precomputed pooler (a trainable pooler learns its pooling in training; nothing is computed before it)"
      )
    }
    return spec
  }

  /// Coarsens every graph of `dataset` two levels with the pooler of
  /// `spec`, as a run does before training, and prints the time and the
  /// nodes per level.
  private func reportCoarsening(_ spec: LayerSpec, of dataset: FeaturedDataset) throws {
    Threading.setThreadCount(1)  // as in a run (one thread each, BLAS included)
    var random = RandomSource(seed: coarseningSeed)
    let poolers = (0..<2).map { level in
      spec.pooling!.make(
        name: "pool\(level)", inputFeatures: dataset.featureCount, classCount: dataset.classCount,
        graphSizes: GraphSizes(average: 10), random: &random
      ).pooler as! any PrecomputedPooler
    }
    let method = poolers[0].coarseningSignature.split(separator: " ").first.map(String.init) ?? "?"
    var graphs = dataset.graphs.map(\.adjacency)
    var nodes = [graphs.reduce(0) { $0 + $1.rows }]
    var edges = [graphs.reduce(0) { $0 + $1.nonzeroCount }]
    var seconds: [Double] = []
    let clock = ContinuousClock()
    for (level, pooler) in poolers.enumerated() {
      let start = clock.now
      let coarsened = try PrecomputedCoarsening.levels(of: graphs, poolers: [pooler]) { _, done in
        if done % 1024 == 0 {
          logToStandardError(
            "    \(method): level \(level + 1), \(done)/\(graphs.count) graphs")
        }
      }[0]
      seconds.append((clock.now - start).seconds)
      graphs = coarsened.map(\.adjacency)
      nodes.append(coarsened.reduce(0) { $0 + $1.clusterCount })
      edges.append(graphs.reduce(0) { $0 + $1.nonzeroCount })
    }
    let notes = poolers.compactMap(\.coarseningNotes)
    print(
      "    \(method) coarsening (2 levels, seed \(coarseningSeed)): "
        + String(
          format: "%.2f s (level 1 %.2f s, level 2 %.2f s)", seconds.reduce(0, +), seconds[0],
          seconds[1])
        + "; nodes " + nodes.map(String.init).joined(separator: " → ")
        + "; stored edges " + edges.map(String.init).joined(separator: " → ")
        + (notes.isEmpty ? "" : "; per level: " + notes.joined(separator: " | ")))
  }

  private func compare(_ ours: Double, _ published: Double) -> String {
    String(format: "%.2f/%.2f %+.2f%%", ours, published, 100 * (ours - published) / published)
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }
}
