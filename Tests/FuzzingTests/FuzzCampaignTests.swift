import Foundation
import Fuzzing
import GraphData
import TensorCore
import XCTest

/// The seeded fuzz campaign in small: every reader, 120 mutated inputs
/// each (`make fuzz` runs 1,000 or more in a release build).
final class FuzzCampaignTests: XCTestCase {
  private var directory: String!

  override func setUpWithError() throws {
    directory =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("FuzzCampaignTests-\(UUID().uuidString)").path
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func testEveryReaderGivesALoadOrAOneLineErrorNamingTheFile() throws {
    let campaign = FuzzCampaign(
      seed: 2026, count: 120, timeoutSeconds: 60, memoryBoundBytes: 4 << 30,
      workDirectory: directory)
    for target in FuzzTarget.allCases {
      let report = try campaign.run(target)
      XCTAssertEqual(report.inputs, 120, target.rawValue)
      XCTAssertEqual(report.failures, [], "\(target.rawValue): \(report.failures.prefix(5))")
      // The mutations reach the parsers: most inputs are refused, for many reasons.
      XCTAssertGreaterThan(report.refused, 30, target.rawValue)
      XCTAssertGreaterThan(report.errorKinds.count, 2, "\(target.rawValue): \(report.errorKinds)")
    }
  }

  func testInputsAreAFunctionOfSeedTargetAndIndex() throws {
    // Inputs 0…17 in one campaign leave input 17 on disk; replayed alone it
    // must be the same bytes, and another seed must give other bytes.
    let all = FuzzCampaign(seed: 5, count: 18, workDirectory: directory + "/all")
    let one = FuzzCampaign(seed: 5, count: 1, first: 17, workDirectory: directory + "/one")
    let other = FuzzCampaign(seed: 6, count: 1, first: 17, workDirectory: directory + "/other")
    XCTAssertEqual(try all.run(.tu).inputs, 18)
    XCTAssertEqual(try one.run(.tu).inputs, 1)
    XCTAssertEqual(try other.run(.tu).inputs, 1)
    func input(_ run: String) throws -> Data {
      try Data(contentsOf: URL(fileURLWithPath: "\(directory!)/\(run)/tu/input/TOY.zip"))
    }
    XCTAssertEqual(try input("one"), try input("all"))
    XCTAssertNotEqual(try input("other"), try input("all"))
    let replayed = try String(contentsOfFile: directory + "/one/tu/current.txt", encoding: .utf8)
    XCTAssertEqual(replayed, "tu input 17 of seed 5\n")
  }

  func testMutationsAreSeededAndAlwaysChangeTheBytes() {
    let original = Array("1, 2\n2, 3\n".utf8)
    var a = RandomSource(seed: 11)
    var b = RandomSource(seed: 11)
    for round in 0..<1000 {
      let text = round % 2 == 0
      let x = ByteMutator.mutate(original, text: text, random: &a)
      XCTAssertEqual(x, ByteMutator.mutate(original, text: text, random: &b))
      XCTAssertNotEqual(x, original)
    }
    XCTAssertNotEqual(ByteMutator.mutate([], text: false, random: &a), [])
  }
}
