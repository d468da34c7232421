import Foundation
import Synchronization
import XCTest

@testable import Harness

/// Two processes may work on one output directory (a second `gpool
/// reproduce`, a Slurm task beside a local run). A run that the other
/// process finishes after this one made its run list is kept, not deleted
/// and recomputed; a record of another config version is still replaced,
/// and `force` recomputes everything.
final class RunQueueConcurrencyTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-queue-\(UUID())")
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("runs"), withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  private struct Item: QueueItem {
    let runID: String
    var configName: String { "config" }
    let configSHA256: String
  }

  private struct Record: RecordedRun, Equatable {
    var configSHA256: String
    var writtenBy: String
  }

  private func recordPath(_ id: String) -> String {
    directory.appendingPathComponent("runs/\(id).json").path
  }

  private func read(_ id: String) throws -> Record {
    try JSONDecoder().decode(
      Record.self, from: Data(contentsOf: URL(fileURLWithPath: recordPath(id))))
  }

  /// Runs `first` then `second` (one job, `first` costs more); while
  /// `first` computes, "another process" writes `second`'s record with
  /// `otherSHA`. Returns the ids computed here and the progress lines.
  private func runWhileAnotherProcessFinishesTheSecond(
    otherSHA: String, force: Bool
  ) throws -> (computed: [String], lines: [String]) {
    let computed = Mutex<[String]>([])
    let lines = Mutex<[String]>([])
    let queue = RunQueue<Item>(
      outputDirectory: directory.path, jobs: 1, force: force, progressStyle: .lines,
      write: { text in lines.withLock { $0.append(text) } }, log: { _ in })
    let secondPath = recordPath("second")
    let items = [Item(runID: "first", configSHA256: "A"), Item(runID: "second", configSHA256: "A")]
    let failures = try queue.execute(
      items, label: { $0.runID }, cost: { $0.runID == "first" ? 2 : 1 },
      run: { item, _ in
        computed.withLock { $0.append(item.runID) }
        if item.runID == "first" {
          try JSONEncoder().encode(Record(configSHA256: otherSHA, writtenBy: "other process"))
            .write(to: URL(fileURLWithPath: secondPath))
        }
        return (record: Record(configSHA256: "A", writtenBy: "this process"), summary: "done")
      })
    XCTAssertTrue(failures.isEmpty, "\(failures)")
    return (computed.withLock { $0 }, lines.withLock { $0 })
  }

  func testARunFinishedMeanwhileByAnotherProcessIsKept() throws {
    let (computed, lines) = try runWhileAnotherProcessFinishesTheSecond(
      otherSHA: "A", force: false)
    XCTAssertEqual(computed, ["first"])
    XCTAssertEqual(try read("second").writtenBy, "other process")
    XCTAssertEqual(try read("first").writtenBy, "this process")
    XCTAssertTrue(
      lines.contains { $0.contains("[2/2] second: finished meanwhile by another process") },
      "\(lines)")
  }

  func testARecordOfAnotherConfigVersionIsStillReplaced() throws {
    let (computed, _) = try runWhileAnotherProcessFinishesTheSecond(otherSHA: "B", force: false)
    XCTAssertEqual(computed, ["first", "second"])
    XCTAssertEqual(try read("second"), Record(configSHA256: "A", writtenBy: "this process"))
  }

  func testForceRecomputesARunFinishedMeanwhile() throws {
    let (computed, _) = try runWhileAnotherProcessFinishesTheSecond(otherSHA: "A", force: true)
    XCTAssertEqual(computed, ["first", "second"])
    XCTAssertEqual(try read("second").writtenBy, "this process")
  }
}
