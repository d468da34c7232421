import Foundation
import GraphData
import Harness
import XCTest

/// The vector-clustering runner end to end on USPS (2 epochs): runs,
/// records, tables, resume, and config errors naming the key.
final class VectorClusteringExperimentTests: XCTestCase {
  func testRunsResumeAndTables() throws {
    guard let mirror = NodeClusteringExperimentTests.mirrorWithVectors else {
      throw XCTSkip("no data mirror with vectors/")
    }
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gpool-vec-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("Configs"), withIntermediateDirectories: true)
    try """
    {"method": "NeuNcut", "task": "vector_clustering", "dataset": "usps", "train_fraction": 0.2,
     "neuncut": {"hidden": [16], "epochs": 2, "learning_rate": 0.001}}
    """.write(to: root.appendingPathComponent("Configs/n.json"), atomically: true, encoding: .utf8)
    try """
    {"method": "k-means++", "task": "vector_clustering", "dataset": "usps",
     "baseline": {"type": "kmeans", "restarts": 1}}
    """.write(to: root.appendingPathComponent("Configs/k.json"), atomically: true, encoding: .utf8)
    // USPS's own split: train on its 7,291 training images, score its 2,007
    // test images as unseen.
    try """
    {"method": "NeuNcut split", "task": "vector_clustering", "dataset": "usps",
     "train_split": "predefined", "neuncut": {"hidden": [8], "epochs": 1}}
    """.write(to: root.appendingPathComponent("Configs/p.json"), atomically: true, encoding: .utf8)
    // A baseline scored on USPS's own split: one clustering of every sample,
    // its training rows as seen, its test rows as unseen.
    try """
    {"method": "k-means++ by split", "task": "vector_clustering", "dataset": "usps",
     "train_split": "predefined", "baseline": {"type": "kmeans", "restarts": 1}}
    """.write(to: root.appendingPathComponent("Configs/s.json"), atomically: true, encoding: .utf8)
    let spec = ExperimentSpec(
      name: "vec", title: "Vec",
      configs: ["Configs/n.json", "Configs/k.json", "Configs/p.json", "Configs/s.json"],
      seeds: [0])
    func runner(_ log: @escaping @Sendable (String) -> Void = { _ in }) throws
      -> any ExperimentRunner
    {
      try ExperimentRunners.make(
        spec: spec, rootDirectory: root.path, dataDirectory: mirror,
        outputDirectory: root.appendingPathComponent("results").path, jobs: 1, force: false,
        progressStyle: .lines, log: log)
    }
    XCTAssertTrue(try runner().run().isEmpty)
    let csv = try String(
      contentsOf: root.appendingPathComponent("results/runs.csv"), encoding: .utf8)
    let lines = csv.split(separator: "\n")
    XCTAssertEqual(lines.count, 5)
    XCTAssertTrue(lines[4].hasPrefix("s,usps,k-means++ by split,0,7291,"), String(lines[4]))
    XCTAssertTrue(lines[4].contains(",2007,"), String(lines[4]))
    XCTAssertTrue(lines[3].hasPrefix("p,usps,NeuNcut split,0,7291,"), String(lines[3]))
    XCTAssertTrue(lines[3].contains(",2007,"), String(lines[3]))
    XCTAssertTrue(lines[1].hasPrefix("n,usps,NeuNcut,0,1860,"), String(lines[1]))
    XCTAssertTrue(lines[2].hasPrefix("k,usps,k-means++,0,9298,"), String(lines[2]))
    let table = try String(
      contentsOf: root.appendingPathComponent("results/vec.md"), encoding: .utf8)
    XCTAssertTrue(table.contains("| usps | NeuNcut | 1/1 |"), table)
    XCTAssertTrue(table.contains("| usps | k-means++ | 1/1 |"), table)
    let lines2 = LockedLines()
    XCTAssertTrue(try runner { lines2.append($0) }.run().isEmpty)
    XCTAssertTrue(lines2.all.contains { $0.contains("4 already done") }, "\(lines2.all)")
    // A baseline takes no train_fraction, and of train_split only 'predefined'.
    try """
    {"method": "k", "task": "vector_clustering", "dataset": "usps", "train_split": "fraction",
     "baseline": {"type": "kmeans"}}
    """.write(to: root.appendingPathComponent("Configs/s.json"), atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try runner().run()) {
      XCTAssertTrue("\($0)".contains("train_split"), "\($0)")
      XCTAssertTrue("\($0)".contains("only 'predefined'"), "\($0)")
    }
    try """
    {"method": "k-means++ by split", "task": "vector_clustering", "dataset": "usps",
     "train_split": "predefined", "baseline": {"type": "kmeans", "restarts": 1}}
    """.write(to: root.appendingPathComponent("Configs/s.json"), atomically: true, encoding: .utf8)
    // A bad key is an error naming it.
    try """
    {"method": "k", "task": "vector_clustering", "dataset": "usps",
     "baseline": {"type": "kmeans", "neighbours": 5}}
    """.write(to: root.appendingPathComponent("Configs/k.json"), atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try runner().run()) {
      XCTAssertTrue("\($0)".contains("neighbours"), "\($0)")
    }
  }
}

extension NodeClusteringExperimentTests {
  static var mirrorWithVectors: String? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return [
      ProcessInfo.processInfo.environment["GPOOL_DATA_MIRROR"],
      root.appendingPathComponent("../shared/data").standardized.path,
      root.appendingPathComponent("data").path,
    ].compactMap { $0 }.first {
      FileManager.default.fileExists(atPath: "\($0)/vectors/usps/usps.h5")
    }
  }
}
