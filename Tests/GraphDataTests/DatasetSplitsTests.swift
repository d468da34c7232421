import Foundation
import TensorCore
import XCTest

@testable import GraphData

final class DatasetSplitsTests: XCTestCase {
  /// 100 graphs with a 3:1 class imbalance, classes interleaved.
  let imbalanced = (0..<100).map { $0 % 4 == 3 ? 1 : 0 }

  func count(_ indices: [Int], of label: Int, in labels: [Int]) -> Int {
    indices.filter { labels[$0] == label }.count
  }

  /// Train, validation and test are sorted, disjoint and cover 0..<n.
  func assertPartition(
    _ split: GraphSplit, _ n: Int, file: StaticString = #filePath, line: UInt = #line
  ) {
    for set in [split.train, split.validation, split.test] {
      XCTAssertEqual(set, set.sorted(), file: file, line: line)
    }
    let all = split.train + split.validation + split.test
    XCTAssertEqual(all.count, n, "a graph is in two sets", file: file, line: line)
    XCTAssertEqual(Set(all), Set(0..<n), file: file, line: line)
    XCTAssertNoThrow(try DatasetSplits.validate(split, graphCount: n), file: file, line: line)
  }

  func testTenFoldOnImbalancedHundredGraphs() {
    let splits = DatasetSplits.stratifiedKFold(labels: imbalanced, folds: 10, seed: 3)
    XCTAssertEqual(splits.count, 10)
    var testCount = [Int](repeating: 0, count: 100)
    for split in splits {
      assertPartition(split, 100)
      for g in split.test { testCount[g] += 1 }
      // 75 / 25 over 10 folds: 7 or 8 of class 0, 2 or 3 of class 1, 10 in all.
      XCTAssertEqual(split.test.count, 10)
      XCTAssertTrue((7...8).contains(count(split.test, of: 0, in: imbalanced)))
      XCTAssertTrue((2...3).contains(count(split.test, of: 1, in: imbalanced)))
      // Inner validation: ⌈0.1 · 90⌉ = 9 of the training fold, stratified (≈ 90·share ± 1).
      XCTAssertEqual(split.validation.count, 9)
      let rest = split.train + split.validation
      for label in 0...1 {
        let expected =
          Double(9 * count(rest, of: label, in: imbalanced)) / Double(rest.count)
        XCTAssertLessThan(
          abs(Double(count(split.validation, of: label, in: imbalanced)) - expected), 1)
      }
    }
    // Every graph is in exactly one test fold.
    XCTAssertEqual(testCount, [Int](repeating: 1, count: 100))
  }

  func testFoldSizesDifferByAtMostOnePerClassAndOverall() {
    // 3 classes of 11, 7 and 5 graphs, 4 folds.
    let labels =
      [Int](repeating: 0, count: 11) + [Int](repeating: 1, count: 7)
      + [Int](repeating: 2, count: 5)
    let splits = DatasetSplits.stratifiedKFold(
      labels: labels, folds: 4, validationFraction: 0.2, seed: 11)
    let sizes = splits.map(\.test.count)
    XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
    XCTAssertEqual(sizes.reduce(0, +), 23)
    for label in 0...2 {
      let perFold = splits.map { count($0.test, of: label, in: labels) }
      XCTAssertLessThanOrEqual(perFold.max()! - perFold.min()!, 1, "class \(label): \(perFold)")
    }
    for split in splits {
      assertPartition(split, 23)
      let trainFold = split.train.count + split.validation.count
      XCTAssertEqual(
        split.validation.count, Int((0.2 * Double(trainFold)).rounded(.up)))
    }
  }

  func testDeterminism() {
    let a = DatasetSplits.stratifiedKFold(labels: imbalanced, seed: 5)
    let b = DatasetSplits.stratifiedKFold(labels: imbalanced, seed: 5)
    let c = DatasetSplits.stratifiedKFold(labels: imbalanced, seed: 6)
    XCTAssertEqual(a, b)
    XCTAssertNotEqual(a, c)
    let r1 = DatasetSplits.randomStratified(labels: imbalanced, seed: 5)
    XCTAssertEqual(r1, DatasetSplits.randomStratified(labels: imbalanced, seed: 5))
    XCTAssertNotEqual(r1, DatasetSplits.randomStratified(labels: imbalanced, seed: 6))
  }

  func testRandomStratifiedResplits() {
    let splits = DatasetSplits.randomStratified(labels: imbalanced, count: 10, seed: 0)
    XCTAssertEqual(splits.count, 10)
    XCTAssertEqual(Set(splits.map(\.test)).count, 10, "resplits should differ")
    for split in splits {
      assertPartition(split, 100)
      // 10 % test (⌈10⌉), then ⌈0.1 · 90⌉ = 9 validation: 81 / 9 / 10.
      XCTAssertEqual(split.test.count, 10)
      XCTAssertEqual(split.validation.count, 9)
      XCTAssertEqual(split.train.count, 81)
      // Stratified: test holds 7.5 ± 1 of class 0 (7 or 8), 2.5 ± 1 of class 1.
      XCTAssertTrue((7...8).contains(count(split.test, of: 0, in: imbalanced)))
      XCTAssertTrue((2...3).contains(count(split.test, of: 1, in: imbalanced)))
    }
  }

  func testStratifiedHoldoutSharesAndEdgeCases() {
    var rng = RandomSource(seed: 1)
    let labels = [Int](repeating: 0, count: 30) + [Int](repeating: 1, count: 10)
    let (kept, held) = DatasetSplits.stratifiedHoldout(
      Array(0..<40), labels: labels, fraction: 0.25, rng: &rng)
    XCTAssertEqual(held.count, 10)
    XCTAssertTrue((7...8).contains(count(held, of: 0, in: labels)))
    XCTAssertEqual(kept.count, 30)
    XCTAssertEqual(Set(kept + held), Set(0..<40))
    let empty = DatasetSplits.stratifiedHoldout([], labels: labels, fraction: 0.1, rng: &rng)
    XCTAssertEqual(empty.kept, [])
    XCTAssertEqual(empty.heldOut, [])
    let none = DatasetSplits.stratifiedHoldout(
      Array(0..<40), labels: labels, fraction: 0, rng: &rng)
    XCTAssertEqual(none.heldOut, [])
    XCTAssertEqual(none.kept, Array(0..<40))
  }

  func testPredefinedPassThroughAndErrors() throws {
    let fixed = GraphSplit(train: [0, 2, 4], validation: [1], test: [3])
    let graphs = (0..<5).map {
      LabeledGraph(adjacency: .symmetricAdjacency(nodeCount: 1, edges: []), label: $0 % 2)
    }
    var dataset = GraphClassificationDataset(
      name: "fixed", graphs: graphs, classCount: 2, classValues: [0, 1], predefinedSplits: [fixed])
    XCTAssertEqual(try DatasetSplits.make(.predefined, for: dataset), [fixed])

    dataset.predefinedSplits = []
    XCTAssertThrowsError(try DatasetSplits.make(.predefined, for: dataset)) { error in
      XCTAssertEqual(error as? SplitError, .noPredefinedSplit(dataset: "fixed"))
    }
    dataset.predefinedSplits = [GraphSplit(train: [0, 1], validation: [1], test: [5])]
    XCTAssertThrowsError(try DatasetSplits.make(.predefined, for: dataset))
    XCTAssertThrowsError(
      try DatasetSplits.make(.stratifiedKFold(folds: 6, seed: 0), for: dataset))
    XCTAssertThrowsError(
      try DatasetSplits.make(.randomStratified(testFraction: 1.5, seed: 0), for: dataset))
  }

  func testMakeMatchesDirectCalls() throws {
    XCTAssertEqual(
      try DatasetSplits.make(
        .stratifiedKFold(folds: 5, validationFraction: 0.1, seed: 9), labels: imbalanced),
      DatasetSplits.stratifiedKFold(labels: imbalanced, folds: 5, validationFraction: 0.1, seed: 9))
    XCTAssertEqual(
      try DatasetSplits.make(.randomStratified(count: 3, seed: 9), labels: imbalanced),
      DatasetSplits.randomStratified(labels: imbalanced, count: 3, seed: 9))
  }

  func testStrategyAndRecordJSON() throws {
    let decoder = JSONDecoder()
    let kFold = try decoder.decode(
      SplitStrategy.self, from: Data(#"{"kind": "stratified_k_fold", "seed": 4}"#.utf8))
    XCTAssertEqual(kFold, .stratifiedKFold(folds: 10, validationFraction: 0.1, seed: 4))
    XCTAssertEqual(kFold, SplitStrategy.paperDefault(seed: 4))
    XCTAssertEqual(
      try decoder.decode(SplitStrategy.self, from: Data(#"{"kind": "predefined"}"#.utf8)),
      .predefined)
    let random = SplitStrategy.randomStratified(
      count: 3, testFraction: 0.2, validationFraction: 0.05, seed: 8)
    let encoded = try JSONEncoder().encode(random)
    XCTAssertEqual(try decoder.decode(SplitStrategy.self, from: encoded), random)
    XCTAssertTrue(String(decoding: encoded, as: UTF8.self).contains("\"test_fraction\":0.2"))

    XCTAssertThrowsError(
      try decoder.decode(SplitStrategy.self, from: Data(#"{"kind": "kfold"}"#.utf8)))
    XCTAssertThrowsError(
      try decoder.decode(SplitStrategy.self, from: Data(#"{"kind": "predefined", "seed": 1}"#.utf8))
    ) { error in XCTAssertTrue("\(error)".contains("'seed' does not apply"), "\(error)") }
    XCTAssertThrowsError(
      try decoder.decode(
        SplitStrategy.self, from: Data(#"{"kind": "stratified_k_fold", "folds": 1}"#.utf8)))

    // A saved record reproduces its splits.
    let strategy = SplitStrategy.paperDefault(seed: 2)
    let record = SplitRecord(
      strategy: strategy, graphCount: 100,
      splits: try DatasetSplits.make(strategy, labels: imbalanced))
    let saved = try JSONEncoder().encode(record)
    let loaded = try decoder.decode(SplitRecord.self, from: saved)
    XCTAssertEqual(loaded, record)
    XCTAssertEqual(try DatasetSplits.make(loaded.strategy, labels: imbalanced), record.splits)
    XCTAssertTrue(String(decoding: saved, as: UTF8.self).contains("\"graph_count\":100"))
  }
}
