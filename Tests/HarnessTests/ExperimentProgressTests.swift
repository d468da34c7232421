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
}
