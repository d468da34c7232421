import ArgumentParser

/// The `gpool` command-line tool: the entry point of the harness.
@main
struct GPool: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gpool",
    abstract: "Reference harness for graph pooling and graph clustering research.",
    discussion: """
      Reproduces the published tables of MinCutPool, TVGNN and NeuNcut from JSON
      configs and writes the results as CSV and HDF5 checkpoints.

      Threads: --threads N on a subcommand, or the environment variable
      GPOOL_THREADS (default 1). The same config, seed and thread count give
      bit-identical numbers.
      """,
    subcommands: [
      ReproduceCommand.self, RunCommand.self, DataCommand.self, DatasetsCommand.self,
      GenerateCommand.self,
      BenchCommand.self,
    ])
}

/// Options shared by the subcommands that compute.
struct ThreadOptions: ParsableArguments {
  @Option(
    name: .long,
    help: "Threads for OpenBLAS and the sparse kernels (default: $GPOOL_THREADS, else 1).")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads).")
    }
  }
}
