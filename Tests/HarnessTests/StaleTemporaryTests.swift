import Foundation
import XCTest

@testable import Harness

/// A SIGKILLed run leaves `*.tmp-PID…` files; the next run removes those of
/// dead processes and keeps everything else.
final class StaleTemporaryTests: XCTestCase {
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
}
