import Foundation
import Fuzzing
import XCTest

/// The failures of issue 8 as a user meets them: each runs the built `gpool`
/// on a bad input and checks the exit status (non-zero), that the error is
/// one line naming the file and the key, line or offset, that there is no
/// backtrace, and that nothing was written.
final class CommandLineErrorTests: XCTestCase {
  private var directory: String!

  /// `gpool`, built beside the test bundle by `swift build --build-tests`.
  private var gpool: String {
    get throws {
      let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("gpool").path
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw XCTSkip("gpool is not built next to the tests (\(path)); run `make test`")
      }
      return path
    }
  }

  /// The offline data mirror, for the cases that need Cora.
  private var mirror: String {
    get throws {
      for candidate in [
        ProcessInfo.processInfo.environment["GPOOL_DATA_MIRROR"] ?? "",
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
          .deletingLastPathComponent().deletingLastPathComponent()
          .appendingPathComponent("shared/data").path, "/work/shared/data",
      ]
      where !candidate.isEmpty
        && FileManager.default.fileExists(atPath: candidate + "/planetoid/cora")
      {
        return candidate
      }
      throw XCTSkip("no data mirror with Cora (set GPOOL_DATA_MIRROR)")
    }
  }

  override func setUpWithError() throws {
    directory =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("CommandLineErrorTests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// Runs gpool in the scratch directory; returns its status and stderr.
  private func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try gpool)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Asserts a clean failure: status 1, an `Error:` line containing every
  /// part (usage lines of ArgumentParser aside), no backtrace.
  private func assertCleanFailure(
    _ arguments: [String], mentions parts: [String], line: UInt = #line
  ) throws {
    let (status, stderr) = try run(arguments)
    XCTAssertNotEqual(status, 0, stderr, line: line)
    XCTAssertLessThan(status, 128, "killed by a signal: \(stderr)", line: line)
    for marker in ["Fatal error", "Stack dump", "backtrace", "Current stack trace"] {
      XCTAssertFalse(stderr.contains(marker), stderr, line: line)
    }
    let errorLines = stderr.split(separator: "\n").filter {
      !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '")
    }
    XCTAssertFalse(errorLines.isEmpty, "no error message", line: line)
    let message = errorLines.joined(separator: "\n")
    for part in parts {
      XCTAssertTrue(message.contains(part), "'\(message)' lacks '\(part)'", line: line)
    }
  }

  private func writeConfig(_ name: String, _ text: String) throws -> String {
    let path = "\(directory!)/\(name)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  private var nothingWritten: Bool {
    !FileManager.default.fileExists(atPath: "\(directory!)/results")
  }

  // 1. Sizes: against the ranges, the data and the memory, before any output.
  func testConfigSizesAreRefusedBeforeAnyOutput() throws {
    let data = try mirror
    for (key, layer, expected) in [
      ("units", #"{"type": "gcs", "units": 1e9}"#, "model[0].units"),
      (
        "mlp", #"{"type": "gcs", "units": 4}, {"type": "mincut", "mlp_hidden": [1e9]}"#,
        "model[1].mlp_hidden"
      ),
      ("k", #"{"type": "gcs", "units": 4}, {"type": "mincut", "k": 100000}"#, "model[1].k"),
      ("k3000", #"{"type": "gcs", "units": 4}, {"type": "mincut", "k": 3000}"#, "model[1].k"),
    ] {
      let config = try writeConfig(
        "\(key).json",
        #"{"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"}, "model": ["#
          + layer + "]}")
      try assertCleanFailure(
        ["run", config, "--data-dir", data], mentions: ["\(key).json", "'\(expected)"])
      XCTAssertTrue(nothingWritten, key)
    }
    let iterations = try writeConfig(
      "iterations.json",
      #"{"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"}, "#
        + #""model": [{"type": "gcs", "units": 4}, {"type": "mincut"}], "iterations": 1e18}"#)
    try assertCleanFailure(
      ["run", iterations, "--data-dir", data], mentions: ["iterations.json", "'iterations'"])
    XCTAssertTrue(nothingWritten)
  }

  // 2 and 3. JSON errors with their place; whole-config errors before any output.
  func testJSONAndStructureErrorsNameThePlace() throws {
    let trailing = try writeConfig(
      "trailing.json", "{\"method\": \"MinCutPool\",\n \"task\": \"node_clustering\"} x\n")
    try assertCleanFailure(["run", trailing], mentions: ["trailing.json", "line 2, column"])
    let empty = try writeConfig("empty.json", "")
    try assertCleanFailure(["run", empty], mentions: ["empty.json"])
    let duplicate = try writeConfig(
      "duplicate.json", #"{"method": "A", "method": "B"}"#)
    try assertCleanFailure(["run", duplicate], mentions: ["duplicate.json", "duplicate"])
    let poolFirst = try writeConfig(
      "pool-first.json",
      #"{"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"}, "#
        + #""model": [{"type": "mincut", "k": 7}, {"type": "gcs", "units": 4}]}"#)
    try assertCleanFailure(["run", poolFirst], mentions: ["pool-first.json", "model"])
    let rate = try writeConfig(
      "rate.json",
      #"{"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"}, "#
        + #""model": [{"type": "gcs", "units": 4}, {"type": "mincut"}], "#
        + #""optimizer": {"learning_rate": 1e38}}"#)
    try assertCleanFailure(["run", rate], mentions: ["rate.json", "learning_rate"])
    XCTAssertTrue(nothingWritten)
  }

  // 4. Missing data is a failure, with a summary on stderr.
  func testMissingDataExitsNonZero() throws {
    let config = try writeConfig(
      "cora.json",
      #"{"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"}, "#
        + #""model": [{"type": "gcs", "units": 4}, {"type": "mincut"}], "iterations": 2}"#)
    try assertCleanFailure(
      ["run", config, "--data-dir", "\(directory!)/nowhere"], mentions: ["not found"])
    try assertCleanFailure(
      ["datasets", "--data-dir", "\(directory!)/nowhere"], mentions: ["missing or unreadable"])
  }

  // 5. Numbers on the command line name their range.
  func testCommandLineNumbersNameTheirRange() throws {
    try assertCleanFailure(
      ["run", "x.json", "--seeds", "-1"], mentions: ["--seeds", "0…2147483647"])
    try assertCleanFailure(["run", "x.json", "--threads", "-3"], mentions: ["1…256"])
    try assertCleanFailure(["bench", "--threads", "100000"], mentions: ["1…256"])
    try assertCleanFailure(["datasets", "--max-dataset-mib", "0"], mentions: ["1...1048576"])
  }

  /// Cluster options: named when given without the backend or malformed;
  /// a missing `sbatch` or submission log is a clear error, not a crash.
  func testClusterOptionsAndMissingSlurmNameTheProblem() throws {
    try assertCleanFailure(
      ["reproduce", "table1", "--partition", "cpu"], mentions: ["--partition needs --backend slurm"]
    )
    try assertCleanFailure(
      ["run", "x.json", "--backend", "slurm", "--time", "two hours"],
      mentions: ["--time", "HH:MM:SS"])
    try assertCleanFailure(["collect"], mentions: ["name an experiment"])
    try assertCleanFailure(
      ["collect", "--output", directory], mentions: ["no Slurm submission in \(directory!)/slurm"])
    let experiment = "\(directory!)/Experiments/tiny"
    try FileManager.default.createDirectory(atPath: experiment, withIntermediateDirectories: true)
    try #"{"name": "tiny", "title": "t", "seeds": [0], "configs": ["c.json"]}"#.write(
      toFile: "\(experiment)/experiment.json", atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try gpool)
    process.arguments = ["reproduce", "tiny", "--backend", "slurm"]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ["PATH": "/nonexistent"]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 1, stderr)
    XCTAssertTrue(stderr.contains("`sbatch` not found on PATH"), stderr)
  }

  // 6. A corrupted checkpoint is refused by its hash.
  func testEvaluatingACorruptedCheckpointFails() throws {
    let data = try mirror
    let config = try writeConfig(
      "tiny.json",
      #"{"method": "MinCutPool", "task": "node_clustering", "dataset": {"name": "cora"}, "#
        + #""model": [{"type": "gcs", "units": 4}, {"type": "mincut"}], "iterations": 2}"#)
    let (status, stderr) = try run(["run", config, "--data-dir", data, "--jobs", "1"])
    XCTAssertEqual(status, 0, stderr)
    let record = "\(directory!)/results/runs/tiny/runs/tiny-seed0.json"
    let checkpoint = "\(directory!)/results/runs/tiny/checkpoints/tiny-seed0.h5"
    XCTAssertEqual(try run(["evaluate", record, "--data-dir", data]).status, 0)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: checkpoint)))
    bytes[bytes.count / 2] ^= 0x10
    try Data(bytes).write(to: URL(fileURLWithPath: checkpoint))
    try assertCleanFailure(
      ["evaluate", record, "--data-dir", data],
      mentions: ["tiny-seed0.h5", "changed or corrupted"])
  }

  // 7. A zip that inflates beyond the readers' limit is refused before parsing.
  func testAnInflatingZipIsRefused() throws {
    let zip = "\(directory!)/BIG.zip"
    try FuzzSample.writeZip(
      [
        ("BIG/BIG_A.txt", String(repeating: "1, 2\n", count: 400_000)),
        ("BIG/BIG_graph_indicator.txt", "1\n1\n"), ("BIG/BIG_graph_labels.txt", "1\n"),
      ].map { FuzzSample.Member(path: $0.0, bytes: Array($0.1.utf8)) }, to: zip)
    try assertCleanFailure(
      ["fuzz", "--target", "tu", "--replay", zip, "--max-dataset-mib", "1"],
      mentions: ["BIG.zip", "limit of 1 MiB", "--max-dataset-mib"])
  }
}
