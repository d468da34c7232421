import Foundation
import GraphData
import TensorCore

/// A seeded fuzz campaign against one reader: `count` mutated copies of a
/// valid sample input, each read in this process. An input passes when the
/// reader either loads it or throws an error whose description is one line
/// naming the input's file. It fails on a multi-line or anonymous error, on
/// loading a checkpoint whose bytes changed, on taking longer than
/// `timeoutSeconds` (the watchdog then ends the process, naming the input,
/// since a hung reader cannot be interrupted), or on raising the process's
/// peak memory above `memoryBoundBytes`. A crash ends the process; the
/// input being read is then in `<workDirectory>/<target>/input`, and
/// `current.txt` beside it says which one it was.
///
/// Input i of a target is a function of (seed, target, i) only, so one
/// failing input is replayed with `first: i, count: 1`.
public struct FuzzCampaign: Sendable {
  public var seed: UInt64
  public var count: Int
  public var first: Int
  public var timeoutSeconds: Double
  public var memoryBoundBytes: Int
  public var workDirectory: String
  public var limits: ReaderLimits

  public init(
    seed: UInt64, count: Int, first: Int = 0, timeoutSeconds: Double = 30,
    memoryBoundBytes: Int = 2 << 30, workDirectory: String,
    limits: ReaderLimits = ReaderLimits(maximumUncompressedBytes: 64 << 20)
  ) {
    self.seed = seed
    self.count = count
    self.first = first
    self.timeoutSeconds = timeoutSeconds
    self.memoryBoundBytes = memoryBoundBytes
    self.workDirectory = workDirectory
    self.limits = limits
  }

  /// What a target's inputs gave.
  public struct Report: Sendable {
    public var target: FuzzTarget
    public var inputs = 0
    public var loaded = 0
    public var refused = 0
    /// One line per failing input: its index and what went wrong.
    public var failures: [String] = []
    /// Distinct error messages with paths and numbers blanked, by count.
    public var errorKinds: [String: Int] = [:]
    public var slowestSeconds = 0.0
    public var seconds = 0.0
    public var peakResidentBytes = 0
  }

  /// Runs the campaign on `target`; `progress` is called every 250 inputs.
  public func run(_ target: FuzzTarget, progress: (Int) -> Void = { _ in }) throws -> Report {
    let directory = "\(workDirectory)/\(target.rawValue)"
    try? FileManager.default.removeItem(atPath: directory)
    let inputDirectory = "\(directory)/input"
    try FileManager.default.createDirectory(
      atPath: inputDirectory, withIntermediateDirectories: true)
    var sampleRandom = RandomSource(seed: seed)
    let sample = try target.sample(random: &sampleRandom, scratch: directory)
    let original = try sample.serialized(scratch: directory)

    // The sample itself must load: otherwise every input is refused and
    // the campaign tests nothing.
    try write(original, to: inputDirectory)
    do {
      _ = try target.read(target.entryPoint(in: inputDirectory), limits: limits)
    } catch {
      throw FuzzError("the valid \(target.rawValue) sample does not load: \(error)")
    }

    let watchdog = Watchdog(timeoutSeconds: timeoutSeconds)
    watchdog.start()
    defer { watchdog.stop() }
    var report = Report(target: target)
    let clock = ContinuousClock()
    let campaignStart = clock.now
    let targetIndex = UInt64(FuzzTarget.allCases.firstIndex(of: target)!)
    for index in first..<(first + count) {
      var random = RandomSource(
        seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ targetIndex << 40 &+ UInt64(index))
      let (files, changed) = try mutate(
        sample, original, random: &random, scratch: directory)
      try write(files, to: inputDirectory)
      try "\(target.rawValue) input \(index) of seed \(seed)\n".write(
        toFile: "\(directory)/current.txt", atomically: false, encoding: .utf8)

      let path = target.entryPoint(in: inputDirectory)
      let start = clock.now
      watchdog.begin("\(target.rawValue) input \(index) (seed \(seed)) at \(inputDirectory)")
      var outcome: Result<String, any Error>
      do {
        outcome = .success(try target.read(path, limits: limits))
      } catch {
        outcome = .failure(error)
      }
      watchdog.end()
      let seconds = (clock.now - start).seconds
      report.slowestSeconds = max(report.slowestSeconds, seconds)
      report.inputs += 1

      switch outcome {
      case .success:
        report.loaded += 1
        if target.mustRefuseChangedInput, let guarded = target.guardedFile,
          changed.contains(guarded)
        {
          report.failures.append("input \(index): a changed \(guarded) loaded silently")
        }
      case .failure(let error):
        report.refused += 1
        let message = String(describing: error)
        if message.isEmpty || message.contains("\n") {
          report.failures.append(
            "input \(index): the error is not one line: \(message.prefix(300).debugDescription)")
        } else if !message.contains(inputDirectory) {
          report.failures.append("input \(index): the error does not name the file: \(message)")
        }
        report.errorKinds[Self.kind(of: message, directory: inputDirectory), default: 0] += 1
      }
      let resident = ComputeEnvironment.peakResidentBytes
      report.peakResidentBytes = resident
      if resident > memoryBoundBytes {
        report.failures.append(
          "input \(index): peak memory \(resident >> 20) MiB exceeds the bound of "
            + "\(memoryBoundBytes >> 20) MiB")
        break
      }
      if (index - first + 1) % 250 == 0 { progress(index - first + 1) }
    }
    report.seconds = (clock.now - campaignStart).seconds
    return report
  }

  /// The files of one input: one file of the sample changed, either as raw
  /// bytes or (for a zip, half of the time) one member's content, re-zipped.
  /// Returns the files and the names of the changed ones.
  private func mutate(
    _ sample: FuzzSample, _ original: [(name: String, bytes: [UInt8])],
    random: inout RandomSource, scratch: String
  ) throws -> (files: [(name: String, bytes: [UInt8])], changed: Set<String>) {
    var files = original
    let index = Int(random.next() % UInt64(files.count))
    let name = files[index].name
    if case .zip(var members) = sample.files[index].content, random.next() % 2 == 0 {
      let m = Int(random.next() % UInt64(members.count))
      members[m].bytes = ByteMutator.mutate(
        members[m].bytes, text: FuzzSample.isText(members[m].path), random: &random)
      let path = "\(scratch)/rezipped-\(name)"
      try FuzzSample.writeZip(members, to: path)
      files[index].bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      try? FileManager.default.removeItem(atPath: path)
    } else {
      files[index].bytes = ByteMutator.mutate(
        files[index].bytes, text: FuzzSample.isText(name), random: &random)
    }
    let changed: Set<String> = files[index].bytes == original[index].bytes ? [] : [name]
    return (files, changed)
  }

  private func write(_ files: [(name: String, bytes: [UInt8])], to directory: String) throws {
    for (name, bytes) in files {
      try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
    }
  }

  /// A message with the input path and every number blanked, so that
  /// messages differing only in values count as one kind.
  static func kind(of message: String, directory: String) -> String {
    var text = message.replacingOccurrences(of: directory + "/", with: "")
    text = text.replacingOccurrences(of: directory, with: "")
    var out = ""
    var previousWasDigit = false
    for character in text.prefix(160) {
      if character.isNumber {
        if !previousWasDigit { out.append("#") }
        previousWasDigit = true
      } else {
        out.append(character)
        previousWasDigit = false
      }
    }
    return out
  }
}

/// Why a campaign could not run.
public struct FuzzError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// Ends the process when one input takes longer than the timeout: a reader
/// stuck in a loop cannot be interrupted from outside its thread.
final class Watchdog: @unchecked Sendable {
  private let lock = NSLock()
  private let timeoutSeconds: Double
  private var current: (description: String, start: Date)?
  private var stopped = false

  init(timeoutSeconds: Double) { self.timeoutSeconds = timeoutSeconds }

  func start() {
    let thread = Thread { [self] in
      while true {
        Thread.sleep(forTimeInterval: 0.2)
        lock.lock()
        let (done, running) = (stopped, current)
        lock.unlock()
        if done { return }
        if let running, Date().timeIntervalSince(running.start) > timeoutSeconds {
          FileHandle.standardError.write(
            Data(
              "fuzz: HANG: \(running.description) took more than \(timeoutSeconds) s\n".utf8))
          exit(3)
        }
      }
    }
    thread.start()
  }

  func begin(_ description: String) {
    lock.lock()
    current = (description, Date())
    lock.unlock()
  }

  func end() {
    lock.lock()
    current = nil
    lock.unlock()
  }

  func stop() {
    lock.lock()
    stopped = true
    lock.unlock()
  }
}
