import ArgumentParser
import Foundation
import Harness

/// `gpool evaluate RUN.json…`: recomputes runs' metrics from their checkpoints.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Recompute finished runs' metrics from their checkpoints and compare.",
    discussion: """
      For each run record (results/<experiment>/runs/<run>.json) reads the
      checkpoint beside it (../checkpoints/<run>.h5) after checking its SHA-256
      against the record, rebuilds the model from the config stored in it,
      restores the parameters and scores argmax S. Exits 1 if any checkpoint is
      missing, changed or corrupted, or does not reproduce the recorded
      scores. Example: gpool evaluate results/table1/runs/cora-mincutpool-seed0.json
      """)

  @Argument(help: "Run records (JSON files under results/<experiment>/runs/).")
  var records: [String]

  @OptionGroup var data: DataDirectoryOption

  func run() throws {
    var problems = 0
    for record in records {
      do {
        let outcome = try CheckpointEvaluation.evaluate(
          runRecord: record, dataDirectory: data.resolved)
        let r = outcome.recorded
        let c = outcome.recomputed
        print(
          "\(record): recorded NMI \(String(format: "%.6f", r.nmi)) CS "
            + "\(String(format: "%.6f", r.completeness)) ACC \(String(format: "%.6f", r.accuracy)); "
            + "from the checkpoint NMI \(String(format: "%.6f", c.nmi)) CS "
            + "\(String(format: "%.6f", c.completeness)) ACC \(String(format: "%.6f", c.accuracy)): "
            + (outcome.agrees ? "agree" : "DIFFER"))
        if !outcome.agrees { problems += 1 }
      } catch {
        problems += 1
        logToStandardError("\(record): \(error)")
      }
    }
    if problems > 0 {
      logToStandardError("\(problems) of \(records.count) run(s) could not be confirmed")
      throw ExitCode(1)
    }
  }
}
