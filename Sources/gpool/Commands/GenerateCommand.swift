import ArgumentParser
import Foundation
import GraphData

/// `gpool generate bench`: writes a Bench dataset generated with the published recipe.
struct GenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Generate synthetic datasets.",
    subcommands: [GenerateBenchCommand.self])
}

struct GenerateBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract:
      "Generate Bench-easy / Bench-hard (full or small) as an .npz in the published layout.",
    discussion: """
      The published recipe (spec METHODS §7): per graph, points from two moons,
      Gaussian quantiles and a blob placed by class, a symmetrised k-nearest-
      neighbour graph (k = 5 easy, 3 hard), one-hot point colours as features;
      600 graphs per class (100 for the small variants); each graph goes to test
      with probability 0.1, else validation with probability 0.1, else train.
      The same seed gives the same file.
      """)

  enum Variant: String, ExpressibleByArgument, CaseIterable {
    case easy, hard
    case easySmall = "easy_small"
    case hardSmall = "hard_small"
  }

  @Option(help: "Variant: \(Variant.allCases.map(\.rawValue).joined(separator: ", ")).")
  var variant: Variant

  @Option(help: "Seed of the generator.")
  var seed: UInt64 = 0

  @Option(help: "Output .npz file (written atomically).")
  var out: String

  func run() throws {
    let dataset = try BenchGenerator.generate(variant: variant.rawValue, seed: seed)
    try BenchDatasetWriter.write(dataset, to: out)
    let split = dataset.predefinedSplits.first
    print(
      "wrote \(out): \(dataset.graphs.count) graphs "
        + "(train \(split?.train.count ?? 0), validation \(split?.validation.count ?? 0), test \(split?.test.count ?? 0)), "
        + String(
          format: "avg %.2f nodes, %.2f entries of A (%.2f undirected edges)",
          dataset.averageNodeCount, dataset.averageAdjacencyEntryCount, dataset.averageEdgeCount))
  }
}
