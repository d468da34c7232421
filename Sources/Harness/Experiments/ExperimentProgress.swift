import Foundation
import Synchronization

/// What an experiment tells the person watching it, in one of two forms:
///
/// - `statusLine` (a terminal): one line, redrawn in place at most four times
///   a second, with runs done / total, the runs in progress and the ETA;
///   other messages (loaded data, failures) are printed above it.
/// - `lines` (a log file, CI, `| tee`): one line per finished run, and while
///   runs are in progress a heartbeat line at most every 30 seconds.
///
/// The ETA weighs each run by its estimated cost (nodes × iterations), so a
/// few long Pubmed runs are not averaged with many short Cora runs. Where
/// runs may stop early (early stopping on validation loss), a run's cost
/// and progress count its epoch limit, so until one run has finished the
/// ETA is an upper bound and says so ("ETA ≤ 20h11m"); after that, the
/// finished runs' early stops are in the observed rate. A run that resumes
/// from a saved state (`resumed`) brings iterations computed by an earlier
/// process: they count as done but not into the rate, which only the
/// iterations computed here measure.
/// Thread-safe: parallel runs report into one instance.
public final class ExperimentProgress: Sendable {
  public enum Style: Sendable { case statusLine, lines }

  private struct Running {
    let label: String
    let cost: Double
    var fraction: Double
    /// The part an earlier process computed (a resumed run), else 0.
    var resumedFraction = 0.0
  }

  private struct State {
    var done = 0
    var doneCost = 0.0
    /// Of `doneCost`, what earlier processes computed (resumed runs).
    var doneResumedCost = 0.0
    /// Runs not computed here (another process finished them) and their cost.
    var skipped = 0
    var skippedCost = 0.0
    var running: [Int: Running] = [:]
    var lastLine: ContinuousClock.Instant
    var lastDraw: ContinuousClock.Instant
    var statusShown = false
  }

  public let style: Style
  private let total: Int
  private let totalCost: Double
  private let runsMayStopEarly: Bool
  private let write: @Sendable (String) -> Void
  private let clock = ContinuousClock()
  private let start: ContinuousClock.Instant
  private let state: Mutex<State>
  /// Seconds between heartbeat lines in the `lines` style.
  public static let heartbeatSeconds = 30.0

  /// - Parameters:
  ///   - total: runs to do; `totalCost`: the sum of their cost estimates.
  ///   - runsMayStopEarly: the costs and progress count iteration limits
  ///     that runs may not reach, so the first ETA is an upper bound.
  ///   - write: prints one piece of text (a newline is added by the caller's
  ///     text, not here), e.g. to standard error.
  public init(
    total: Int, totalCost: Double, style: Style, runsMayStopEarly: Bool = false,
    write: @escaping @Sendable (String) -> Void
  ) {
    self.total = total
    self.totalCost = max(totalCost, 1)
    self.runsMayStopEarly = runsMayStopEarly
    self.style = style
    self.write = write
    start = clock.now
    state = Mutex(State(lastLine: start, lastDraw: start - .seconds(1)))
  }

  /// The current one-line summary: runs done, runs in progress, ETA.
  public var summaryLine: String { state.withLock { summary($0) } }

  /// A message that is not about one run's progress (printed as a line).
  public func message(_ text: String) {
    state.withLock { s in printLine(text, &s) }
  }

  /// Run `id` (its position in the run list) starts.
  public func started(_ id: Int, label: String, cost: Double) {
    state.withLock { s in
      s.running[id] = Running(label: label, cost: cost, fraction: 0)
      if style == .statusLine { drawStatus(&s, force: true) }
    }
  }

  /// Run `id` continues after `iteration` of `iterations`, which an earlier
  /// process computed (it resumed from a saved state): they count as done
  /// but not as work done at this process's rate.
  public func resumed(_ id: Int, iteration: Int, of iterations: Int) {
    state.withLock { s in
      let fraction = Double(iteration) / Double(max(1, iterations))
      s.running[id]?.fraction = fraction
      s.running[id]?.resumedFraction = fraction
      if style == .statusLine { drawStatus(&s, force: true) }
    }
  }

  /// Run `id` has done `iteration` of `iterations`.
  public func progress(_ id: Int, iteration: Int, of iterations: Int) {
    state.withLock { s in
      s.running[id]?.fraction = Double(iteration) / Double(max(1, iterations))
      switch style {
      case .statusLine: drawStatus(&s, force: false)
      case .lines:
        if (clock.now - s.lastLine).seconds >= Self.heartbeatSeconds {
          printLine("… " + summary(s), &s)
        }
      }
    }
  }

  /// Run `id` finished; `result` describes it (scores, time).
  public func finished(_ id: Int, result: String) {
    state.withLock { s in
      let run = end(id, &s)
      switch style {
      case .statusLine: drawStatus(&s, force: true)
      case .lines:
        printLine("[\(s.done)/\(total)] \(run?.label ?? "run"): \(result); ETA \(eta(s))", &s)
      }
    }
  }

  /// Run `id` needs no computing after all (`reason`, e.g. another process
  /// finished it): it counts as done, and its cost leaves the ETA.
  public func skipped(_ id: Int, label: String, cost: Double, reason: String) {
    state.withLock { s in
      s.done += 1
      s.skipped += 1
      s.skippedCost += cost
      printLine("[\(s.done)/\(total)] \(label): \(reason)", &s)
    }
  }

  /// Run `id` failed: always a line of its own.
  public func failed(_ id: Int, error: String) {
    state.withLock { s in
      let run = end(id, &s)
      printLine("\(run?.label ?? "run"): FAILED: \(error)", &s)
    }
  }

  /// Moves run `id` from running to done.
  @discardableResult
  private func end(_ id: Int, _ s: inout State) -> Running? {
    let run = s.running.removeValue(forKey: id)
    s.done += 1
    s.doneCost += run?.cost ?? 0
    s.doneResumedCost += (run?.cost ?? 0) * (run?.resumedFraction ?? 0)
    return run
  }

  /// Ends the status line (moves to a fresh line) once everything is done.
  public func close() {
    state.withLock { s in
      if s.statusShown {
        write("\r\u{1B}[2K" + summary(s) + "\n")
        s.statusShown = false
      }
    }
  }

  private func printLine(_ text: String, _ s: inout State) {
    write((s.statusShown ? "\r\u{1B}[2K" : "") + text + "\n")
    s.statusShown = false
    s.lastLine = clock.now
    if style == .statusLine { drawStatus(&s, force: true) }
  }

  private func drawStatus(_ s: inout State, force: Bool) {
    let now = clock.now
    guard force || (now - s.lastDraw).seconds >= 0.25 else { return }
    s.lastDraw = now
    write("\r\u{1B}[2K" + summary(s))
    s.statusShown = true
  }

  /// "12/90 runs done; running: pubmed MinCutPool seed 3 (40%), …; ETA 3m10s".
  private func summary(_ s: State) -> String {
    let running = s.running.keys.sorted().map { id in
      let r = s.running[id]!
      return "\(r.label) (\(Int((r.fraction * 100).rounded(.down)))%)"
    }
    return "\(s.done)/\(total) runs done"
      + (running.isEmpty ? "" : "; running: " + running.joined(separator: ", "))
      + "; ETA \(eta(s))"
  }

  /// Remaining cost at the rate observed so far (cost computed by this
  /// process per second); "≤ …" while it assumes every run goes to its
  /// iteration limit.
  private func eta(_ s: State) -> String {
    let progressed = s.doneCost + s.running.values.reduce(0) { $0 + $1.cost * $1.fraction }
    let computedHere =
      s.doneCost - s.doneResumedCost
      + s.running.values.reduce(0) { $0 + $1.cost * ($1.fraction - $1.resumedFraction) }
    guard computedHere > 0 else { return "?" }
    let elapsed = (clock.now - start).seconds
    let remaining = formatDuration(
      elapsed / computedHere * max(0, totalCost - s.skippedCost - progressed))
    return runsMayStopEarly && s.done == s.skipped ? "≤ " + remaining : remaining
  }
}

extension ExperimentProgress {
  /// The writer the experiment runners give the display: whole lines go
  /// through `log` (which adds the newline); the redrawn status line goes
  /// raw to standard error.
  static func standardErrorWriter(log: @escaping @Sendable (String) -> Void)
    -> @Sendable (String) -> Void
  {
    { text in
      if text.hasSuffix("\n") && !text.hasPrefix("\r") {
        log(String(text.dropLast()))
      } else {
        FileHandle.standardError.write(Data(text.utf8))
      }
    }
  }
}
