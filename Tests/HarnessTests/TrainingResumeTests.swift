import Foundation
import GraphData
import Pooling
import TensorCore
import XCTest

@testable import Harness

/// A graph-classification run stopped after some epoch and started again
/// from its saved `TrainingState` ends with the numbers, bit for bit, of a
/// run that was never stopped; a state of another run or other code is not
/// resumed.
final class TrainingResumeTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-resume-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  private let dataset = GraphClassificationTrainingTests.ringsAndCliques(count: 60, seed: 3)
  private let split = GraphSplit(
    train: Array(0..<40), validation: Array(40..<50), test: Array(50..<60))

  /// DiffPool (two auxiliary losses, Adam moments for every parameter).
  private func model() throws -> (GraphClassifier, RandomSource) {
    var random = RandomSource(seed: 7)
    let layers = try JSONDecoder().decode(
      [LayerSpec].self,
      from: Data(
        #"""
        [{"type": "gcs", "units": 8, "activation": "relu", "l2": 1e-4},
         {"type": "diffpool", "k_ratio": 0.5, "channels": 8},
         {"type": "gcs", "units": 8, "activation": "relu"},
         {"type": "readout"}, {"type": "dense"}]
        """#.utf8))
    let model = try GraphClassifier(
      layers: layers, inputFeatures: 2, classCount: 2, averageNodes: 10, random: &random)
    return (model, random)
  }

  private struct Interrupted: Error {}

  func testAnInterruptedTrainingResumesToTheSameNumbers() throws {
    var options = GraphClassificationTraining.Options()
    options.learningRate = 5e-3
    options.maximumEpochs = 40
    options.patience = 3  // early stopping ends it; the resumed run must stop alike
    // Validation labels flipped: as the model learns, the validation loss
    // rises, so the best epoch falls behind and early stopping ends training.
    var dataset = self.dataset
    for index in split.validation { dataset.graphs[index].label = 1 - dataset.graphs[index].label }

    let whole: GraphClassifier
    var random: RandomSource
    (whole, random) = try model()
    let uninterrupted = try GraphClassificationTraining.train(
      whole, on: dataset, split: split, options: options, random: &random)
    XCTAssertLessThan(uninterrupted.epochs, options.maximumEpochs, "it stopped early")
    var bestBeforeStop = false

    for stop in [1, 2, 4] {
      XCTAssertLessThan(stop, uninterrupted.epochs)
      // Stopped after epoch `stop`, its state through JSON and back.
      let first: GraphClassifier
      var firstRandom: RandomSource
      (first, firstRandom) = try model()
      var saved: Data?
      XCTAssertThrowsError(
        try GraphClassificationTraining.train(
          first, on: dataset, split: split, options: options, random: &firstRandom,
          epochDone: { epoch, state in
            guard epoch == stop else { return }
            saved = try JSONEncoder().encode(state())
            throw Interrupted()
          }))
      let state = try JSONDecoder().decode(TrainingState.self, from: try XCTUnwrap(saved))
      XCTAssertEqual(state.epoch, stop)
      XCTAssertEqual(state.epochSummaries, Array(uninterrupted.epochSummaries.prefix(stop)))
      bestBeforeStop = bestBeforeStop || state.bestEpoch < state.epoch

      // A fresh model (its own initial weights) resumed from the state.
      let second: GraphClassifier
      var secondRandom: RandomSource
      (second, secondRandom) = try model()
      let resumed = try GraphClassificationTraining.train(
        second, on: dataset, split: split, options: options, random: &secondRandom,
        resumingFrom: state)
      XCTAssertEqual(resumed.epochSummaries, uninterrupted.epochSummaries, "stopped after \(stop)")
      XCTAssertEqual(resumed.bestEpoch, uninterrupted.bestEpoch)
      XCTAssertEqual(
        resumed.bestValidationLoss.bitPattern, uninterrupted.bestValidationLoss.bitPattern)
      XCTAssertEqual(resumed.testAccuracy, uninterrupted.testAccuracy)
      XCTAssertEqual(second.parameters.map(\.value), whole.parameters.map(\.value))
      XCTAssertEqual(secondRandom, random, "the random stream continues where it stopped")
    }
    XCTAssertTrue(bestBeforeStop, "a state whose best epoch is not its last (best weights kept)")
  }

  func testAStateOfOtherParametersIsRefused() throws {
    var model: GraphClassifier
    var random: RandomSource
    (model, random) = try self.model()
    var options = GraphClassificationTraining.Options()
    options.maximumEpochs = 2
    var saved: TrainingState?
    _ = try GraphClassificationTraining.train(
      model, on: dataset, split: split, options: options,
      random: &random,
      epochDone: { epoch, state in if epoch == 1 { saved = state() } })
    var state = try XCTUnwrap(saved)
    state.parameters[0].name = "other/kernel"
    (model, random) = try self.model()
    XCTAssertThrowsError(
      try GraphClassificationTraining.train(
        model, on: dataset, split: split, options: options, random: &random,
        resumingFrom: state)
    ) { XCTAssertTrue("\($0)".contains("are not the model's"), "\($0)") }
    // Shapes, moments, the random state and the log are checked too.
    let good = try XCTUnwrap(saved)
    var bad = [good, good, good, good]
    bad[0].firstMoments[0].rows += 1
    bad[1].randomState = [0, 0, 0, 0]
    bad[2].epochSummaries.removeLast()
    bad[3].secondMoments.append(bad[3].secondMoments[0])
    for (index, state) in bad.enumerated() {
      (model, random) = try self.model()
      XCTAssertThrowsError(
        try GraphClassificationTraining.train(
          model, on: dataset, split: split, options: options, random: &random,
          resumingFrom: state), "case \(index)")
    }
  }

  // MARK: Through GraphClassificationRun (the file, its owner, its removal)

  private func makeRun(
    codeVersion: String? = "0123abcd", log: @escaping (String) -> Void = { _ in }
  )
    throws -> GraphClassificationRun
  {
    let path = directory.appendingPathComponent("config.json").path
    try #"""
    {"method": "DiffPool", "task": "graph_classification", "dataset": {"name": "MUTAG"},
     "model": [{"type": "gcs", "units": 8, "activation": "relu"},
               {"type": "diffpool", "k_ratio": 0.5, "channels": 8},
               {"type": "gcs", "units": 8, "activation": "relu"},
               {"type": "readout"}, {"type": "dense"}],
     "optimizer": {"type": "adam", "learning_rate": 0.005},
     "training": {"batch_size": 8, "max_epochs": 7, "patience": 50}}
    """#.write(toFile: path, atomically: true, encoding: .utf8)
    var run = GraphClassificationRun(
      config: try RunConfig.load(from: path), configName: "resume", dataset: dataset,
      split: split, splitIndex: 0, seed: 2, configSHA256: "c0ffee", dataSHA256: "da7a",
      gitCommit: "abc")
    run.statePath = directory.appendingPathComponent("partial/resume.json").path
    run.logPath = directory.appendingPathComponent("logs/resume.csv").path
    run.stateInterval = .zero
    run.codeVersion = codeVersion
    run.log = log
    return run
  }

  private func withoutSeconds(_ r: GraphClassificationResult) -> GraphClassificationResult {
    var r = r
    r.seconds = 0
    return r
  }

  func testARunResumesFromItsSavedStateAndRemovesItAtTheEnd() throws {
    // While run A trains, keep a copy of the state saved after epoch 3 (at
    // epoch 4's progress call the file holds epoch 3's state).
    var a = try makeRun()
    let statePath = a.statePath!
    let copy = directory.appendingPathComponent("after-epoch-3.json").path
    a.progress = { epoch, _ in
      if epoch == 4 { try? FileManager.default.copyItem(atPath: statePath, toPath: copy) }
    }
    let first = try a.run()
    XCTAssertEqual(try TrainingState.read(from: statePath).epoch, 6, "the last save is left")
    let saved = try TrainingState.read(from: copy)
    XCTAssertEqual(saved.epoch, 3)
    let firstLog = try String(contentsOfFile: a.logPath!, encoding: .utf8)

    // Run B finds that state and continues after epoch 3.
    try FileManager.default.removeItem(atPath: statePath)
    try FileManager.default.copyItem(atPath: copy, toPath: statePath)
    var lines: [String] = []
    var epochs: [Int] = []
    var b = try makeRun { lines.append($0) }
    var resumedAfter: [Int] = []
    b.progress = { epoch, _ in epochs.append(epoch) }
    b.resumedProgress = { epoch, _ in resumedAfter.append(epoch) }
    let second = try b.run()
    XCTAssertTrue(lines.contains { $0.hasPrefix("resuming after epoch 3 from ") }, "\(lines)")
    XCTAssertEqual(epochs, [4, 5, 6, 7], "only the epochs after the state are trained")
    XCTAssertEqual(resumedAfter, [3], "the display is told where the run resumed")
    XCTAssertEqual(withoutSeconds(second), withoutSeconds(first))
    XCTAssertEqual(try String(contentsOfFile: b.logPath!, encoding: .utf8), firstLog)
    XCTAssertGreaterThan(second.seconds, saved.elapsedSeconds, "the saved time is counted")

    // Of other code, or where the code cannot be told (uncommitted
    // changes): not resumed; the run starts from scratch.
    for code in ["fedcba98", nil] {
      try? FileManager.default.removeItem(atPath: statePath)
      try FileManager.default.copyItem(atPath: copy, toPath: statePath)
      lines = []
      epochs = []
      var c = try makeRun(codeVersion: code) { lines.append($0) }
      c.progress = { epoch, _ in epochs.append(epoch) }
      c.resumedProgress = { _, _ in XCTFail("not resumed") }
      XCTAssertEqual(withoutSeconds(try c.run()), withoutSeconds(first))
      XCTAssertEqual(epochs, Array(1...7))
      let reason =
        code == nil
        ? "the sources have uncommitted changes"
        : "(code: saved by 0123abcd, this is fedcba98)"
      XCTAssertTrue(
        lines.contains { $0.hasPrefix("not resuming \(statePath): ") && $0.contains(reason) },
        "\(lines)")
    }
    // And without a code version no state is saved.
    try FileManager.default.removeItem(atPath: statePath)
    var saves = 0
    var d = try makeRun(codeVersion: nil)
    d.progress = { _, _ in saves += FileManager.default.fileExists(atPath: statePath) ? 1 : 0 }
    _ = try d.run()
    XCTAssertEqual(saves, 0)

    // Not a state at all, or one that does not fit the model: a line
    // saying so, and a run from scratch.
    var misfit = saved
    misfit.parameters[1].rows += 1
    try misfit.write(to: directory.appendingPathComponent("misfit.json").path)
    let cases = [
      ("{\"epoch\": ", "not a training state"),
      (
        try String(
          contentsOfFile: directory.appendingPathComponent("misfit.json").path, encoding: .utf8),
        "is \(saved.parameters[1].rows + 1)×"
      ),
    ]
    for (text, reason) in cases {
      try text.write(toFile: statePath, atomically: true, encoding: .utf8)
      lines = []
      let scratch = try makeRun { lines.append($0) }.run()
      XCTAssertEqual(withoutSeconds(scratch), withoutSeconds(first))
      XCTAssertTrue(
        lines.contains { $0.hasPrefix("not resuming \(statePath): ") && $0.contains(reason) },
        "\(lines)")
    }

    // A state that cannot be written does not stop the run.
    let blocker = directory.appendingPathComponent("blocker").path
    try "a file, not a directory".write(toFile: blocker, atomically: true, encoding: .utf8)
    lines = []
    var e = try makeRun { lines.append($0) }
    e.statePath = blocker + "/state.json"
    XCTAssertEqual(withoutSeconds(try e.run()), withoutSeconds(first))
    XCTAssertTrue(
      lines.contains { $0.hasPrefix("could not save the training state after epoch 1 to ") },
      "\(lines)")
  }
}

/// The code version a state is tied to changes with the sources, not with
/// commits of results, and is nil while the sources have uncommitted changes;
/// the commit a record names is "-dirty" for uncommitted sources only.
final class CodeVersionTests: XCTestCase {
  func testTheCodeVersionFollowsTheSourcesOnly() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-code-version-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("Sources"), withIntermediateDirectories: true)
    func git(_ arguments: String...) throws {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments =
        ["git", "-C", root.path, "-c", "user.name=t", "-c", "user.email=t@t"] + arguments
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      XCTAssertEqual(process.terminationStatus, 0, "git \(arguments)")
    }
    func write(_ text: String, _ path: String) throws {
      try text.write(to: root.appendingPathComponent(path), atomically: true, encoding: .utf8)
    }
    XCTAssertNil(GitInfo.codeVersion(in: root.path), "not a git repository")
    try git("init", "-q")
    try write("let a = 1\n", "Sources/a.swift")
    try write("// manifest\n", "Package.swift")
    try git("add", "-A")
    try git("commit", "-q", "-m", "one")
    let first = try XCTUnwrap(GitInfo.codeVersion(in: root.path))

    try write("run\n", "results.csv")
    try git("add", "-A")
    try git("commit", "-q", "-m", "results")
    XCTAssertEqual(GitInfo.codeVersion(in: root.path), first, "a results commit keeps it")
    // A results file changed by a run in the background does not make the
    // commit a record names dirty; a source change does.
    let head = GitInfo.commit(in: root.path)
    XCTAssertEqual(head.count, 12, head)
    try write("run\nrun\n", "results.csv")
    XCTAssertEqual(GitInfo.commit(in: root.path), head)

    try write("let a = 2\n", "Sources/a.swift")
    XCTAssertNil(GitInfo.codeVersion(in: root.path), "uncommitted source change")
    XCTAssertEqual(GitInfo.commit(in: root.path), head + "-dirty")
    try git("commit", "-q", "-am", "two")
    let second = try XCTUnwrap(GitInfo.codeVersion(in: root.path))
    XCTAssertNotEqual(second, first)

    try write("let b = 1\n", "Sources/b.swift")
    XCTAssertNil(GitInfo.codeVersion(in: root.path), "a new source file, not committed")
    XCTAssertTrue(GitInfo.commit(in: root.path).hasSuffix("-dirty"))
  }
}
