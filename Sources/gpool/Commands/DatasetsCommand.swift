import ArgumentParser
import Foundation
import GraphData
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

  func validate() throws {
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
      if features {
        let featureStart = clock.now
        let featured = try SurrogateFeatures.build(dataset: dataset, options: entry.defaultFeatures)
        print(
          "    node features: \(featured.featureCount) columns ["
            + featured.layout.summary.joined(separator: "; ") + "] in "
            + String(
              format: "%.2f s, %.1f MB", (clock.now - featureStart).seconds,
              Double(featured.featureBytes) / 1_048_576))
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

  private func compare(_ ours: Double, _ published: Double) -> String {
    String(format: "%.2f/%.2f %+.2f%%", ours, published, 100 * (ours - published) / published)
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }
}

extension Duration {
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) * 1e-18
  }
}
