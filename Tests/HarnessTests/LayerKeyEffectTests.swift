import Foundation
import GraphData
import TensorCore
import XCTest

@testable import Harness

/// Every documented layer key of a node-clustering config either changes what
/// the model computes (its losses after one step from the same seed) or is
/// rejected when the config is read: no key is silently ignored.
final class LayerKeyEffectTests: XCTestCase {
  /// One alternative value per key, and the base layer it is changed in.
  private struct Variant {
    let base: String
    let key: String
    let value: String
  }

  private let baseGCS = #"{"type": "gcs", "units": 4, "activation": "elu"}"#
  private let baseMinCut = #"{"type": "mincut", "k": 3, "mlp_hidden": [4]}"#
  private let baseDiffPool = #"{"type": "diffpool", "k": 3}"#
  private let baseGTV = #"{"type": "gtv", "units": 4, "activation": "elu", "delta": 0.5}"#
  private let baseACC = #"{"type": "acc", "k": 3, "mlp_hidden": [4]}"#
  private let baseDMoN = #"{"type": "dmon", "k": 3, "mlp_hidden": [4]}"#
  private let baseNeuNcut = #"{"type": "neuncut", "k": 3, "mlp_hidden": [4]}"#

  /// The layer type of a base layer.
  private func type(of base: String) -> String {
    let object = try! JSONSerialization.jsonObject(with: Data(base.utf8)) as! [String: Any]
    return object["type"] as! String
  }

  private var variants: [Variant] {
    [
      Variant(base: baseGCS, key: "units", value: "5"),
      Variant(base: baseGCS, key: "activation", value: #""tanh""#),
      Variant(base: baseGCS, key: "kernel_initializer", value: #""he_normal""#),
      Variant(base: baseGCS, key: "l2", value: "0.1"),
      Variant(base: baseMinCut, key: "k", value: "2"),
      Variant(base: baseMinCut, key: "mlp_hidden", value: "[5]"),
      Variant(base: baseMinCut, key: "mlp_activation", value: #""tanh""#),
      Variant(base: baseMinCut, key: "temperature", value: "2"),
      Variant(base: baseMinCut, key: "pool_epsilon", value: "1e-3"),
      Variant(base: baseMinCut, key: "k_ratio", value: "0.5"),
      Variant(base: baseMinCut, key: "l2", value: "0.1"),
      Variant(base: baseDiffPool, key: "k", value: "2"),
      Variant(base: baseDiffPool, key: "channels", value: "8"),
      Variant(base: baseDiffPool, key: "activation", value: #""relu""#),
      Variant(base: baseDiffPool, key: "normalize_link_loss", value: "true"),
      Variant(base: baseDiffPool, key: "k_ratio", value: "0.5"),
      Variant(base: baseDiffPool, key: "l2", value: "0.1"),
      Variant(base: baseGTV, key: "units", value: "5"),
      Variant(base: baseGTV, key: "activation", value: #""tanh""#),
      Variant(base: baseGTV, key: "kernel_initializer", value: #""he_normal""#),
      Variant(base: baseGTV, key: "delta", value: "1.5"),
      Variant(base: baseGTV, key: "epsilon", value: "10"),
      Variant(base: baseGTV, key: "l2", value: "0.1"),
    ]
      + [baseACC, baseDMoN, baseNeuNcut].flatMap { base in
        [
          Variant(base: base, key: "k", value: "2"),
          Variant(base: base, key: "mlp_hidden", value: "[5]"),
          Variant(base: base, key: "mlp_activation", value: #""tanh""#),
          Variant(base: base, key: "k_ratio", value: "0.5"),
          Variant(base: base, key: "k_ratio_of", value: #""largest""#),
          Variant(base: base, key: "l2", value: "0.1"),
        ]
      }
  }

  /// The config JSON of a model `[message passing, pooler]` (or `[pooler]`
  /// for DiffPool).
  private func config(layers: [String]) -> String {
    """
    {"method": "M", "task": "node_clustering", "dataset": {"name": "cora"},
     "model": [\(layers.joined(separator: ", "))], "iterations": 1}
    """
  }

  private func layers(for base: String, replacing: String? = nil) -> [String] {
    let layer = replacing ?? base
    switch base {
    case baseGCS, baseGTV: return [layer, baseMinCut]
    case baseDiffPool: return [layer]
    default: return [baseGCS, layer]  // a pooler after GCS
    }
  }

  /// Losses of the model after one Adam step from seed 0, by name.
  private func losses(_ json: String) throws -> [String: Float] {
    let config = try JSONDecoder().decode(RunConfig.self, from: Data(json.utf8))
    let data = NodeClusteringTrainingTests.plantedPartition(seed: 1)
    var random = RandomSource(seed: 0)
    let model = try ClusteringModel(
      layers: config.model!, inputFeatures: data.features.columns, classCount: 3,
      random: &random)
    let inputs = ClusteringModel.Inputs(features: data.features, adjacency: data.adjacency)
    var adam = config.optimizer.makeAdam()
    for _ in 0..<2 {
      let tape = Tape()
      let (_, losses) = try model.forward(inputs, tape: tape)
      var total = losses.values.first!
      for loss in losses.values.dropFirst() { total = total + loss }
      adam.update(model.parameters, with: tape.gradients(of: total))
    }
    let (_, losses) = try model.forward(inputs, tape: Tape())
    return losses.mapValues { $0.value.scalar }
  }

  func testEveryDocumentedLayerKeyChangesTheLossesOrIsRejected() throws {
    // Every key the decoders accept is covered here (a new key needs a variant).
    let documented =
      Set(GCSSpec.CodingKeys.allCases.map { "gcs.\($0.stringValue)" })
      .union(MinCutSpec.CodingKeys.allCases.map { "mincut.\($0.stringValue)" })
      .union(DiffPoolSpec.CodingKeys.allCases.map { "diffpool.\($0.stringValue)" })
      .union(GTVSpec.CodingKeys.allCases.map { "gtv.\($0.stringValue)" })
      .union(
        SoftMLPPoolSpec.CodingKeys.allCases.flatMap {
          ["acc.\($0.stringValue)", "dmon.\($0.stringValue)", "neuncut.\($0.stringValue)"]
        })
    let covered = Set(variants.map { "\(type(of: $0.base)).\($0.key)" }).union(
      ["gcs", "mincut", "diffpool", "gtv", "acc", "dmon", "neuncut"].map { "\($0).type" })
    XCTAssertEqual(documented.subtracting(covered), [], "keys without a variant")

    for variant in variants {
      let baseLosses = try losses(config(layers: layers(for: variant.base)))
      // The base layer with the key set (replaced when the base already has it).
      var object =
        try JSONSerialization.jsonObject(with: Data(variant.base.utf8)) as! [String: Any]
      object[variant.key] = try JSONSerialization.jsonObject(
        with: Data(variant.value.utf8), options: .fragmentsAllowed)
      let changed = String(
        decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
      let json = config(layers: layers(for: variant.base, replacing: changed))
      do {
        let changedLosses = try losses(json)
        XCTAssertNotEqual(
          changedLosses, baseLosses, "\(variant.key) = \(variant.value) changed nothing")
      } catch let problem as LocatedConfigProblem {
        // Rejected: the message must name the key.
        XCTAssertTrue(
          problem.codingPath.contains { $0.stringValue == variant.key },
          "\(variant.key) rejected without being named: \(problem)")
        XCTAssertTrue(problem.message.contains("no effect"), problem.message)
      }
    }
  }
}
