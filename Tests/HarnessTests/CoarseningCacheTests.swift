import Foundation
import GraphData
import Harness
import Pooling
import TensorCore
import XCTest

/// Precomputed coarsenings: computed once per dataset before training,
/// stored under the data checksum and the poolers' signatures, read back
/// identically, and recomputed (with a message) when the file is damaged.
final class CoarseningCacheTests: XCTestCase {
  private func model(_ pool: String, seed: UInt64 = 0) throws -> GraphClassifier {
    let json =
      #"[{"type": "gcs", "units": 4, "activation": "relu"}, "# + pool
      + #", {"type": "gcs", "units": 4}, "#
      + pool + #", {"type": "readout"}, {"type": "dense"}]"#
    var random = RandomSource(seed: seed)
    return try GraphClassifier(
      layers: try JSONDecoder().decode([LayerSpec].self, from: Data(json.utf8)),
      inputFeatures: 2, classCount: 2, averageNodes: 10, random: &random)
  }

  private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "coarsening-cache-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  func testLevelsAreStoredAndReadBackIdentically() throws {
    let dataset = GraphClassificationTrainingTests.ringsAndCliques(count: 30, seed: 5)
    let graphs = dataset.graphs.map(\.adjacency)
    let cache = CoarseningCache(directory: try temporaryDirectory())
    for pool in [#"{"type": "graclus"}"#, #"{"type": "ndp"}"#] {
      let first = try model(pool)
      let computed = try first.precomputeCoarsenings(
        of: graphs, dataChecksum: "abc", cache: cache)!
      XCTAssertFalse(computed.cacheHit)
      XCTAssertTrue(FileManager.default.fileExists(atPath: cache.path(key: computed.key)))
      // Level 1 coarsens level 0's graphs: fewer nodes at each level.
      XCTAssertLessThan(computed.nodesPerLevel[0], graphs.reduce(0) { $0 + $1.rows })
      XCTAssertLessThan(computed.nodesPerLevel[1], computed.nodesPerLevel[0])

      let second = try model(pool)
      let read = try second.precomputeCoarsenings(of: graphs, dataChecksum: "abc", cache: cache)!
      XCTAssertTrue(read.cacheHit, pool)
      XCTAssertEqual(read.key, computed.key)
      for (a, b) in zip(first.precomputedPoolers, second.precomputedPoolers) {
        XCTAssertEqual(a.coarsenings.levels, b.coarsenings.levels, pool)
      }
      // What the poolers compute on their own agrees with the stored levels.
      let level0 = first.precomputedPoolers[0]
      XCTAssertEqual(try level0.coarsen(graphs[7], graphIndex: 7), level0.coarsenings.levels[7])

      // Another seed, other data or another option is another key.
      let reseeded = try model(pool, seed: 1)
      XCTAssertFalse(
        try reseeded.precomputeCoarsenings(of: graphs, dataChecksum: "abc", cache: cache)!.cacheHit)
      XCTAssertFalse(
        try model(pool).precomputeCoarsenings(of: graphs, dataChecksum: "abd", cache: cache)!
          .cacheHit)
    }
  }

  func testADamagedFileIsReportedAndRecomputed() throws {
    let dataset = GraphClassificationTrainingTests.ringsAndCliques(count: 12, seed: 6)
    let graphs = dataset.graphs.map(\.adjacency)
    let cache = CoarseningCache(directory: try temporaryDirectory())
    let first = try model(#"{"type": "ndp"}"#)
    let outcome = try first.precomputeCoarsenings(of: graphs, dataChecksum: "x", cache: cache)!
    let path = cache.path(key: outcome.key)
    var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
    bytes[bytes.count / 2] ^= 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let second = try model(#"{"type": "ndp"}"#)
    let again = try second.precomputeCoarsenings(of: graphs, dataChecksum: "x", cache: cache)!
    XCTAssertFalse(again.cacheHit)
    XCTAssertEqual(cache.problems.messages.count, 1)
    XCTAssertTrue(cache.problems.messages[0].contains("SHA-256"), cache.problems.messages[0])
    XCTAssertEqual(
      first.precomputedPoolers[1].coarsenings.levels,
      second.precomputedPoolers[1].coarsenings.levels)
    // Rewritten sound: a third model reads it.
    let third = try model(#"{"type": "ndp"}"#)
    XCTAssertTrue(
      try third.precomputeCoarsenings(of: graphs, dataChecksum: "x", cache: cache)!.cacheHit)
    // A truncated file is refused too.
    try Data(bytes.prefix(40)).write(to: URL(fileURLWithPath: path))
    XCTAssertFalse(
      try model(#"{"type": "ndp"}"#).precomputeCoarsenings(
        of: graphs, dataChecksum: "x", cache: cache)!
        .cacheHit)
  }

  func testAPrecomputedPoolerMayNotFollowATrainableOne() throws {
    let json = #"""
      [{"type": "gcs", "units": 4}, {"type": "topk", "ratio": 0.5}, {"type": "gcs", "units": 4},
       {"type": "graclus"}, {"type": "readout"}, {"type": "dense"}]
      """#
    var random = RandomSource(seed: 0)
    XCTAssertThrowsError(
      try GraphClassifier(
        layers: try JSONDecoder().decode([LayerSpec].self, from: Data(json.utf8)),
        inputFeatures: 2, classCount: 2, averageNodes: 10, random: &random)
    ) { error in
      XCTAssertTrue("\(error)".contains("must not follow a trainable pooler"), "\(error)")
    }
  }
}
