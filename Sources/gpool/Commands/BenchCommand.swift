import ArgumentParser
import Foundation
import GraphData
import Harness
import TensorCore

/// `gpool bench`: kernel and training-step timings on a synthetic Cora-sized graph.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time the sparse kernels and one MinCutPool training step (use a release build).",
    discussion: """
      Builds a synthetic graph (default: 2708 nodes, 5300 undirected edges,
      1433 binary features at 1.3% density, like Cora) or loads a Planetoid
      dataset (--dataset), and reports the median time and GFLOP/s of the
      sparse×dense products, each sparse product of one MinCutPool step timed
      alone and their sum, the milliseconds of one forward+backward+Adam step
      of GCS(16, ELU) → softmax → Frobenius norm and of one MinCutPool
      iteration (GCS(16, ELU) → K clusters, L_c + L_o), and how the step
      compares with its sparse products (timed inside the step and alone).
      """)

  @OptionGroup var threadOptions: ThreadOptions
  @Option(help: "Number of nodes.") var nodes = 2708
  @Option(help: "Number of undirected edges.") var edges = 5300
  @Option(help: "Number of sparse binary features.") var features = 1433
  @Option(help: "Probability that a feature is present.") var density = 0.013
  @Option(help: "Hidden units of the GCS layer.") var units = 16
  @Option(help: "Timed repetitions per measurement (the median is reported).") var repetitions = 200
  @Option(help: "Seed of the synthetic graph.") var seed: UInt64 = 0
  @Option(help: "Clusters K of the MinCutPool iteration.") var clusters = 7
  @Option(
    help:
      "Benchmark on a Planetoid dataset (cora, citeseer, pubmed) instead of the synthetic graph.")
  var dataset: String?
  @OptionGroup var data: DataDirectoryOption

  func validate() throws {
    // Bounds keep the synthetic problem allocatable and the arithmetic below from overflowing.
    guard (2...10_000_000).contains(nodes), (1...1_000_000).contains(features),
      (1...4096).contains(units), (1...1_000_000).contains(repetitions)
    else {
      throw ValidationError(
        "--nodes must be in 2…10,000,000, --features in 1…1,000,000, --units in 1…4096 and "
          + "--repetitions in 1…1,000,000.")
    }
    guard edges > 0, edges <= nodes * (nodes - 1) / 2, edges <= 100_000_000 else {
      throw ValidationError(
        "--edges must be in 1…min(\(nodes * (nodes - 1) / 2), 100,000,000) for \(nodes) nodes.")
    }
    guard density > 0, density <= 1, Double(nodes) * Double(features) * density <= 1e9 else {
      throw ValidationError(
        "--density must be in (0, 1] with at most 1e9 expected feature nonzeros.")
    }
    guard clusters > 1, clusters <= min(nodes, 4096) else {
      throw ValidationError("--clusters must be in 2…min(--nodes, 4096).")
    }
  }

  func run() throws {
    MemoryPolicy.reuseFreedMemory()  // training: reuse freed matrices (see MemoryPolicy)
    let threads =
      threadOptions.threads ?? Threading.fromEnvironment(ProcessInfo.processInfo.environment) ?? 1
    Threading.setThreadCount(threads)
    let graph: SyntheticGraph
    var loadSeconds: Double?
    if let dataset {
      let directory = data.resolved
      let clock = ContinuousClock()
      let start = clock.now
      let data = try PlanetoidLoader.load(
        name: dataset, directory: "\(directory)/planetoid/\(dataset)")
      loadSeconds = (clock.now - start).seconds
      graph = SyntheticGraph(name: data.name, adjacency: data.adjacency, features: data.features)
    } else {
      graph = SyntheticGraph(
        nodeCount: nodes, undirectedEdges: edges, featureCount: features, featureDensity: density,
        seed: seed)
    }
    #if DEBUG
      print(
        "warning: this is a debug build; timings are not representative (use `swift run -c release gpool bench`)."
      )
    #endif
    print(
      "\(graph.name) graph: \(graph.nodeCount) nodes, \(graph.adjacency.nonzeroCount / 2) undirected edges, "
        + "\(graph.features.columns) features, \(graph.features.nonzeroCount) nonzeros "
        + "(\(String(format: "%.2f", 100 * Double(graph.features.nonzeroCount) / Double(graph.nodeCount * graph.features.columns)))% dense)"
        + (loadSeconds.map { String(format: "; loaded and checked in %.3f s", $0) } ?? "")
    )
    print("threads: \(threads), repetitions: \(repetitions) (median reported)")
    let benchmark = MessagePassingBenchmark(
      graph: graph, units: units, clusters: clusters, repetitions: repetitions)
    for m in benchmark.run() {
      let rate = m.gigaflopsPerSecond.map { String(format: "%7.2f GFLOP/s", $0) } ?? ""
      let padded = m.name.padding(toLength: 62, withPad: " ", startingAt: 0)
      print(padded + String(format: " %9.4f ms  ", m.milliseconds) + rate)
    }
  }
}
