import Foundation
import TensorCore

/// Where a graph-classification training run stands after an epoch: the
/// parameters, Adam's state, the random stream, the best epoch so far with
/// its weights, the epoch log and the time spent — enough to continue the
/// run so that it ends with the numbers, bit for bit, of a run that was
/// never interrupted (`GraphClassificationTraining.train(resumingFrom:)`).
///
/// `GraphClassificationRun` writes it as JSON (atomically) while it trains
/// and resumes from it when the run is started again. Floating-point values
/// are stored as their bit patterns, so they round-trip exactly. Cost:
/// O(parameters) to build, write or read.
public struct TrainingState: Codable, Sendable, Equatable {
  /// The value of `format` this version writes and reads.
  public static let currentFormat = "gpool-training-state-1"

  /// The run a state belongs to: a state is resumed only by the same run
  /// (config, data, split, seed) of the same code (`codeVersion`: the
  /// committed `Sources/` and `Package.swift`, see `GitInfo.codeVersion`)
  /// on the same kind of machine (CPU model, OpenBLAS kernel set and
  /// build, kernel threads), the things the numbers depend on.
  public struct Owner: Codable, Sendable, Equatable {
    public var runID: String
    public var configSHA256: String
    public var dataSHA256: String
    public var codeVersion: String
    public var cpuModel: String
    public var blasCore: String
    public var blasConfig: String
    public var threads: Int

    /// This machine's owner of the run.
    public init(runID: String, configSHA256: String, dataSHA256: String, codeVersion: String) {
      self.runID = runID
      self.configSHA256 = configSHA256
      self.dataSHA256 = dataSHA256
      self.codeVersion = codeVersion
      cpuModel = ComputeEnvironment.cpuModel
      blasCore = ComputeEnvironment.blasCoreName
      blasConfig = ComputeEnvironment.blasConfig
      threads = Threading.threadCount
    }

    /// The first field that differs from `other`'s (the saver's), as
    /// "name: saved by <other's>, this is <this one's>"; nil if none does.
    func difference(from other: Owner) -> String? {
      let fields: [(String, String, String)] = [
        ("run", runID, other.runID), ("config", configSHA256, other.configSHA256),
        ("data", dataSHA256, other.dataSHA256), ("code", codeVersion, other.codeVersion),
        ("CPU", cpuModel, other.cpuModel), ("OpenBLAS core", blasCore, other.blasCore),
        ("OpenBLAS build", blasConfig, other.blasConfig),
        ("threads", "\(threads)", "\(other.threads)"),
      ]
      return fields.first { $0.1 != $0.2 }.map { "\($0.0): saved by \($0.2), this is \($0.1)" }
    }
  }

  /// A matrix by name, its elements as `Float.bitPattern`s.
  public struct StoredMatrix: Codable, Sendable, Equatable {
    public var name: String
    public var rows: Int
    public var columns: Int
    public var bits: [UInt32]

    public init(name: String, _ matrix: Matrix) {
      self.name = name
      rows = matrix.rows
      columns = matrix.columns
      bits = matrix.storage.map(\.bitPattern)
    }

    public var matrix: Matrix {
      Matrix(rows: rows, columns: columns, storage: bits.map(Float.init(bitPattern:)))
    }
  }

  public var format = TrainingState.currentFormat
  public var owner: Owner?
  /// Epochs completed.
  public var epoch: Int
  /// The parameters' values after `epoch`, in model order.
  public var parameters: [StoredMatrix]
  /// Adam's update count and moments (by parameter name).
  public var optimizerStep: Int
  public var firstMoments: [StoredMatrix]
  public var secondMoments: [StoredMatrix]
  /// `RandomSource.state` after `epoch`.
  public var randomState: [UInt64]
  /// The best validation loss so far (its bit pattern), its epoch and the
  /// weights of that epoch, in model order.
  public var bestLossBits: UInt64
  public var bestEpoch: Int
  public var bestParameters: [StoredMatrix]
  /// The log of the epochs done.
  public var epochSummaries: [GraphClassificationTraining.EpochSummary]
  /// Wall-clock seconds the run had spent when the state was saved,
  /// counting earlier attempts up to their last save.
  public var elapsedSeconds: Double

  public var bestLoss: Double { Double(bitPattern: bestLossBits) }

  /// Reads a state written by `write(to:)`. Throws when the file cannot be
  /// read or decoded, or is of another format.
  public static func read(from path: String) throws -> TrainingState {
    let state = try JSONDecoder.decodeFile(TrainingState.self, at: path, what: "a training state")
    guard state.format == currentFormat else {
      throw CheckpointError(
        "\(path): format '\(state.format)', this version reads '\(currentFormat)'")
    }
    return state
  }

  /// Writes the state to `path` atomically (temporary file, then rename).
  public func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try AtomicFile.write(try encoder.encode(self), to: path)
  }

  /// Throws, naming the first problem, unless the state fits a model with
  /// `parameters` trained for at most `maximumEpochs` with
  /// `auxiliaryLossCount` auxiliary losses: the same parameter names and
  /// shapes (weights and best weights), moments of known parameters with
  /// their shapes and no name twice, a valid random state, and an epoch
  /// log of `epoch` rows with the best epoch among them.
  func check(parameters: [Parameter], maximumEpochs: Int, auxiliaryLossCount: Int) throws {
    func fail(_ message: String) -> CheckpointError { CheckpointError(message) }
    let names = parameters.map(\.name)
    let shapes = Dictionary(
      parameters.map { ($0.name, ($0.value.rows, $0.value.columns)) },
      uniquingKeysWith: { a, _ in a })
    func checkShape(_ stored: StoredMatrix, _ what: String) throws {
      guard let shape = shapes[stored.name] else {
        throw fail("\(what) '\(stored.name)' is not a parameter of the model")
      }
      guard stored.rows == shape.0, stored.columns == shape.1,
        stored.bits.count == stored.rows * stored.columns
      else {
        throw fail(
          "\(what) '\(stored.name)' is \(stored.rows)×\(stored.columns) "
            + "(\(stored.bits.count) values), the model's \(shape.0)×\(shape.1)")
      }
    }
    for (what, stored) in [("parameter", self.parameters), ("best parameter", bestParameters)] {
      guard stored.map(\.name) == names else {
        throw fail("the state's \(what)s \(stored.map(\.name)) are not the model's \(names)")
      }
      for matrix in stored { try checkShape(matrix, what) }
    }
    for (what, moments) in [("first moment", firstMoments), ("second moment", secondMoments)] {
      guard Set(moments.map(\.name)).count == moments.count else {
        throw fail("a \(what) is stored twice")
      }
      for matrix in moments { try checkShape(matrix, what) }
    }
    guard randomState.count == 4, randomState.contains(where: { $0 != 0 }) else {
      throw fail("invalid random state \(randomState)")
    }
    guard (1...maximumEpochs).contains(epoch), (0...epoch).contains(bestEpoch),
      epochSummaries.map(\.epoch) == Array(1...epoch),
      epochSummaries.allSatisfy({ $0.validationAuxiliaryLosses.count == auxiliaryLossCount })
    else {
      throw fail(
        "epoch \(epoch) (best \(bestEpoch)) with \(epochSummaries.count) log rows does not fit "
          + "a run of at most \(maximumEpochs) epochs with \(auxiliaryLossCount) auxiliary losses")
    }
  }

  /// Puts the stored parameters into `parameters` and Adam's step and
  /// moments into `optimizer`; the state must have passed `check`.
  func restore(into parameters: [Parameter], optimizer: inout Adam) {
    for (parameter, value) in zip(parameters, self.parameters) { parameter.value = value.matrix }
    optimizer.step = optimizerStep
    optimizer.firstMoments = Dictionary(
      uniqueKeysWithValues: firstMoments.map { ($0.name, $0.matrix) })
    optimizer.secondMoments = Dictionary(
      uniqueKeysWithValues: secondMoments.map { ($0.name, $0.matrix) })
  }
}

extension GraphClassificationTraining.EpochSummary: Codable {
  // Values as bit patterns: a resumed run's log must be the uninterrupted one's.
  private enum CodingKeys: String, CodingKey {
    case epoch, trainingLoss, validationLoss, validationCrossEntropy, validationAuxiliaryLosses,
      validationL2, validationAccuracy
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func value(_ key: CodingKeys) throws -> Double {
      Double(bitPattern: try c.decode(UInt64.self, forKey: key))
    }
    self.init(
      epoch: try c.decode(Int.self, forKey: .epoch), trainingLoss: try value(.trainingLoss),
      validationLoss: try value(.validationLoss),
      validationCrossEntropy: try value(.validationCrossEntropy),
      validationAuxiliaryLosses: try c.decode([UInt64].self, forKey: .validationAuxiliaryLosses)
        .map(Double.init(bitPattern:)),
      validationL2: try value(.validationL2), validationAccuracy: try value(.validationAccuracy))
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(epoch, forKey: .epoch)
    try c.encode(trainingLoss.bitPattern, forKey: .trainingLoss)
    try c.encode(validationLoss.bitPattern, forKey: .validationLoss)
    try c.encode(validationCrossEntropy.bitPattern, forKey: .validationCrossEntropy)
    try c.encode(validationAuxiliaryLosses.map(\.bitPattern), forKey: .validationAuxiliaryLosses)
    try c.encode(validationL2.bitPattern, forKey: .validationL2)
    try c.encode(validationAccuracy.bitPattern, forKey: .validationAccuracy)
  }
}
