import Foundation
import GraphData
import TensorCore

/// Recomputes a finished node-clustering run's reported metrics from its
/// checkpoint: the checkpoint is checked against the SHA-256 in the run's
/// record before HDF5 reads it, the model is rebuilt from the config stored
/// in it, its parameters restored, and argmax S scored against the labels.
/// A checkpoint that is not the one the run wrote, or whose parameters do
/// not reproduce the recorded scores, is an error.
public enum CheckpointEvaluation {
  /// What the record says and what the checkpoint gives.
  public struct Outcome: Sendable {
    public let recorded: NodeClusteringResult
    public let recomputed: ClusteringScores
    /// Whether NMI, completeness, homogeneity and accuracy agree to the six
    /// decimals the tables print.
    public var agrees: Bool {
      func same(_ a: Double, _ b: Double) -> Bool { Swift.abs(a - b) < 5e-7 }
      return same(recorded.nmi, recomputed.nmi)
        && same(recorded.completeness, recomputed.completeness)
        && same(recorded.homogeneity, recomputed.homogeneity)
        && same(recorded.accuracy, recomputed.accuracy)
    }
  }

  /// Evaluates the run recorded in `runRecord` (`results/<exp>/runs/<id>.json`)
  /// with its checkpoint `results/<exp>/checkpoints/<id>.h5`, reading data
  /// from `dataDirectory`. Cost: loading the dataset plus one forward pass.
  public static func evaluate(runRecord: String, dataDirectory: String) throws -> Outcome {
    let recorded = try JSONDecoder.decodeFile(
      NodeClusteringResult.self, at: runRecord, what: "a run record")
    guard let digest = recorded.checkpointSHA256 else {
      throw CheckpointError(
        "\(runRecord): the run records no checkpoint SHA-256 (a baseline, or a run written "
          + "before checkpoints were hashed); recompute it with --force")
    }
    let runs = URL(fileURLWithPath: runRecord).deletingLastPathComponent()
    let id = URL(fileURLWithPath: runRecord).deletingPathExtension().lastPathComponent
    let checkpointPath = runs.deletingLastPathComponent()
      .appendingPathComponent("checkpoints/\(id).h5").path
    let checkpoint = try Checkpoint.read(from: checkpointPath, expectedSHA256: digest)
    let config: RunConfig
    do {
      config = try JSONDecoder().decode(RunConfig.self, from: Data(checkpoint.config.utf8))
    } catch {
      throw CheckpointError("\(checkpointPath): the stored config does not decode (\(error))")
    }
    guard let layers = config.model else {
      throw CheckpointError("\(checkpointPath): the stored config has no model")
    }
    let dataset = try PlanetoidLoader.load(
      name: config.dataset.name, directory: "\(dataDirectory)/planetoid/\(config.dataset.name)",
      removeSelfLoops: config.dataset.removeSelfLoops)
    var random = RandomSource(seed: 0)  // initial values are replaced by the checkpoint's
    let model = try ClusteringModel(
      layers: layers, inputFeatures: dataset.features.columns, classCount: dataset.classCount,
      random: &random)
    try checkpoint.restore(into: model.parameters)
    let inputs = ClusteringModel.Inputs(features: dataset.features, adjacency: dataset.adjacency)
    let (s, _) = try model.forward(inputs, tape: Tape())
    let clusters = s.value.argmaxPerRow()
    let scored = dataset.labeledNodes
    let scores = ClusteringScores(
      predicted: scored.map { clusters[$0] }, truth: scored.map { dataset.labels[$0]! })
    return Outcome(recorded: recorded, recomputed: scores)
  }
}
