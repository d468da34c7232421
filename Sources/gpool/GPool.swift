import ArgumentParser
import Foundation
import TensorCore

/// The `gpool` command-line tool: the entry point of the harness.
@main
struct GPool: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gpool",
    abstract: "Reference harness for graph pooling and graph clustering research.",
    discussion: """
      Built: MinCutPool's Table 1 (node clustering on Cora, Citeseer, Pubmed)
      and Table 2 (graph classification: No-pool, Dense, DiffPool, MinCutPool,
      Top-K, SAGPool, Graclus, NDP, WL); TVGNN (GTVConv, AsymCheegerCut, DMoN)
      for node clustering and graph classification; NeuNcut on vectors and
      graphs (`gpool neuncut`). Experiments under Experiments/ run with
      `gpool reproduce NAME`, here or as Slurm job arrays (--backend slurm,
      then `gpool collect NAME`). Some tables are still computing: each says
      per cell how many runs are done.

      Threads: --threads N on a subcommand, or the environment variable
      GPOOL_THREADS (default 1). The same config, seed and thread count give
      bit-identical numbers on the same machine and OpenBLAS kernel set (see
      the README, "Threads and determinism").
      """,
    subcommands: [
      ReproduceCommand.self, RunCommand.self, CollectCommand.self, RunTaskCommand.self,
      DataCommand.self, DatasetsCommand.self,
      GenerateCommand.self, EvaluateCommand.self, NeuNcutCommand.self,
      BenchCommand.self, ClassificationBenchCommand.self, FuzzCommand.self,
    ])

}

/// Options shared by the subcommands that compute.
struct ThreadOptions: ParsableArguments {
  /// Upper bound of --threads and --jobs: far more than the kernels can use
  /// (they split work into one block per thread), small enough that a typo
  /// such as 100000 cannot start a thread storm.
  static let maximum = 256

  @Option(
    name: .long, parsing: .unconditional,
    help:
      "Threads of the kernels: sparse and dense products, fused ops; 1…\(maximum) (default: $GPOOL_THREADS, else 1)."
  )
  var threads: Int?

  func validate() throws {
    if let threads, !(1...Self.maximum).contains(threads) {
      throw ValidationError("--threads must be in 1…\(Self.maximum), got \(threads).")
    }
    if threads == nil, let text = ProcessInfo.processInfo.environment["GPOOL_THREADS"],
      !text.isEmpty, !(Int(text).map { (1...Self.maximum).contains($0) } ?? false)
    {
      throw ValidationError(
        "the environment variable GPOOL_THREADS must be an integer in 1…\(Self.maximum), "
          + "got '\(text.prefix(40))'.")
    }
  }
}
