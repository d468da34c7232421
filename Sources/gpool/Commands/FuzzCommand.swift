import ArgumentParser
import Foundation
import Fuzzing
import GraphData
import TensorCore

/// `gpool fuzz`: the seeded mutation campaign against every reader, or one
/// input replayed through one reader.
struct FuzzCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fuzz",
    abstract: "Feed seeded, mutated inputs to every reader; fail on a crash, hang or bad error.",
    discussion: """
      Each reader (\(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))) gets \
      --count mutated copies of a small valid sample built in-process. An input passes \
      when it loads or gives a one-line error naming its file; it fails on any other \
      error text, on a checkpoint whose changed bytes load, on taking longer than \
      --timeout (the process then exits 3, naming the input), or on raising the peak \
      memory above --memory-mib. A crash ends the process: the input being read is in \
      WORK/<reader>/input and WORK/<reader>/current.txt names it. Input i depends only \
      on (seed, reader, i): --first i --count 1 replays it. `--replay PATH` reads one \
      file (a directory for planetoid) with the reader of --target.
      """)

  @Option(name: .customLong("target"), help: "Readers to fuzz (repeatable; default: all).")
  var targets: [String] = []

  @Option(help: "Mutated inputs per reader (1...1000000).")
  var count = 1000

  @Option(help: "Index of the first input (to replay one).")
  var first = 0

  @Option(help: "Campaign seed.")
  var seed: UInt64 = 1

  @Option(help: "Seconds one input may take (1...3600).")
  var timeout = 30.0

  @Option(help: "Peak memory bound of the process in MiB (64...1048576).")
  var memoryMib = 2048

  @Option(help: "The readers' limit on a dataset's uncompressed size, in MiB (1...1048576).")
  var maxDatasetMib: UInt64 = 64

  @Option(help: "Scratch directory for the inputs.")
  var workDir = ".build/fuzz"

  @Option(help: "Read this one file (or Planetoid directory) with the --target reader instead.")
  var replay: String?

  func validate() throws {
    for name in targets where FuzzTarget(rawValue: name) == nil {
      throw ValidationError(
        "unknown reader '\(name)'; known: "
          + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
    }
    guard (1...1_000_000).contains(count) else {
      throw ValidationError("--count \(count) is outside 1...1000000")
    }
    guard first >= 0 else { throw ValidationError("--first \(first) is negative") }
    guard (1...3600).contains(timeout) else {
      throw ValidationError("--timeout \(timeout) is outside 1...3600 seconds")
    }
    guard (64...(1 << 20)).contains(memoryMib) else {
      throw ValidationError("--memory-mib \(memoryMib) is outside 64...1048576")
    }
    guard (1...(1 << 20)).contains(maxDatasetMib) else {
      throw ValidationError("--max-dataset-mib \(maxDatasetMib) is outside 1...1048576")
    }
    if replay != nil && targets.count != 1 {
      throw ValidationError("--replay needs exactly one --target")
    }
  }

  func run() throws {
    let limits = ReaderLimits(maximumUncompressedBytes: maxDatasetMib << 20)
    let chosen = targets.isEmpty ? FuzzTarget.allCases : targets.compactMap(FuzzTarget.init)
    if let replay {
      let target = chosen[0]
      let clock = ContinuousClock()
      let start = clock.now
      let seconds = { () -> String in
        let elapsed = clock.now - start
        return String(
          format: "%.2f s, peak RSS %d MiB",
          elapsed.seconds,
          ComputeEnvironment.peakResidentBytes >> 20)
      }
      do {
        let summary = try target.read(replay, limits: limits)
        print("loaded: \(summary) (\(seconds()))")
      } catch {
        print("refused (\(seconds()))")
        logToStandardError("\(error)")
        throw ExitCode(1)
      }
      return
    }
    let campaign = FuzzCampaign(
      seed: seed, count: count, first: first, timeoutSeconds: timeout,
      memoryBoundBytes: memoryMib << 20, workDirectory: workDir, limits: limits)
    print("fuzz: seed \(seed), inputs \(first)..<\(first + count) per reader, work dir \(workDir)")
    var failed = 0
    for target in chosen {
      let report = try campaign.run(target) { done in
        logToStandardError("  \(target.rawValue): \(done)/\(count)")
      }
      print(
        "\(target.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) "
          + "\(report.inputs) inputs: \(report.loaded) loaded, \(report.refused) refused "
          + "(\(report.errorKinds.count) kinds of error), \(report.failures.count) failures; "
          + String(
            format: "%.1f s, slowest input %.3f s, peak RSS %d MiB", report.seconds,
            report.slowestSeconds, report.peakResidentBytes >> 20)
          + "  [\(target.summary)]")
      for failure in report.failures.prefix(20) { print("    FAIL \(failure)") }
      failed += report.failures.count
    }
    if failed > 0 {
      logToStandardError("fuzz: \(failed) failing input(s) (listed above)")
      throw ExitCode(1)
    }
  }
}
