import Foundation
import Synchronization
import XCTest

@testable import Harness

/// What the run queue finds in its output directory when it starts a run.
/// A SIGKILLed run leaves `*.tmp-PID…` files; the next run removes those of
/// dead processes and keeps everything else. Two processes may work on one
/// output directory (a second `gpool reproduce`, a Slurm task beside a
/// local run): a run that the other process finishes after this one made
/// its run list is kept, not deleted and recomputed; a record of another
/// config version is still replaced, and `force` recomputes everything.
final class RunQueueOutputTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-stale-\(UUID())")
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("runs"), withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  /// A process id that is not running: a child that has exited and been reaped.
  private func deadProcessID() throws -> Int32 {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/true")
    try child.run()
    child.waitUntilExit()
    return child.processIdentifier
  }

  func testTemporariesOfDeadProcessesAreRemovedOthersKept() throws {
    let dead = try deadProcessID()
    XCTAssertFalse(AtomicFile.processExists(dead))
    let live = ProcessInfo.processInfo.processIdentifier
    let files = [
      "runs/a.json.tmp-\(dead)-0F2C", "c.h5.tmp-\(dead)", "runs/b.json.tmp-\(live)-11AA",
      "runs/kept.json", "notes.tmp-text",
    ]
    for file in files {
      XCTAssertTrue(
        FileManager.default.createFile(
          atPath: directory.appendingPathComponent(file).path, contents: Data("x".utf8)))
    }
    let removed = AtomicFile.removeStaleTemporaries(in: directory.path).map {
      URL(fileURLWithPath: $0).lastPathComponent
    }
    XCTAssertEqual(Set(removed), ["a.json.tmp-\(dead)-0F2C", "c.h5.tmp-\(dead)"])
    for file in files.dropFirst(2) {
      XCTAssertTrue(
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), file)
    }
  }

  private struct NoRun: QueueItem {
    var runID: String { "none" }
    var configName: String { "none" }
    var configSHA256: String { "" }
  }

  private struct NoRecord: RecordedRun {
    var configSHA256: String
  }

  /// Where Slurm tasks may be writing (the output has a submission log), a
  /// local run keeps leftover temporary files: the process ids in their
  /// names belong to other machines.
  func testALocalRunKeepsTemporariesWhereSlurmTasksMayWrite() throws {
    let temporary = directory.appendingPathComponent("runs/a.json.tmp-\(try deadProcessID())-0F2C")
    let queue = RunQueue<NoRun>(
      outputDirectory: directory.path, jobs: 1, force: false, progressStyle: .lines,
      write: { _ in }, log: { _ in })
    func runNothing() throws {
      _ = try queue.execute(
        [NoRun](), label: { _ in "" }, cost: { _ in 1 },
        run: { _, _ in (record: NoRecord(configSHA256: ""), summary: "") })
    }
    XCTAssertTrue(FileManager.default.createFile(atPath: temporary.path, contents: Data()))
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("slurm"), withIntermediateDirectories: true)
    try Data("[]".utf8).write(to: directory.appendingPathComponent("slurm/submissions.json"))
    try runNothing()
    XCTAssertTrue(FileManager.default.fileExists(atPath: temporary.path))
    try FileManager.default.removeItem(at: directory.appendingPathComponent("slurm"))
    try runNothing()
    XCTAssertFalse(FileManager.default.fileExists(atPath: temporary.path))
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
