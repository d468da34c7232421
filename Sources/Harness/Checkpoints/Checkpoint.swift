import Foundation
import GraphData
import HDF5Store
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The state of a training run: the model's parameters, the Adam state, the
/// iteration counter, the random-number generator's state and the run's
/// configuration — enough to restore a model and continue training it
/// exactly (the node-clustering runner writes one at the end of each run).
///
/// On disk it is one HDF5 file laid out as
///
///     parameters/<name>                 float32 rows×columns, one per parameter
///     optimizer/first_moment/<name>     float32, same shape as the parameter
///     optimizer/second_moment/<name>    float32, same shape as the parameter
///     rng_state                         uint64[4] (xoshiro256** state)
///
/// with root attributes `format` (`"gpool-checkpoint-1"`), `iteration`,
/// `optimizer_step` (int64), `learning_rate`, `beta1`, `beta2`, `epsilon`
/// (float32, so they round-trip exactly), `config` (the run's JSON text) and
/// `parameter_names` (the parameter names in model order, one per line; kept
/// because HDF5 lists datasets alphabetically). Parameter names contain '/'
/// (`"gcs1/kernel_message"`), which become nested groups. Moments exist only
/// for parameters that have received a gradient (none before the first
/// step).
///
/// Beside it, `<file>.sha256` holds the file's SHA-256 in `sha256sum` format
/// (`sha256sum -c` checks it). Every read hashes the file first and hands it
/// to HDF5 only if it is byte for byte the one written: the HDF5 library's
/// parsers can crash or loop on some corruptions, and most corruptions of
/// the data itself would otherwise load silently with other values.
public struct Checkpoint: Sendable, Equatable {
  /// The value of the root `format` attribute this version writes and reads.
  public static let format = "gpool-checkpoint-1"

  /// The model's parameters, in model order.
  public var parameters: [(name: String, value: Matrix)]
  /// The optimiser, including its step count and moments by parameter name.
  public var optimizer: Adam
  /// Training iterations completed when the checkpoint was taken.
  public var iteration: Int
  /// The random-number generator's state (`RandomSource.state`, 4 words).
  public var rngState: [UInt64]
  /// The run's configuration as JSON text, stored verbatim.
  public var config: String

  /// A checkpoint from its parts; `write(to:)` validates them.
  public init(
    parameters: [(name: String, value: Matrix)], optimizer: Adam, iteration: Int,
    rngState: [UInt64], config: String
  ) {
    self.parameters = parameters
    self.optimizer = optimizer
    self.iteration = iteration
    self.rngState = rngState
    self.config = config
  }

  /// A checkpoint of a live run: copies the parameters' current values.
  public init(
    parameters: [Parameter], optimizer: Adam, iteration: Int, random: RandomSource,
    config: String
  ) {
    self.init(
      parameters: parameters.map { ($0.name, $0.value) }, optimizer: optimizer,
      iteration: iteration, rngState: random.state, config: config)
  }

  /// A generator that resumes the saved random stream. The state must be
  /// valid, as it is in every checkpoint `read(from:)` returns.
  public var random: RandomSource { RandomSource(state: rngState) }

  /// Equal names, values, optimiser state, iteration, RNG state and config.
  /// (Values compare as `Float`s, so a NaN never equals itself.)
  public static func == (lhs: Checkpoint, rhs: Checkpoint) -> Bool {
    lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
      && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
      && lhs.optimizer == rhs.optimizer && lhs.iteration == rhs.iteration
      && lhs.rngState == rhs.rngState && lhs.config == rhs.config
  }

  // MARK: - Writing

  /// Writes the checkpoint to `path` atomically and its SHA-256 to
  /// `path + ".sha256"`, returning the digest. The file goes to a temporary
  /// file next to it (`path + ".tmp-<pid>"`), which is synced to disk,
  /// hashed and then renamed over `path`; the digest file is written
  /// atomically after it. A crash or failure therefore leaves either the old
  /// file or the complete new one, never a partial one, and a crash between
  /// the two renames leaves a digest that disagrees, which `read(from:)`
  /// reports instead of loading. The temporary name is per process, so one
  /// process must not write the same path from two threads at once. HDF5 is
  /// used under `HDF5Lock`, so concurrent runs may write checkpoints.
  /// Cost: writing the file plus one pass to hash it.
  @discardableResult
  public func write(to path: String) throws -> String {
    let digest = try HDF5Lock.withExclusiveAccess { try writeLocked(to: path) }
    do {
      try AtomicFile.write(
        "\(digest)  \(URL(fileURLWithPath: path).lastPathComponent)\n",
        to: Checkpoint.digestPath(for: path))
    } catch {
      throw CheckpointError(
        "\(Checkpoint.digestPath(for: path)): cannot write the checkpoint's SHA-256 (\(error))")
    }
    return digest
  }

  /// Where the SHA-256 of the checkpoint at `path` is kept.
  public static func digestPath(for path: String) -> String { path + ".sha256" }

  private func writeLocked(to path: String) throws -> String {
    try validate(in: path)
    let temporary = path + ".tmp-\(getpid())"
    let digest: String
    do {
      try writeContents(to: temporary)
      try syncToDisk(temporary)
      digest = try SHA256.hexDigest(ofFileAt: temporary)
      guard rename(temporary, path) == 0 else {
        throw CheckpointError(
          "\(path): cannot move the new checkpoint into place from \(temporary) "
            + "(\(systemError()))")
      }
    } catch let error as HDF5Error {
      _ = unlink(temporary)
      throw CheckpointError("\(path): cannot write the checkpoint: \(error)")
    } catch {
      _ = unlink(temporary)
      throw error
    }
    // Make the rename itself durable; a failure here loses nothing already
    // written, so it is not an error.
    syncDirectory(containing: path)
    return digest
  }

  private func writeContents(to path: String) throws {
    let file = try HDF5File.create(at: path)
    try file.writeAttribute("format", Checkpoint.format)
    try file.writeAttribute("config", config)
    try file.writeAttribute("iteration", iteration)
    try file.writeAttribute("parameter_names", parameters.map(\.name).joined(separator: "\n"))
    try file.writeAttribute("optimizer_step", optimizer.step)
    try file.writeAttribute("learning_rate", optimizer.learningRate)
    try file.writeAttribute("beta1", optimizer.beta1)
    try file.writeAttribute("beta2", optimizer.beta2)
    try file.writeAttribute("epsilon", optimizer.epsilon)
    for (name, value) in parameters {
      try file.writeMatrix("parameters/\(name)", value)
    }
    // Moments in parameter order, so files from equal states are laid out alike.
    for (name, _) in parameters {
      if let first = optimizer.firstMoments[name], let second = optimizer.secondMoments[name] {
        try file.writeMatrix("optimizer/first_moment/\(name)", first)
        try file.writeMatrix("optimizer/second_moment/\(name)", second)
      }
    }
    try file.writeUInt64Array("rng_state", rngState)
    // Closing is where HDF5 flushes; its errors must not be lost in deinit.
    try file.close()
  }

  // MARK: - Reading

  /// Reads and validates the checkpoint at `path` after checking it against
  /// the SHA-256 written beside it (`path + ".sha256"`): the format tag,
  /// every attribute and dataset of the layout, the moments' shapes against
  /// their parameters', and the RNG state. A missing or disagreeing digest is
  /// an error, so a changed file is never loaded. Errors name the file, the
  /// dataset or attribute, and what was expected. Cost: one pass to hash the
  /// file, then reading it.
  public static func read(from path: String) throws -> Checkpoint {
    let digestPath = digestPath(for: path)
    guard let text = FileManager.default.contents(atPath: digestPath) else {
      throw CheckpointError(
        "\(digestPath): missing, so \(path) cannot be verified (every checkpoint gpool writes "
          + "has its SHA-256 beside it; without it a corrupted file could load silently)")
    }
    let recorded = String(decoding: text.prefix(64), as: UTF8.self)
    guard recorded.count == 64, recorded.allSatisfy(\.isHexDigit) else {
      throw CheckpointError(
        "\(digestPath): expected a 64-digit hexadecimal SHA-256 at the start of the file")
    }
    return try read(from: path, expectedSHA256: recorded, recordedIn: digestPath)
  }

  /// Reads a checkpoint whose SHA-256 was recorded elsewhere (a run's
  /// `checkpointSHA256`), checking the file against it first as
  /// `read(from:)` does.
  public static func read(from path: String, expectedSHA256: String) throws -> Checkpoint {
    try read(from: path, expectedSHA256: expectedSHA256, recordedIn: "the run's record")
  }

  private static func read(
    from path: String, expectedSHA256: String, recordedIn source: String
  ) throws -> Checkpoint {
    let digest: String
    do {
      digest = try SHA256.hexDigest(ofFileAt: path)
    } catch {
      throw CheckpointError("\(path): cannot read the checkpoint (\(error))")
    }
    guard digest == expectedSHA256.lowercased() else {
      throw CheckpointError(
        "\(path): SHA-256 \(digest) differs from the \(expectedSHA256) recorded in \(source) "
          + "when it was written: the file was changed or corrupted")
    }
    return try HDF5Lock.withExclusiveAccess { try readLocked(from: path) }
  }

  private static func readLocked(from path: String) throws -> Checkpoint {
    func failure(_ message: String) -> CheckpointError { CheckpointError("\(path): \(message)") }
    let file = try HDF5File.open(at: path)
    guard file.hasAttribute("format") else {
      throw failure("not a gpool checkpoint (no root attribute 'format')")
    }
    let format = try file.readStringAttribute("format")
    guard format == Checkpoint.format else {
      throw failure("unsupported checkpoint format '\(format)', expected '\(Checkpoint.format)'")
    }

    let nameList = try file.readStringAttribute("parameter_names")
    var names: [String] = []  // an empty list: a model without parameters
    if !nameList.isEmpty {
      // Empty lines are kept so that validation reports them as bad names.
      names = nameList.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
    var parameters: [(name: String, value: Matrix)] = []
    for name in names {
      parameters.append((name, try file.readMatrix("parameters/\(name)")))
    }
    let byName = Dictionary(parameters.map { ($0.name, $0.value) }) { first, _ in first }
    for dataset in file.listDatasets(under: "parameters") {
      let name = String(dataset.dropFirst("parameters/".count))
      guard byName[name] != nil else {
        throw failure("dataset '\(dataset)' is not listed in root attribute 'parameter_names'")
      }
    }

    var optimizer = Adam(
      learningRate: try file.readFloatAttribute("learning_rate"),
      beta1: try file.readFloatAttribute("beta1"), beta2: try file.readFloatAttribute("beta2"),
      epsilon: try file.readFloatAttribute("epsilon"))
    optimizer.step = Int(try file.readInt64Attribute("optimizer_step"))
    optimizer.firstMoments = try readMoments(
      "optimizer/first_moment", from: file, parameters: byName)
    optimizer.secondMoments = try readMoments(
      "optimizer/second_moment", from: file, parameters: byName)

    let checkpoint = Checkpoint(
      parameters: parameters, optimizer: optimizer,
      iteration: Int(try file.readInt64Attribute("iteration")),
      rngState: try file.readUInt64Array("rng_state"),
      config: try file.readStringAttribute("config"))
    try checkpoint.validate(in: path)
    return checkpoint
  }

  /// The moments stored under `group`, by parameter name, each checked
  /// against its parameter's shape.
  private static func readMoments(
    _ group: String, from file: HDF5File, parameters: [String: Matrix]
  ) throws -> [String: Matrix] {
    var moments: [String: Matrix] = [:]
    for dataset in file.listDatasets(under: group) {
      let name = String(dataset.dropFirst(group.count + 1))
      guard let parameter = parameters[name] else {
        throw CheckpointError(
          "\(file.path): dataset '\(dataset)' is a moment for '\(name)', which is not a "
            + "parameter in this checkpoint")
      }
      let moment = try file.readMatrix(dataset)
      guard moment.hasSameShape(as: parameter) else {
        throw CheckpointError(
          "\(file.path): dataset '\(dataset)' has shape \(shapeText(moment)), expected "
            + "\(shapeText(parameter)) (the shape of parameter '\(name)')")
      }
      moments[name] = moment
    }
    return moments
  }

  // MARK: - Restoring

  /// Copies the saved values into the model's parameters. Every model
  /// parameter must be in the checkpoint with the same shape, and the
  /// checkpoint must have no others; otherwise this throws, naming the
  /// parameter and both shapes, before changing anything.
  public func restore(into modelParameters: [Parameter]) throws {
    let saved = Dictionary(parameters.map { ($0.name, $0.value) }) { first, _ in first }
    var seen = Set<String>()
    for parameter in modelParameters {
      guard seen.insert(parameter.name).inserted else {
        throw CheckpointError(
          "cannot restore: the model has two parameters named '\(parameter.name)'")
      }
      guard let value = saved[parameter.name] else {
        throw CheckpointError(
          "cannot restore: parameter '\(parameter.name)' (shape "
            + "\(shapeText(parameter.value))) is missing from the checkpoint")
      }
      guard value.hasSameShape(as: parameter.value) else {
        throw CheckpointError(
          "cannot restore: parameter '\(parameter.name)' has shape \(shapeText(value)) in the "
            + "checkpoint but \(shapeText(parameter.value)) in the model")
      }
    }
    let extra = parameters.map(\.name).filter { !seen.contains($0) }
    guard extra.isEmpty else {
      throw CheckpointError(
        "cannot restore: the checkpoint has parameters the model lacks: "
          + extra.map { "'\($0)'" }.joined(separator: ", "))
    }
    for parameter in modelParameters {
      parameter.value = saved[parameter.name]!
    }
  }

  // MARK: - Validation

  /// Checks the invariants the file format relies on; `path` only labels
  /// the error.
  private func validate(in path: String) throws {
    func failure(_ message: String) -> CheckpointError { CheckpointError("\(path): \(message)") }
    var shapes: [String: Matrix] = [:]
    for (name, value) in parameters {
      guard !name.isEmpty, !name.contains("\n") else {
        throw failure("invalid parameter name '\(name)' (empty or containing a newline)")
      }
      guard shapes.updateValue(value, forKey: name) == nil else {
        throw failure("two parameters are named '\(name)'")
      }
    }
    for (order, moments) in [
      ("first", optimizer.firstMoments), ("second", optimizer.secondMoments),
    ] {
      for (name, moment) in moments.sorted(by: { $0.key < $1.key }) {
        guard let parameter = shapes[name] else {
          throw failure("the optimizer has a \(order) moment for unknown parameter '\(name)'")
        }
        guard moment.hasSameShape(as: parameter) else {
          throw failure(
            "the \(order) moment of parameter '\(name)' has shape \(shapeText(moment)), "
              + "expected \(shapeText(parameter))")
        }
      }
    }
    let unpaired = Set(optimizer.firstMoments.keys).symmetricDifference(
      optimizer.secondMoments.keys)
    if let name = unpaired.sorted().first {
      throw failure("parameter '\(name)' has only one of its two Adam moments")
    }
    guard optimizer.step >= 0, iteration >= 0 else {
      throw failure(
        "negative counter (iteration \(iteration), optimizer step \(optimizer.step))")
    }
    for (name, value) in parameters where !value.isFinite {
      throw failure("parameter '\(name)' holds NaN or infinite values")
    }
    for (order, moments) in [
      ("first", optimizer.firstMoments), ("second", optimizer.secondMoments),
    ] {
      for (name, moment) in moments.sorted(by: { $0.key < $1.key }) where !moment.isFinite {
        throw failure("the \(order) moment of parameter '\(name)' holds NaN or infinite values")
      }
    }
    guard rngState.count == 4 else {
      throw failure("the RNG state ('rng_state') has \(rngState.count) words, expected 4")
    }
    guard rngState.contains(where: { $0 != 0 }) else {
      throw failure("the RNG state ('rng_state') is all zeros, which xoshiro256** cannot use")
    }
  }
}

/// A checkpoint that cannot be written, read or restored; the description
/// says which file, which object, and what was expected.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
  /// The whole message, starting with the file path where there is one.
  public let description: String

  /// An error with the given message (control characters escaped, so it
  /// stays one line).
  public init(_ description: String) { self.description = description.escapingControlCharacters }
}

private func shapeText(_ matrix: Matrix) -> String { "\(matrix.rows)×\(matrix.columns)" }

extension HDF5File {
  fileprivate func writeMatrix(_ name: String, _ matrix: Matrix) throws {
    try writeFloatMatrix(name, rows: matrix.rows, columns: matrix.columns, values: matrix.storage)
  }

  fileprivate func readMatrix(_ name: String) throws -> Matrix {
    let (rows, columns, values) = try readFloatMatrix(name)
    return Matrix(rows: rows, columns: columns, storage: values)
  }
}

private func systemError() -> String { String(cString: strerror(errno)) }

/// Forces the file's data to disk, so the rename cannot expose a file whose
/// contents are still only in the page cache.
private func syncToDisk(_ path: String) throws {
  let descriptor = open(path, O_RDONLY)
  guard descriptor >= 0 else {
    throw CheckpointError("\(path): cannot open to sync (\(systemError()))")
  }
  defer { _ = close(descriptor) }
  guard fsync(descriptor) == 0 else {
    throw CheckpointError("\(path): cannot sync to disk (\(systemError()))")
  }
}

private func syncDirectory(containing path: String) {
  let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
  let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY)
  guard descriptor >= 0 else { return }
  _ = fsync(descriptor)
  _ = close(descriptor)
}

extension JSONDecoder {
  /// The `T` in the JSON file at `path` (a run record, a training state);
  /// otherwise a `CheckpointError` naming the file and what it should be
  /// (`what`, e.g. "a run record").
  static func decodeFile<T: Decodable>(_ type: T.Type, at path: String, what: String) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CheckpointError("\(path): cannot be read")
    }
    do {
      return try JSONDecoder().decode(type, from: data)
    } catch {
      throw CheckpointError("\(path): not \(what) (\(error))")
    }
  }
}
