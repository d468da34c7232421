import Foundation
import GraphData
import Harness
import TensorCore

/// A reader under test: how to build a valid sample input and how to read
/// an input directory. Each reader's input is built in-process from a
/// seeded toy dataset, so a campaign needs no data directory.
public enum FuzzTarget: String, CaseIterable, Sendable {
  /// Planetoid pickles (`ind.toy.x` … `ind.toy.graph`, `ind.toy.test.index`).
  case planetoid
  /// A TU graph-kernel zip (`TOY.zip` with `TOY/TOY_A.txt` …).
  case tu
  /// A GIN text zip (`TOY.zip` with `TOY/TOY.txt` and `10fold_idx/`).
  case gin
  /// A Bench `.npz` (pickled SciPy matrices in NumPy object arrays).
  case bench
  /// A NumPy `.npy` array.
  case npy
  /// A CSR matrix as an `.npz` of numeric arrays (Pubmed's substitute layout).
  case csrNPZ = "csr-npz"
  /// An HDF5 checkpoint with its SHA-256 file beside it.
  case checkpoint
  /// A run configuration (JSON).
  case config

  /// What one input is.
  public var summary: String {
    switch self {
    case .planetoid: "Planetoid pickles and test.index (PlanetoidLoader)"
    case .tu: "TU graph-kernel zip (TUDatasetReader)"
    case .gin: "GIN text zip with folds (GINTextReader)"
    case .bench: "Bench .npz of pickled SciPy matrices (BenchDatasetReader)"
    case .npy: ".npy array (NumPyReader)"
    case .csrNPZ: "CSR .npz of numeric arrays (SparseMatrix.readNPZ)"
    case .checkpoint: "HDF5 checkpoint + .sha256 (Checkpoint.read)"
    case .config: "run config JSON (RunConfig.load)"
    }
  }

  /// The file the reader is pointed at (a directory for Planetoid).
  func entryPoint(in directory: String) -> String {
    switch self {
    case .planetoid: directory
    case .tu, .gin: "\(directory)/TOY.zip"
    case .bench: "\(directory)/toy.npz"
    case .npy: "\(directory)/array.npy"
    case .csrNPZ: "\(directory)/matrix.npz"
    case .checkpoint: "\(directory)/model.h5"
    case .config: "\(directory)/config.json"
    }
  }

  /// Whether a successful read of a changed input is itself a failure:
  /// a checkpoint must never load once its bytes changed.
  var mustRefuseChangedInput: Bool { self == .checkpoint }

  /// The file whose change `mustRefuseChangedInput` is about.
  var guardedFile: String? { self == .checkpoint ? "model.h5" : nil }

  /// Reads the input at `path` (`entryPoint`, or a file given to replay),
  /// with `limits` for the dataset readers. Returns a one-line account of
  /// what loaded.
  public func read(_ path: String, limits: ReaderLimits) throws -> String {
    func baseName() -> String {
      ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }
    switch self {
    case .planetoid:
      let name = try Self.planetoidName(in: path)
      let data = try PlanetoidLoader.load(name: name, directory: path)
      return "\(data.nodeCount) nodes, \(data.undirectedEdgeCount) edges"
    case .tu:
      let data = try TUDatasetReader.load(
        name: baseName(), zipPath: path, verifyChecksums: false, limits: limits)
      return "\(data.graphs.count) graphs, \(data.averageEdgeCount) edges on average"
    case .gin:
      let data = try GINTextReader.load(
        name: baseName(), zipPath: path, verifyChecksums: false, limits: limits)
      return "\(data.graphs.count) graphs, \(data.predefinedSplits.count) folds"
    case .bench:
      let data = try BenchDatasetReader.load(path: path, verifyChecksums: false, limits: limits)
      return "\(data.graphs.count) graphs"
    case .npy:
      let array = try NumPyReader.read(path: path)
      return "shape \(array.shape)"
    case .csrNPZ:
      let matrix = try SparseMatrix.readNPZ(path: path)
      return "\(matrix.rows)×\(matrix.columns), \(matrix.nonzeroCount) nonzeros"
    case .checkpoint:
      let checkpoint = try Checkpoint.read(from: path)
      return "\(checkpoint.parameters.count) parameters at iteration \(checkpoint.iteration)"
    case .config:
      let config = try RunConfig.load(from: path)
      return "\(config.method), \(config.model?.count ?? 0) layers"
    }
  }

  /// The `NAME` of the `ind.NAME.x` file in a Planetoid folder.
  static func planetoidName(in directory: String) throws -> String {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    guard let x = files.first(where: { $0.hasPrefix("ind.") && $0.hasSuffix(".x") }) else {
      throw DatasetError.fileNotFound(path: "\(directory)/ind.NAME.x")
    }
    return String(x.dropFirst(4).dropLast(2))
  }

  /// A valid input, built from a toy dataset drawn with `random`.
  func sample(random: inout RandomSource, scratch: String) throws -> FuzzSample {
    let toy = ToyGraphs(random: &random)
    switch self {
    case .planetoid:
      return toy.planetoidSample()
    case .tu:
      return FuzzSample(files: [("TOY.zip", .zip(members: toy.tuMembers()))])
    case .gin:
      return FuzzSample(files: [("TOY.zip", .zip(members: toy.ginMembers()))])
    case .bench:
      return FuzzSample(
        files: [("toy.npz", .zip(members: try toy.benchMembers(scratch: scratch)))])
    case .npy:
      let values = (0..<12).map { Float($0) * 0.5 - 2 }
      let array = NPYArray(shape: [3, 4], elements: .float32(values))
      return FuzzSample(files: [("array.npy", .plain(NumPyWriter.encode(array)))])
    case .csrNPZ:
      let matrix = toy.graphs[0].adjacency
      let arrays: [(String, NPYArray)] = [
        ("data", NPYArray(shape: [matrix.nonzeroCount], elements: .float32(matrix.values))),
        (
          "indices",
          NPYArray(shape: [matrix.nonzeroCount], elements: .int32(matrix.columnIndices))
        ),
        ("indptr", NPYArray(shape: [matrix.rows + 1], elements: .int32(matrix.rowOffsets))),
        (
          "shape",
          NPYArray(shape: [2], elements: .int64([Int64(matrix.rows), Int64(matrix.columns)]))
        ),
      ]
      return FuzzSample(
        files: [
          (
            "matrix.npz",
            .zip(
              members: arrays.map {
                FuzzSample.Member(path: "\($0.0).npy", bytes: NumPyWriter.encode($0.1))
              })
          )
        ])
    case .checkpoint:
      let path = "\(scratch)/model.h5"
      try ToyGraphs.checkpoint(random: &random).write(to: path)
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      let digest = [UInt8](
        try Data(contentsOf: URL(fileURLWithPath: Checkpoint.digestPath(for: path))))
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: Checkpoint.digestPath(for: path))
      return FuzzSample(files: [("model.h5", .plain(bytes)), ("model.h5.sha256", .plain(digest))])
    case .config:
      let text = """
        {
          "method": "MinCutPool",
          "task": "node_clustering",
          "dataset": {"name": "cora", "remove_self_loops": true},
          "model": [
            {"type": "gcs", "units": 16, "activation": "elu", "kernel_initializer": "he_normal"},
            {"type": "mincut", "k": 7, "mlp_hidden": [16]}
          ],
          "loss_weights": {"cut": 1.0, "orthogonality": 1.0},
          "optimizer": {"type": "adam", "learning_rate": 5e-4},
          "iterations": 20,
          "log_every": 10
        }

        """
      return FuzzSample(files: [("config.json", .plain(Array(text.utf8)))])
    }
  }
}
