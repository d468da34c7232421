import Foundation
import GraphData
import Harness
import Pooling
import XCTest

final class ConfigTests: XCTestCase {
  var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-config-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

  private func write(_ text: String, _ name: String = "config.json") throws -> String {
    let path = directory.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  private let valid = """
    {
      "method": "MinCutPool", "task": "node_clustering",
      "dataset": {"name": "cora"},
      "model": [
        {"type": "gcs", "units": 16, "activation": "elu", "kernel_initializer": "he_normal"},
        {"type": "mincut", "k": 7}
      ],
      "optimizer": {"learning_rate": 5e-4},
      "iterations": 50
    }
    """

  func testValidConfigDecodesWithDefaults() throws {
    let config = try RunConfig.load(from: try write(valid))
    XCTAssertEqual(config.method, "MinCutPool")
    XCTAssertEqual(config.iterations, 50)
    XCTAssertEqual(config.logEvery, 100)
    XCTAssertEqual(config.optimizer.learningRate, 5e-4)
    XCTAssertEqual(config.optimizer.epsilon, 1e-7)
    XCTAssertTrue(config.dataset.removeSelfLoops)
    guard case .gcs(let gcs) = config.model![0], case .mincut(let pool) = config.model![1] else {
      return XCTFail("layer types")
    }
    XCTAssertEqual(gcs.units, 16)
    XCTAssertEqual(gcs.kernelInitializer, .heNormal)
    XCTAssertEqual(pool.k, 7)
    XCTAssertEqual(pool.mlpHidden, [])
  }

  func testEveryShippedConfigLoads() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent()
    let experiment = try ExperimentSpec.load(
      from: root.appendingPathComponent("Experiments/table1/experiment.json").path)
    XCTAssertEqual(experiment.seeds, Array(0..<10))
    for config in experiment.configs {
      XCTAssertNoThrow(try RunConfig.load(from: root.appendingPathComponent(config).path), config)
    }
  }

  func testUnknownKeyIsAnErrorNamingKeyAndFile() throws {
    let path = try write(valid.replacingOccurrences(of: "\"k\": 7", with: "\"kk\": 7"))
    XCTAssertThrowsError(try RunConfig.load(from: path)) { error in
      let message = "\(error)"
      XCTAssertTrue(message.contains(path), message)
      XCTAssertTrue(message.contains("model[1].kk"), message)
      XCTAssertTrue(message.contains("unknown key"), message)
    }
    let topLevel = try write(
      valid.replacingOccurrences(of: "\"iterations\"", with: "\"iteratons\""), "top.json")
    XCTAssertThrowsError(try RunConfig.load(from: topLevel)) {
      XCTAssertTrue("\($0)".contains("'iteratons'"), "\($0)")
    }
  }

  func testWrongTypeIsAnErrorNamingTheKey() throws {
    let path = try write(
      valid.replacingOccurrences(of: "\"units\": 16", with: "\"units\": \"sixteen\""))
    XCTAssertThrowsError(try RunConfig.load(from: path)) { error in
      let message = "\(error)"
      XCTAssertTrue(message.contains("model[0].units"), message)
      XCTAssertTrue(message.contains("an integer"), message)
    }
  }

  func testInvalidValuesAreRejected() throws {
    let cases: [(String, String, String)] = [
      ("\"iterations\": 50", "\"iterations\": 0", "iterations"),
      ("\"name\": \"cora\"", "\"name\": \"corra\"", "dataset.name"),
      ("\"type\": \"mincut\"", "\"type\": \"mincutt\"", "model[1].type"),
      ("\"learning_rate\": 5e-4", "\"learning_rate\": -1", "optimizer.learning_rate"),
    ]
    for (from, to, key) in cases {
      let path = try write(valid.replacingOccurrences(of: from, with: to), "\(key).json")
      XCTAssertThrowsError(try RunConfig.load(from: path), key) {
        XCTAssertTrue("\($0)".contains("'\(key)'"), "\($0)")
      }
    }
  }

  /// `dataset.features` chooses a graph-classification dataset's node
  /// features; without it the dataset's protocol default applies; node
  /// clustering refuses it, and a bad key inside it is named.
  func testDatasetFeaturesKey() throws {
    func classification(_ dataset: String) -> String {
      """
      {"method": "No-pool", "task": "graph_classification", "dataset": \(dataset),
       "model": [{"type": "gcs", "units": 8}, {"type": "readout"}, {"type": "dense"}]}
      """
    }
    let given = try RunConfig.load(
      from: write(
        classification(
          #"{"name": "PROTEINS", "features": {"degree": "zscore", "node_labels": false}}"#)))
    XCTAssertEqual(given.dataset.features?.degree, .zscore)
    XCTAssertEqual(given.dataset.resolvedFeatures.nodeLabels, false)
    XCTAssertEqual(given.dataset.resolvedFeatures.addSelfLoops, true)  // missing key: paper default
    let bench = try RunConfig.load(from: write(classification(#"{"name": "Bench-hard"}"#)))
    XCTAssertNil(bench.dataset.features)
    XCTAssertEqual(bench.dataset.resolvedFeatures, .providedFeaturesOnly)
    let proteins = try RunConfig.load(from: write(classification(#"{"name": "PROTEINS"}"#)))
    XCTAssertEqual(proteins.dataset.resolvedFeatures, .paperDefaults)

    let clustering = try write(
      valid.replacingOccurrences(
        of: #""name": "cora""#, with: #""name": "cora", "features": {"degree": "none"}"#),
      "clustering.json")
    XCTAssertThrowsError(try RunConfig.load(from: clustering)) {
      XCTAssertTrue("\($0)".contains("'dataset.features'"), "\($0)")
      XCTAssertTrue("\($0)".contains("graph classification only"), "\($0)")
    }
    let unknown = try write(
      classification(#"{"name": "PROTEINS", "features": {"degre": "none"}}"#), "unknown.json")
    XCTAssertThrowsError(try RunConfig.load(from: unknown)) {
      XCTAssertTrue("\($0)".contains("degre"), "\($0)")
    }
  }

  /// Selection poolers parse with their defaults and are refused where a
  /// soft assignment is needed (node clustering).
  func testSelectionPoolerKeys() throws {
    let spec = try JSONDecoder().decode(
      [LayerSpec].self,
      from: Data(
        #"[{"type": "sagpool"}, {"type": "topk", "ratio": 0.25, "connectivity": "induced"}]"#.utf8))
    guard case .sagpool(let sag) = spec[0], case .topk(let topk) = spec[1] else {
      return XCTFail("\(spec)")
    }
    XCTAssertEqual([sag.ratio, topk.ratio], [0.5, 0.25])
    XCTAssertEqual(sag.connectivity, .squared)
    XCTAssertEqual(topk.connectivity, .induced)
    let clustering = try write(
      valid.replacingOccurrences(of: #"{"type": "mincut", "k": 7}"#, with: #"{"type": "topk"}"#),
      "topk.json")
    XCTAssertThrowsError(try RunConfig.load(from: clustering)) {
      XCTAssertTrue("\($0)".contains("'model[1]'"), "\($0)")
      XCTAssertTrue("\($0)".contains("selects nodes"), "\($0)")
    }
    let badRatio = try write(
      valid.replacingOccurrences(
        of: #"{"type": "mincut", "k": 7}"#, with: #"{"type": "topk", "ratio": 1.5}"#),
      "ratio.json")
    XCTAssertThrowsError(try RunConfig.load(from: badRatio)) {
      XCTAssertTrue("\($0)".contains("'model[1].ratio'"), "\($0)")
    }
  }

  func testMalformedJSONAndMissingFile() throws {
    let path = try write("{\"method\": ")
    XCTAssertThrowsError(try RunConfig.load(from: path)) {
      XCTAssertTrue(
        "\($0)".hasSuffix(
          "key 'method': line 1, column 12: expected a value, found the end of the file"),
        "\($0)")
    }
    XCTAssertThrowsError(
      try RunConfig.load(from: directory.appendingPathComponent("none.json").path)
    ) {
      XCTAssertTrue("\($0)".contains("cannot read"), "\($0)")
    }
  }
}
