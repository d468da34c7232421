import Foundation
import GraphData
import HDF5Store
import Harness
import TensorCore
import XCTest

final class CheckpointTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("CheckpointTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  private let config = """
    {"dataset": "PROTEINS", "pooler": "gcs", "hidden": [64, 32], "note": "Zürich – 東京 ✓"}
    """

  private func makeParameters(_ random: inout RandomSource) -> [Parameter] {
    func gaussian(_ rows: Int, _ columns: Int) -> Matrix {
      Matrix(
        rows: rows, columns: columns,
        storage: (0..<(rows * columns)).map { _ in Float(random.nextGaussian()) })
    }
    return [
      Parameter(name: "gcs1/kernel_message", value: gaussian(3, 4)),
      Parameter(name: "gcs1/bias", value: gaussian(1, 4)),
      Parameter(name: "readout/weight", value: gaussian(4, 2)),
      Parameter(name: "unused", value: gaussian(2, 2)),
    ]
  }

  /// Parameters after two real Adam steps (all but "unused", which has no
  /// gradient and so no moments), and the checkpoint of that state.
  private func trainedCheckpoint() -> (Checkpoint, [Parameter], Adam, RandomSource) {
    var random = RandomSource(seed: 2024)
    let parameters = makeParameters(&random)
    var adam = Adam(learningRate: 0.01)
    for _ in 0..<2 {
      let tape = Tape()
      let loss =
        sumOfSquares(tape.parameter(parameters[0])) + sumOfSquares(tape.parameter(parameters[1]))
        + sumOfSquares(tape.parameter(parameters[2]))
      adam.update(parameters, with: tape.gradients(of: loss))
    }
    _ = random.next()
    let checkpoint = Checkpoint(
      parameters: parameters, optimizer: adam, iteration: 17, random: random, config: config)
    return (checkpoint, parameters, adam, random)
  }

  private func assertBitIdentical(
    _ a: Matrix?, _ b: Matrix?, _ what: String, line: UInt = #line
  ) {
    guard let a, let b else {
      XCTAssertTrue(a == nil && b == nil, "\(what): present in only one", line: line)
      return
    }
    XCTAssertEqual(a.rows, b.rows, what, line: line)
    XCTAssertEqual(a.columns, b.columns, what, line: line)
    XCTAssertEqual(a.storage.map(\.bitPattern), b.storage.map(\.bitPattern), what, line: line)
  }

  /// Records `file`'s current SHA-256 beside it, as `Checkpoint.write` does,
  /// so that a file built or edited on purpose reaches the HDF5 checks.
  private func seal(_ file: String) throws {
    let digest = try SHA256.hexDigest(ofFileAt: file)
    try "\(digest)  \(URL(fileURLWithPath: file).lastPathComponent)\n".write(
      toFile: Checkpoint.digestPath(for: file), atomically: true, encoding: .utf8)
  }

  /// The description of the error `body` throws (failing if it does not).
  private func errorDescription(_ body: () throws -> Void, line: UInt = #line) -> String {
    do {
      try body()
      XCTFail("expected an error", line: line)
    } catch {
      return String(describing: error)
    }
    return ""
  }

  func testRoundTripIsBitIdentical() throws {
    let (checkpoint, parameters, adam, random) = trainedCheckpoint()
    XCTAssertEqual(adam.step, 2)
    XCTAssertEqual(Set(adam.firstMoments.keys).count, 3)
    let file = path("run.h5")
    try checkpoint.write(to: file)
    let loaded = try Checkpoint.read(from: file)

    XCTAssertEqual(loaded.parameters.map(\.name), parameters.map(\.name))
    for (saved, original) in zip(loaded.parameters, parameters) {
      assertBitIdentical(saved.value, original.value, original.name)
      assertBitIdentical(
        loaded.optimizer.firstMoments[original.name], adam.firstMoments[original.name],
        "first moment of \(original.name)")
      assertBitIdentical(
        loaded.optimizer.secondMoments[original.name], adam.secondMoments[original.name],
        "second moment of \(original.name)")
    }
    XCTAssertNil(loaded.optimizer.firstMoments["unused"])
    XCTAssertEqual(loaded.optimizer.step, 2)
    XCTAssertEqual(loaded.optimizer.learningRate.bitPattern, adam.learningRate.bitPattern)
    XCTAssertEqual(loaded.optimizer.beta1.bitPattern, adam.beta1.bitPattern)
    XCTAssertEqual(loaded.optimizer.beta2.bitPattern, adam.beta2.bitPattern)
    XCTAssertEqual(loaded.optimizer.epsilon.bitPattern, adam.epsilon.bitPattern)
    XCTAssertEqual(loaded.optimizer, adam)
    XCTAssertEqual(loaded.iteration, 17)
    XCTAssertEqual(loaded.rngState, random.state)
    XCTAssertEqual(loaded.config, config)
    XCTAssertEqual(loaded, checkpoint)

    // Resuming continues exactly: restored weights and optimiser take the
    // same next step, and the random stream picks up where it stopped.
    var rng = RandomSource(seed: 1)
    let fresh = makeParameters(&rng)
    try loaded.restore(into: fresh)
    var resumedAdam = loaded.optimizer
    var originalAdam = adam
    func step(_ model: [Parameter], _ optimizer: inout Adam) {
      let tape = Tape()
      let loss = sumOfSquares(tape.parameter(model[0])) + sumOfSquares(tape.parameter(model[3]))
      optimizer.update(model, with: tape.gradients(of: loss))
    }
    step(parameters, &originalAdam)
    step(fresh, &resumedAdam)
    XCTAssertEqual(resumedAdam, originalAdam)
    for (a, b) in zip(parameters, fresh) { assertBitIdentical(a.value, b.value, a.name) }
    var originalRandom = random
    var resumedRandom = loaded.random
    XCTAssertEqual(originalRandom.next(), resumedRandom.next())
  }

  func testEmptyOptimizerStateRoundTrips() throws {
    var random = RandomSource(seed: 5)
    let parameters = makeParameters(&random)
    let checkpoint = Checkpoint(
      parameters: parameters, optimizer: Adam(), iteration: 0, random: random, config: "{}")
    let file = path("fresh.h5")
    try checkpoint.write(to: file)
    let loaded = try Checkpoint.read(from: file)
    XCTAssertEqual(loaded, checkpoint)
    XCTAssertTrue(loaded.optimizer.firstMoments.isEmpty)
  }

  func testNonFiniteParametersAreAnError() throws {
    let (checkpoint, _, _, _) = trainedCheckpoint()
    var broken = checkpoint
    broken.parameters[0].value.storage[1] = .nan
    let file = path("nan.h5")
    // Refused when written (and by the same check when read).
    let message = errorDescription { try broken.write(to: file) }
    XCTAssertTrue(message.contains("parameter 'gcs1/kernel_message' holds NaN"), message)
    XCTAssertFalse(FileManager.default.fileExists(atPath: file))

  }

  /// No modification times are stored, so one state gives one file (and
  /// one SHA-256) whenever it is written.
  func testTheSameStateWrittenLaterGivesTheSameBytes() throws {
    let (checkpoint, _, _, _) = trainedCheckpoint()
    let first = try checkpoint.write(to: path("first.h5"))
    Thread.sleep(forTimeInterval: 1.1)  // HDF5 times have one-second resolution
    let second = try checkpoint.write(to: path("second.h5"))
    XCTAssertEqual(first, second)
    XCTAssertEqual(
      try Data(contentsOf: URL(fileURLWithPath: path("first.h5"))),
      try Data(contentsOf: URL(fileURLWithPath: path("second.h5"))))
  }

  func testSHA256IsCheckedBeforeTheFileIsRead() throws {
    let (checkpoint, _, _, _) = trainedCheckpoint()
    let file = path("hashed.h5")
    try checkpoint.write(to: file)
    let digest = try SHA256.hexDigest(ofFileAt: file)
    XCTAssertEqual(try Checkpoint.read(from: file, expectedSHA256: digest), checkpoint)
    let message = errorDescription {
      _ = try Checkpoint.read(from: file, expectedSHA256: String(repeating: "0", count: 64))
    }
    XCTAssertTrue(message.contains("the file was changed or corrupted"), message)
  }

  /// 600 corrupted copies (one changed byte, a flipped bit, a run of bytes
  /// zeroed or randomised, a truncation, an insertion, a deletion), read as
  /// any checkpoint is read: every one is refused with the same one-line
  /// error, none reaches HDF5 and none loads.
  func testSixHundredCorruptedCopiesAreAllRefused() throws {
    let (checkpoint, _, _, _) = trainedCheckpoint()
    let original = path("original.h5")
    try checkpoint.write(to: original)
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
    let file = path("corrupted.h5")
    try FileManager.default.copyItem(
      atPath: Checkpoint.digestPath(for: original), toPath: Checkpoint.digestPath(for: file))
    var random = RandomSource(seed: 600)
    func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    var refused = 0
    for copy in 0..<600 {
      var mutated = bytes
      let offset = below(bytes.count)
      switch copy % 6 {
      case 0: mutated[offset] ^= UInt8(truncatingIfNeeded: below(255) + 1)
      case 1: mutated[offset] ^= UInt8(1) << UInt8(below(8))
      case 2:
        let end = min(bytes.count, offset + 1 + below(64))
        var changed = false
        for i in offset..<end {
          let value = copy % 12 == 2 ? 0 : UInt8(truncatingIfNeeded: random.next())
          changed = changed || value != mutated[i]
          mutated[i] = value
        }
        if !changed { mutated[offset] ^= 0xFF }
      case 3: mutated.removeLast(1 + below(bytes.count))
      case 4: mutated.insert(UInt8(truncatingIfNeeded: random.next()), at: offset)
      default: mutated.remove(at: offset)
      }
      XCTAssertNotEqual(mutated, bytes)
      try Data(mutated).write(to: URL(fileURLWithPath: file))
      let message = errorDescription { _ = try Checkpoint.read(from: file) }
      if message.hasPrefix(file) && message.hasSuffix("the file was changed or corrupted")
        && !message.contains("\n")
      {
        refused += 1
      } else {
        XCTFail("copy \(copy): \(message)")
      }
    }
    XCTAssertEqual(refused, 600)

    // The unchanged bytes under the new name load; a changed digest does not.
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    XCTAssertEqual(try Checkpoint.read(from: file), checkpoint)
    let digestFile = Checkpoint.digestPath(for: file)
    var digest = try String(contentsOfFile: digestFile, encoding: .utf8)
    digest = (digest.first == "0" ? "1" : "0") + digest.dropFirst()
    try digest.write(toFile: digestFile, atomically: true, encoding: .utf8)
    XCTAssertTrue(
      errorDescription { _ = try Checkpoint.read(from: file) }.contains("changed or corrupted"))
    try "not a digest\n".write(toFile: digestFile, atomically: true, encoding: .utf8)
    XCTAssertEqual(
      errorDescription { _ = try Checkpoint.read(from: file) },
      "\(digestFile): expected a 64-digit hexadecimal SHA-256 at the start of the file")
    try FileManager.default.removeItem(atPath: digestFile)
    XCTAssertTrue(
      errorDescription { _ = try Checkpoint.read(from: file) }.hasPrefix(
        "\(digestFile): missing, so \(file) cannot be verified"))
  }

  func testTruncatedFileThrowsAUsefulError() throws {
    let (checkpoint, _, _, _) = trainedCheckpoint()
    let file = path("truncated.h5")
    try checkpoint.write(to: file)
    let full = try Data(contentsOf: URL(fileURLWithPath: file))
    XCTAssertGreaterThan(full.count, 1000)
    for keep in [full.count / 2, full.count / 10, full.count - 1, 0] {
      try full.prefix(keep).write(to: URL(fileURLWithPath: file))
      let changed = errorDescription { _ = try Checkpoint.read(from: file) }
      XCTAssertTrue(changed.contains("the file was changed or corrupted"), changed)
      try seal(file)  // as if truncated before it was hashed: HDF5 must say so
      let message = errorDescription { _ = try Checkpoint.read(from: file) }
      XCTAssertTrue(message.hasPrefix(file), message)
      XCTAssertTrue(message.contains("not an HDF5 file, or truncated"), message)
    }
  }

  func testReadingSomethingElseThrows() throws {
    let file = path("other.h5")
    let other = try HDF5File.create(at: file)
    try other.writeAttribute("format", "something-else-3")
    try other.close()
    try seal(file)
    let message = errorDescription { _ = try Checkpoint.read(from: file) }
    XCTAssertEqual(
      message,
      "\(file): unsupported checkpoint format 'something-else-3', expected 'gpool-checkpoint-1'")

    let plain = try HDF5File.create(at: file)
    try plain.writeUInt64Array("rng_state", [1, 2, 3, 4])
    try plain.close()
    try seal(file)
    XCTAssertTrue(
      errorDescription { _ = try Checkpoint.read(from: file) }.contains(
        "no root attribute 'format'"))
  }

  func testReadingValidatesShapesAndPresence() throws {
    let file = path("edited.h5")

    // A moment whose shape disagrees with its parameter's.
    let edited = try HDF5File.create(at: file)
    try edited.writeAttribute("format", Checkpoint.format)
    try edited.writeAttribute("parameter_names", "w")
    try edited.writeFloatMatrix(
      "parameters/w", rows: 2, columns: 3, values: Array(repeating: 1, count: 6))
    try edited.writeFloatMatrix(
      "optimizer/first_moment/w", rows: 3, columns: 2, values: Array(repeating: 1, count: 6))
    for name in ["learning_rate", "beta1", "beta2", "epsilon"] {
      try edited.writeAttribute(name, Float(0.5))
    }
    try edited.writeAttribute("optimizer_step", 1)
    try edited.close()
    try seal(file)
    let shape = errorDescription { _ = try Checkpoint.read(from: file) }
    XCTAssertEqual(
      shape,
      "\(file): dataset 'optimizer/first_moment/w' has shape 3×2, expected 2×3 "
        + "(the shape of parameter 'w')")

    // A listed parameter whose dataset is missing.
    let broken = try HDF5File.create(at: file)
    try broken.writeAttribute("format", Checkpoint.format)
    try broken.writeAttribute("parameter_names", "a\nb/c")
    try broken.writeFloatMatrix("parameters/a", rows: 1, columns: 1, values: [0])
    try broken.close()
    try seal(file)
    let missing = errorDescription { _ = try Checkpoint.read(from: file) }
    XCTAssertEqual(missing, "\(file): dataset 'parameters/b/c' is missing")

    // A complete checkpoint apart from its RNG state.
    let (checkpoint, _, _, _) = trainedCheckpoint()
    try checkpoint.write(to: file)
    let noRNG = try HDF5File.create(at: file)
    try noRNG.writeAttribute("format", Checkpoint.format)
    try noRNG.writeAttribute("parameter_names", "")
    for name in ["learning_rate", "beta1", "beta2", "epsilon"] {
      try noRNG.writeAttribute(name, Float(0.5))
    }
    try noRNG.writeAttribute("optimizer_step", 0)
    try noRNG.writeAttribute("iteration", 0)
    try noRNG.close()
    try seal(file)
    let rng = errorDescription { _ = try Checkpoint.read(from: file) }
    XCTAssertEqual(rng, "\(file): dataset 'rng_state' is missing")
  }

  func testRestoreRejectsMismatchedParameters() throws {
    let (checkpoint, _, _, _) = trainedCheckpoint()
    func model(replacing index: Int, with replacement: Parameter?) -> [Parameter] {
      var rng = RandomSource(seed: 9)
      var parameters = makeParameters(&rng)
      if let replacement { parameters[index] = replacement } else { parameters.remove(at: index) }
      return parameters
    }

    let reshaped = model(
      replacing: 2, with: Parameter(name: "readout/weight", value: Matrix(rows: 5, columns: 2)))
    let untouched = reshaped.map(\.value)
    let shape = errorDescription { try checkpoint.restore(into: reshaped) }
    XCTAssertTrue(shape.contains("'readout/weight'"), shape)
    XCTAssertTrue(shape.contains("4×2 in the checkpoint but 5×2 in the model"), shape)
    XCTAssertEqual(reshaped.map(\.value), untouched, "a failed restore must change nothing")

    let renamed = model(
      replacing: 0, with: Parameter(name: "gcs1/kernel_self", value: Matrix(rows: 3, columns: 4)))
    let missing = errorDescription { try checkpoint.restore(into: renamed) }
    XCTAssertTrue(missing.contains("parameter 'gcs1/kernel_self' (shape 3×4) is missing"), missing)

    let fewer = model(replacing: 3, with: nil)
    let extra = errorDescription { try checkpoint.restore(into: fewer) }
    XCTAssertTrue(extra.contains("parameters the model lacks: 'unused'"), extra)
  }

  func testAtomicWriteLeavesNoTemporaryFileAndKeepsTheOldFileOnFailure() throws {
    let (checkpoint, _, _, _) = trainedCheckpoint()
    let file = path("checkpoint.h5")
    try checkpoint.write(to: file)
    try checkpoint.write(to: file)  // replacing an existing checkpoint works too
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
      ["checkpoint.h5", "checkpoint.h5.sha256"])
    let good = try Data(contentsOf: URL(fileURLWithPath: file))

    // Fails inside HDF5 after the temporary file exists: '//' is not a valid name.
    var unwritable = checkpoint
    unwritable.parameters.append((name: "bad//name", value: Matrix(rows: 1, columns: 1)))
    let message = errorDescription { try unwritable.write(to: file) }
    XCTAssertTrue(message.hasPrefix("\(file): cannot write the checkpoint"), message)
    XCTAssertTrue(message.contains("bad//name"), message)
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
      ["checkpoint.h5", "checkpoint.h5.sha256"])
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), good)

    // Fails validation before writing anything.
    var invalid = checkpoint
    invalid.rngState = [1, 2, 3]
    XCTAssertTrue(errorDescription { try invalid.write(to: file) }.contains("expected 4"))
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), good)

    // A directory that does not exist.
    let nowhere = path("missing-directory/checkpoint.h5")
    let missing = errorDescription { try checkpoint.write(to: nowhere) }
    XCTAssertTrue(missing.contains("cannot create"), missing)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("missing-directory")))
    XCTAssertEqual(try Checkpoint.read(from: file), checkpoint)
  }

  func testH5DumpReadsTheCheckpoint() throws {
    let h5dump = "/usr/bin/h5dump"
    guard FileManager.default.isExecutableFile(atPath: h5dump) else {
      throw XCTSkip("h5dump is not installed")
    }
    var checkpoint = trainedCheckpoint().0
    // ASCII only: h5dump 1.10 prints each non-ASCII UTF-8 byte as a (mangled)
    // octal escape, although the stored bytes are right (see the round trip).
    let asciiConfig = #"{"dataset": "PROTEINS", "pooler": "gcs", "hidden": [64, 32]}"#
    checkpoint.config = asciiConfig
    let file = path("dump.h5")
    try checkpoint.write(to: file)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: h5dump)
    // Width 0 keeps the config on one line instead of wrapping it.
    process.arguments = ["-w", "0", file]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    XCTAssertEqual(process.terminationStatus, 0, text)
    XCTAssertTrue(text.contains("GROUP \"parameters\""), text)
    XCTAssertTrue(text.contains("DATASET \"kernel_message\""), text)
    XCTAssertTrue(text.contains("gpool-checkpoint-1"), text)
    XCTAssertTrue(text.contains(asciiConfig), text)
  }
}
