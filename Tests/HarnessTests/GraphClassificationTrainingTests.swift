import Foundation
import GraphData
import Harness
import Pooling
import TensorCore
import XCTest

/// Graph classification end to end on a synthetic two-class dataset: rings
/// (cycles) against cliques, 6 to 14 nodes, features [1, degree / 10].
final class GraphClassificationTrainingTests: XCTestCase {
  static func ringsAndCliques(count: Int, seed: UInt64) -> FeaturedDataset {
    var random = RandomSource(seed: seed)
    var graphs: [FeaturedGraph] = []
    for index in 0..<count {
      let n = 6 + Int(random.next() % 9)
      let label = index % 2
      var edges: [(Int, Int)] = []
      if label == 0 {
        for i in 0..<n { edges.append((i, (i + 1) % n)) }
      } else {
        for i in 0..<n { for j in (i + 1)..<n { edges.append((i, j)) } }
      }
      let adjacency = SparseMatrix.symmetricAdjacency(nodeCount: n, edges: edges)
      let degrees = adjacency.rowSums()
      let features = Matrix(
        rows: n, columns: 2, storage: degrees.flatMap { [1, $0 / 10] })
      graphs.append(FeaturedGraph(adjacency: adjacency, features: features, label: label))
    }
    return FeaturedDataset(
      name: "rings-cliques", graphs: graphs, classCount: 2,
      layout: FeatureLayout(
        options: .paperDefaults, blocks: [FeatureBlock(name: "given", offset: 0, width: 2)]),
      predefinedSplits: [])
  }

  private func layers(_ json: String) throws -> [LayerSpec] {
    try JSONDecoder().decode([LayerSpec].self, from: Data(json.utf8))
  }

  private func trainAndTest(pool: String) throws -> GraphClassificationTraining.Outcome {
    let dataset = Self.ringsAndCliques(count: 120, seed: 1)
    let split = GraphSplit(
      train: Array(0..<80), validation: Array(80..<100), test: Array(100..<120))
    let average = Double(split.train.map { dataset.graphs[$0].nodeCount }.reduce(0, +)) / 80
    var random = RandomSource(seed: 0)
    let model = try GraphClassifier(
      layers: try layers(
        """
        [{"type": "gcs", "units": 16, "activation": "relu"}, \(pool),
         {"type": "gcs", "units": 16, "activation": "relu"},
         {"type": "readout"}, {"type": "dense"}]
        """), inputFeatures: 2, classCount: 2, averageNodes: average, random: &random)
    var options = GraphClassificationTraining.Options()
    options.learningRate = 5e-3
    options.maximumEpochs = 60
    options.patience = 15
    return try GraphClassificationTraining.train(
      model, on: dataset, split: split, options: options, random: &random)
  }

  func testMinCutPoolClassifierLearnsRingsFromCliques() throws {
    let outcome = try trainAndTest(
      pool: #"{"type": "mincut", "k_ratio": 0.5, "mlp_hidden": [8], "l2": 1e-4}"#)
    XCTAssertGreaterThan(outcome.testAccuracy, 0.95, "\(outcome)")
    XCTAssertEqual(outcome.validationLosses.count, outcome.epochs)
    XCTAssertEqual(
      outcome.bestValidationLoss, outcome.validationLosses.min()!, "best epoch restored")
  }

  func testDiffPoolClassifierLearnsRingsFromCliques() throws {
    let outcome = try trainAndTest(
      pool: #"{"type": "diffpool", "k_ratio": 0.5, "channels": 16, "activation": "relu"}"#)
    XCTAssertGreaterThan(outcome.testAccuracy, 0.95, "\(outcome)")
    try checkTrainingLog(of: outcome, auxiliaryNames: ["link_prediction_1", "entropy_1"])
  }

  /// The training log has a row per epoch whose validation loss is the
  /// early-stopping criterion and whose parts add up to it (weights 1; the
  /// model has no L2), and its CSV has a column per part.
  private func checkTrainingLog(
    of outcome: GraphClassificationTraining.Outcome, auxiliaryNames: [String]
  ) throws {
    XCTAssertEqual(outcome.auxiliaryLossNames, auxiliaryNames)
    XCTAssertEqual(outcome.epochSummaries.map(\.epoch), Array(1...outcome.epochs))
    XCTAssertEqual(outcome.epochSummaries.map(\.validationLoss), outcome.validationLosses)
    for row in outcome.epochSummaries {
      XCTAssertEqual(row.validationAuxiliaryLosses.count, auxiliaryNames.count)
      let parts =
        row.validationCrossEntropy + row.validationAuxiliaryLosses.reduce(0, +) + row.validationL2
      XCTAssertEqual(parts, row.validationLoss, accuracy: 1e-5 * abs(row.validationLoss))
      XCTAssertEqual(row.validationL2, 0)
      XCTAssertTrue((0...1).contains(row.validationAccuracy), "\(row)")
      XCTAssertTrue(row.trainingLoss.isFinite && row.trainingLoss > 0, "\(row)")
    }
    // The best epoch classifies the validation graphs as the restored model
    // would; at the end of training they are separable.
    XCTAssertGreaterThan(outcome.epochSummaries[outcome.bestEpoch - 1].validationAccuracy, 0.9)
    let lines = GraphClassificationTraining.logCSV(of: outcome).split(separator: "\n")
    XCTAssertEqual(
      lines.first.map(String.init),
      (["epoch", "training_loss", "validation_loss", "validation_cross_entropy"] + auxiliaryNames
        + ["validation_l2", "validation_accuracy"]).joined(separator: ","))
    XCTAssertEqual(lines.count, outcome.epochs + 1)
    for line in lines.dropFirst() {
      XCTAssertEqual(line.split(separator: ",").count, auxiliaryNames.count + 6)
    }
  }

  /// The log's columns come from the model's `auxiliaryLossKinds`: they
  /// must be the kinds `forward` returns, in its order, for every pooler.
  func testTheModelListsTheAuxiliaryLossesForwardReturns() throws {
    let dataset = Self.ringsAndCliques(count: 8, seed: 1)
    let batch = GraphBatch(dataset, indices: Array(0..<8))
    let gcs = #"{"type": "gcs", "units": 4}"#
    for pool in [
      #"{"type": "mincut", "k_ratio": 0.5}"#, #"{"type": "diffpool", "k_ratio": 0.5}"#,
      #"{"type": "acc", "k_ratio": 0.5}"#, #"{"type": "dmon", "k_ratio": 0.5}"#,
      #"{"type": "topk", "ratio": 0.5}"#,
    ] {
      var random = RandomSource(seed: 0)
      let model = try GraphClassifier(
        layers: try layers(
          "[\(gcs), \(pool), \(gcs), \(pool), " + #"{"type": "readout"}, {"type": "dense"}]"#),
        inputFeatures: 2, classCount: 2, averageNodes: 10, random: &random)
      let kinds = try model.forward(batch, tape: Tape()).auxiliaryLosses.map(\.kind)
      XCTAssertEqual(kinds, model.auxiliaryLossKinds, pool)
    }
  }

  func testAuxiliaryLossNamesCountThePoolingLevel() {
    XCTAssertEqual(
      GraphClassificationTraining.levelNames([.cut, .orthogonality, .cut, .orthogonality]),
      ["cut_1", "orthogonality_1", "cut_2", "orthogonality_2"])
    XCTAssertEqual(GraphClassificationTraining.levelNames([]), [])
  }

  func testTopKAndSAGPoolClassifiersLearnRingsFromCliques() throws {
    for type in ["topk", "sagpool"] {
      for connectivity in ["squared", "induced"] {
        let outcome = try trainAndTest(
          pool: #"{"type": "\#(type)", "ratio": 0.5, "connectivity": "\#(connectivity)"}"#)
        XCTAssertGreaterThan(outcome.testAccuracy, 0.95, "\(type) \(connectivity): \(outcome)")
      }
    }
  }

  func testGraclusClassifierLearnsRingsFromCliques() throws {
    for pooling in ["max", "keep_one"] {
      let outcome = try trainAndTest(
        pool: #"{"type": "graclus", "feature_pooling": "\#(pooling)"}"#)
      XCTAssertGreaterThan(outcome.testAccuracy, 0.95, "\(pooling): \(outcome)")
    }
  }

  func testNDPClassifierLearnsRingsFromCliques() throws {
    let outcome = try trainAndTest(pool: #"{"type": "ndp"}"#)
    XCTAssertGreaterThan(outcome.testAccuracy, 0.95, "\(outcome)")
  }

  /// TVGNN's classifier (GTVConv – AsymCheegerCut – GTVConv on the dense
  /// pooled graphs – AsymCheegerCut – GTVConv – readout) and the same with
  /// DMoN learn rings from cliques.
  func testTVGNNAndDMoNClassifiersLearnRingsFromCliques() throws {
    let dataset = Self.ringsAndCliques(count: 120, seed: 1)
    let split = GraphSplit(
      train: Array(0..<80), validation: Array(80..<100), test: Array(100..<120))
    for pool in ["acc", "dmon"] {
      let level = { (ratio: String) in
        #"{"type": "\#(pool)", "k_ratio": \#(ratio), "mlp_hidden": [8]}"#
      }
      let gtv = #"{"type": "gtv", "units": 16, "activation": "relu", "delta": 2.0}"#
      var random = RandomSource(seed: 0)
      let model = try GraphClassifier(
        layers: try layers(
          "[\(gtv), \(level("0.5")), \(gtv), \(level("0.25")), \(gtv), "
            + #"{"type": "readout"}, {"type": "dense"}]"#),
        inputFeatures: 2, classCount: 2, averageNodes: 10, random: &random)
      var options = GraphClassificationTraining.Options()
      options.learningRate = 5e-3
      options.maximumEpochs = 60
      options.patience = 15
      let outcome = try GraphClassificationTraining.train(
        model, on: dataset, split: split, options: options, random: &random)
      XCTAssertGreaterThan(outcome.testAccuracy, 0.95, "\(pool): \(outcome)")
    }
  }

  /// `k_ratio_of: largest` sizes the pooler from the dataset's largest
  /// graph (TVGNN's N_max // 2), `average` (default) from the training mean.
  func testKRatioOfTheLargestGraph() throws {
    for (base, expected) in [("largest", 20), ("average", 5)] {
      var random = RandomSource(seed: 0)
      let model = try GraphClassifier(
        layers: try layers(
          #"[{"type": "gcs", "units": 4}, {"type": "acc", "k_ratio": 0.5, "k_ratio_of": "\#(base)"}, "#
            + #"{"type": "readout"}, {"type": "dense"}]"#),
        inputFeatures: 2, classCount: 2, averageNodes: 10, maximumNodes: 40, random: &random)
      XCTAssertEqual(model.clusterCounts, [expected], base)
    }
  }

  /// One training step of each pooled classifier leaves no tape behind (a
  /// pullback that captured a variable would keep every step alive).
  func testATrainingStepFreesItsTape() throws {
    let dataset = Self.ringsAndCliques(count: 8, seed: 3)
    for pool in ["mincut", "diffpool", "topk", "sagpool", "graclus", "ndp", "acc", "dmon"] {
      func level(_ ratio: String) -> String {
        switch pool {
        case "mincut": #"{"type": "mincut", "k_ratio": \#(ratio), "mlp_hidden": [4], "l2": 1e-4}"#
        case "diffpool":
          #"{"type": "diffpool", "k_ratio": \#(ratio), "channels": 4, "activation": "relu", "l2": 1e-4}"#
        case "graclus": #"{"type": "graclus"}"#
        case "ndp": #"{"type": "ndp"}"#
        case "acc", "dmon": #"{"type": "\#(pool)", "k_ratio": \#(ratio), "mlp_hidden": [4]}"#
        default: #"{"type": "\#(pool)", "ratio": 0.5, "l2": 1e-4}"#
        }
      }
      let json =
        #"[{"type": "gcs", "units": 4, "activation": "relu"}, "# + level("0.5")
        + #", {"type": "gcs", "units": 4}, "# + level("0.25")
        + #", {"type": "readout", "mode": "sum"}, {"type": "dense", "units": 3, "activation": "relu"}, {"type": "dense"}]"#
      var random = RandomSource(seed: 0)
      let model = try GraphClassifier(
        layers: try layers(json), inputFeatures: 2, classCount: 2, averageNodes: 10,
        random: &random)
      weak var released: Tape?
      try {
        let tape = Tape()
        let batch = GraphBatch(dataset, indices: Array(0..<8))
        let output = try model.forward(batch, tape: tape)
        var loss = crossEntropy(logits: output.logits, labels: batch.labels)
        for aux in output.auxiliaryLosses { loss = loss + aux.value }
        if let l2 = output.l2 { loss = loss + l2 }  // Graclus and NDP have no weights to penalise
        _ = tape.gradients(of: loss)
        released = tape
      }()
      XCTAssertNil(released, "\(pool): the step's tape was not freed")
    }
  }

  func testTheLayerListIsChecked() throws {
    var random = RandomSource(seed: 0)
    XCTAssertThrowsError(
      try GraphClassifier(
        layers: try layers(#"[{"type": "gcs", "units": 4}, {"type": "dense"}]"#),
        inputFeatures: 2, classCount: 2, averageNodes: 10, random: &random)
    ) { XCTAssertTrue("\($0)".contains("exactly one readout"), "\($0)") }
    XCTAssertThrowsError(
      try GraphClassifier(
        layers: try layers(#"[{"type": "readout"}, {"type": "dense", "units": 3}]"#),
        inputFeatures: 2, classCount: 2, averageNodes: 10, random: &random)
    ) { XCTAssertTrue("\($0)".contains("linear dense layer of 2 units"), "\($0)") }
  }
}
