import Foundation
import Harness
import Synchronization
import XCTest

/// What a person watching an experiment sees: one line per finished run (and
/// no heartbeat within 30 s) in a log; one status line redrawn in place on a
/// terminal.
final class ExperimentProgressTests: XCTestCase {
  private final class Output: Sendable {
    let text = Mutex("")
    func append(_ s: String) { text.withLock { $0 += s } }
  }

  func testLinesStyleWritesOneLinePerFinishedRunAndNoEarlyHeartbeat() {
    let output = Output()
    let progress = ExperimentProgress(
      total: 2, totalCost: 3, style: .lines, write: { output.append($0) })
    progress.started(0, label: "cora-mincut seed 0", cost: 1)
    progress.started(1, label: "pubmed-mincut seed 0", cost: 2)
    for iteration in stride(from: 100, through: 10_000, by: 100) {
      progress.progress(0, iteration: iteration, of: 10_000)
    }
    progress.finished(0, result: "NMI 0.400")
    progress.failed(1, error: "boom")
    progress.close()
    let lines = output.text.withLock { $0 }.split(separator: "\n")
    XCTAssertEqual(lines.count, 2, "\(lines)")
    XCTAssertTrue(lines[0].hasPrefix("[1/2] cora-mincut seed 0: NMI 0.400; ETA "), "\(lines)")
    XCTAssertEqual(lines[1], "pubmed-mincut seed 0: FAILED: boom")
    XCTAssertFalse(output.text.withLock { $0 }.contains("\r"))
  }

  func testStatusLineStyleRedrawsOneLineInPlace() {
    let output = Output()
    let progress = ExperimentProgress(
      total: 1, totalCost: 1, style: .statusLine, write: { output.append($0) })
    progress.started(0, label: "cora-mincut seed 0", cost: 1)
    progress.progress(0, iteration: 5_000, of: 10_000)
    progress.finished(0, result: "NMI 0.400")
    progress.close()
    let text = output.text.withLock { $0 }
    // Every redraw returns to the start of the line and clears it; only the
    // final summary ends with a newline.
    XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, text)
    XCTAssertTrue(text.contains("\r\u{1B}[2K0/1 runs done; running: cora-mincut seed 0 (0%)"), text)
    XCTAssertTrue(text.hasSuffix("\r\u{1B}[2K1/1 runs done; ETA 0.0s\n"), text)
  }

  /// Where runs may stop early, the ETA counts every run's iteration limit:
  /// it is marked as a bound until a run has finished, and only then.
  func testEarlyStoppingETAIsMarkedAsABoundUntilARunFinishes() {
    func lines(mayStopEarly: Bool) -> [Substring] {
      let output = Output()
      let progress = ExperimentProgress(
        total: 3, totalCost: 3, style: .lines, runsMayStopEarly: mayStopEarly,
        write: { output.append($0) })
      progress.started(0, label: "proteins-tvgnn split 0 seed 0", cost: 1)
      progress.progress(0, iteration: 50, of: 500)
      progress.message(progress.summaryLine)
      progress.finished(0, result: "accuracy 0.750")
      progress.started(1, label: "proteins-tvgnn split 1 seed 0", cost: 1)
      progress.progress(1, iteration: 50, of: 500)
      progress.message(progress.summaryLine)
      progress.close()
      return output.text.withLock { $0 }.split(separator: "\n")
    }
    let bounded = lines(mayStopEarly: true)
    XCTAssertEqual(bounded.count, 3, "\(bounded)")
    XCTAssertTrue(bounded[0].contains("; ETA ≤ "), "\(bounded)")
    XCTAssertTrue(bounded[1].hasPrefix("[1/3] proteins-tvgnn split 0 seed 0"), "\(bounded)")
    XCTAssertFalse(bounded[1].contains("≤"), "\(bounded)")
    XCTAssertFalse(bounded[2].contains("≤"), "\(bounded)")
    XCTAssertFalse(lines(mayStopEarly: false).contains { $0.contains("≤") })
  }

  /// A resumed run's earlier iterations count as done, not as work done at
  /// this process's rate: right after resuming at 85% nothing has been
  /// computed here, so there is no ETA yet (counting them, seven 90-minute
  /// runs, two resumed, were shown an ETA of 4 minutes).
  func testAResumedRunsEarlierIterationsAreNotInTheRate() {
    let output = Output()
    let progress = ExperimentProgress(
      total: 2, totalCost: 2, style: .lines, write: { output.append($0) })
    progress.started(0, label: "mutagenicity-tvgnn split 6 seed 0", cost: 1)
    progress.resumed(0, iteration: 425, of: 500)
    progress.started(1, label: "mutagenicity-tvgnn split 9 seed 0", cost: 1)
    XCTAssertEqual(
      progress.summaryLine,
      "0/2 runs done; running: mutagenicity-tvgnn split 6 seed 0 (85%), "
        + "mutagenicity-tvgnn split 9 seed 0 (0%); ETA ?")
    // 50 ms for one iteration of 500: at that rate the remaining 74 + 500
    // iterations take at least 28 s (counting the earlier 425 as done here,
    // it would say 0.1s).
    Thread.sleep(forTimeInterval: 0.05)
    progress.progress(0, iteration: 426, of: 500)
    XCTAssertGreaterThanOrEqual(etaSeconds(progress.summaryLine), 28, progress.summaryLine)
    // Finished (early stopping spared its last 74 iterations), it counts as
    // 15% of a run done here in ≥ 50 ms, so the other run takes ≥ 0.33 s
    // (with the resumed 85% counted: ≥ 0.05 s).
    progress.finished(0, result: "accuracy 0.800")
    XCTAssertGreaterThanOrEqual(etaSeconds(progress.summaryLine), 0.3, progress.summaryLine)
    progress.close()
  }

  /// The ETA of a summary line ("…; ETA 1m02s" or "…; ETA 28.7s") in seconds.
  private func etaSeconds(_ line: String) -> Double {
    guard let range = line.range(of: "; ETA ") else { return .nan }
    let text = line[range.upperBound...].replacingOccurrences(of: "≤ ", with: "")
    if let m = text.firstIndex(of: "m") {
      return 60 * (Double(text[..<m]) ?? .nan)
        + (Double(text[text.index(after: m)...].dropLast()) ?? .nan)
    }
    return Double(text.dropLast()) ?? .nan
  }
}
