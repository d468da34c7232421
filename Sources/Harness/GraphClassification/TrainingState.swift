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
  /// committed `Sources/` and `Package.swift`, see the experiment runner).
  public struct Owner: Codable, Sendable, Equatable {
    public var runID: String
    public var configSHA256: String
    public var dataSHA256: String
    public var codeVersion: String

    public init(runID: String, configSHA256: String, dataSHA256: String, codeVersion: String) {
      self.runID = runID
      self.configSHA256 = configSHA256
      self.dataSHA256 = dataSHA256
      self.codeVersion = codeVersion
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
  /// Wall-clock seconds the run has spent training so far, over all its
  /// attempts.
  public var elapsedSeconds: Double

  public var bestLoss: Double { Double(bitPattern: bestLossBits) }

  /// Reads a state written by `write(to:)`. Throws when the file cannot be
  /// read or decoded, or is of another format.
  public static func read(from path: String) throws -> TrainingState {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CheckpointError("\(path): cannot be read")
    }
    let state: TrainingState
    do {
      state = try JSONDecoder().decode(TrainingState.self, from: data)
    } catch {
      throw CheckpointError("\(path): not a training state (\(error))")
    }
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

  /// Puts the stored parameters into `parameters` and Adam's step and
  /// moments into `optimizer`. Throws, changing nothing, when the names or
  /// shapes differ from the model's.
  func restore(into parameters: [Parameter], optimizer: inout Adam) throws {
    let names = parameters.map(\.name)
    for stored in [self.parameters, bestParameters] {
      guard stored.map(\.name) == names else {
        throw CheckpointError(
          "the state's parameters (\(stored.map(\.name))) are not the model's (\(names))")
      }
      for (parameter, value) in zip(parameters, stored)
      where parameter.value.rows != value.rows || parameter.value.columns != value.columns
        || value.bits.count != value.rows * value.columns
      {
        throw CheckpointError(
          "parameter \(parameter.name) is \(value.rows)×\(value.columns) in the state, "
            + "\(parameter.value.rows)×\(parameter.value.columns) in the model")
      }
    }
    let known = Set(names)
    for moment in firstMoments + secondMoments where !known.contains(moment.name) {
      throw CheckpointError("the state has a moment of '\(moment.name)', not a parameter")
    }
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
