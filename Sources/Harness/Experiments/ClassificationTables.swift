import Foundation
import GraphData

/// The CSV and markdown tables of a graph-classification experiment: every
/// run, and per cell (config) the mean ± population std of the test
/// accuracy in percent beside the published number, with the number of
/// runs done out of those planned, so a partial cell never reads as
/// complete.
struct ClassificationTables {
  let spec: ExperimentSpec
  let configs: [(name: String, config: RunConfig)]
  let results: [GraphClassificationResult]
  /// Runs planned per config (splits × seeds).
  let expectedRuns: [String: Int]
  let paper: [ClassificationPaperNumber]
  /// Reason a dataset was skipped, by dataset name.
  let skipped: [String: String]

  private func runs(_ config: String) -> [GraphClassificationResult] {
    results.filter { $0.config == config }.sorted {
      ($0.splitIndex, $0.seed) < ($1.splitIndex, $1.seed)
    }
  }

  private func published(_ dataset: String, _ method: String) -> ClassificationPaperNumber? {
    paper.first { $0.dataset == dataset && $0.method == method }
  }

  func runsCSV() -> String {
    var out =
      "config,dataset,method,split,seed,test_accuracy,best_validation_loss,best_epoch,epochs,"
      + "cluster_counts,seconds,threads,config_sha256,git_commit,data_sha256,cpu_model,blas_core\n"
    for (name, _) in configs {
      for r in runs(name) {
        out +=
          [
            r.config, r.dataset, r.method, "\(r.splitIndex)", "\(r.seed)",
            String(format: "%.6f", r.testAccuracy), String(format: "%.6f", r.bestValidationLoss),
            "\(r.bestEpoch)", "\(r.epochs)",
            r.clusterCounts.map(String.init).joined(separator: " "),
            String(format: "%.1f", r.seconds), "\(r.threads)", r.configSHA256, r.gitCommit,
            r.dataSHA256, "\"\(r.cpuModel)\"", r.blasCore,
          ].joined(separator: ",") + "\n"
      }
    }
    return out
  }

  /// (mean, std) of the accuracies in percent, with the run counts.
  private func cell(_ name: String) -> (mean: Double, std: Double, done: Int, planned: Int) {
    let accuracies = runs(name).map { 100 * $0.testAccuracy }
    let (mean, std) = ResultTables.meanStd(accuracies)
    return (mean, std, accuracies.count, expectedRuns[name] ?? 0)
  }

  func summaryCSV() -> String {
    var out =
      "dataset,method,config,runs_done,runs_planned,complete,acc_mean,acc_std,paper_mean,"
      + "paper_std,delta\n"
    for (name, config) in configs {
      let c = cell(name)
      let p = published(config.dataset.name, config.method)
      func f(_ x: Double?) -> String { x.map { $0.isNaN ? "" : String(format: "%.2f", $0) } ?? "" }
      out +=
        [
          config.dataset.name, config.method, name, "\(c.done)", "\(c.planned)",
          c.done == c.planned && c.planned > 0 ? "yes" : "no", f(c.mean), f(c.std), f(p?.mean),
          f(p?.std), f(p.map { c.mean - $0.mean }),
        ].joined(separator: ",") + "\n"
    }
    return out
  }

  func markdown() -> String {
    var out = "# \(spec.title)\n\n"
    out +=
      "Test accuracy (%) at the weights of the best validation epoch, mean ± population std "
      + "over the runs done (folds × seeds); `runs` says how many of the planned runs are "
      + "finished — a cell with fewer is partial, not a result. Published numbers: MinCutPool "
      + "paper, Table 2.\n\n"
    out += "| dataset | method | ours | runs | paper | Δ |\n|---|---|---|---|---|---|\n"
    for (name, config) in configs {
      let dataset = config.dataset.name
      let p = published(dataset, config.method)
      let paperText =
        p.map { n in
          String(format: "%.1f", n.mean) + (n.std.map { String(format: " ± %.1f", $0) } ?? "")
        } ?? "–"
      if let reason = skipped[dataset] {
        out += "| \(dataset) | \(config.method) | \(reason) | 0/? | \(paperText) | |\n"
        continue
      }
      let c = cell(name)
      let ours =
        c.done == 0
        ? "not run"
        : String(format: "%.1f ± %.1f", c.mean, c.std) + (c.done < c.planned ? " (partial)" : "")
      let delta = c.done > 0 ? p.map { String(format: "%+.1f", c.mean - $0.mean) } ?? "" : ""
      out +=
        "| \(dataset) | \(config.method) | \(ours) | \(c.done)/\(c.planned) | \(paperText) | \(delta) |\n"
    }
    return out
  }
}
