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
  /// Measured seconds per epoch by `EpochSeconds.key(dataset, method)`.
  var epochSeconds: [String: Double] = [:]
  /// Keys of `epochSeconds` that are lower bounds (an epoch that did not
  /// finish while measured): their cells' projections read "≥".
  var epochLowerBounds: Set<String> = []

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
            r.config, r.dataset, TableText.csvField(r.method), "\(r.splitIndex)", "\(r.seed)",
            String(format: "%.6f", r.testAccuracy), String(format: "%.6f", r.bestValidationLoss),
            "\(r.bestEpoch)", "\(r.epochs)",
            r.clusterCounts.map(String.init).joined(separator: " "),
            String(format: "%.1f", r.seconds), "\(r.threads)", r.configSHA256, r.gitCommit,
            r.dataSHA256, TableText.csvField(r.cpuModel), r.blasCore,
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

  /// Per complete cell of a dataset, Welch's two-sided p-value against the
  /// dataset's best complete cell (by mean) and whether it is marked bold:
  /// the best, and every cell not significantly worse (p ≥ 0.05), as the
  /// paper marks Table 2. Partial cells take no part.
  private func significance(_ name: String, _ config: RunConfig) -> (p: Double, bold: Bool)? {
    func complete(_ n: String) -> Bool {
      let c = cell(n)
      return c.planned > 0 && c.done == c.planned
    }
    guard complete(name) else { return nil }
    let peers = configs.filter {
      $0.config.dataset.name == config.dataset.name && complete($0.name)
    }
    guard let best = peers.max(by: { cell($0.name).mean < cell($1.name).mean }) else { return nil }
    if best.name == name { return (1, true) }
    let accuracies = { (n: String) in runs(n).map { 100 * $0.testAccuracy } }
    guard let test = WelchTest.twoSided(accuracies(best.name), accuracies(name)) else {
      return nil
    }
    return (test.pValue, test.pValue >= 0.05)
  }

  /// The paper's significance mark of a published cell, derived (its text
  /// lost the bold type): the dataset's best published mean, and every
  /// published cell not significantly worse than it by Welch's test on the
  /// published mean ± std, taking the std as the sample std of 10 folds
  /// (Bench: 10 seeds). `nil` when the cell or the best has no std to test
  /// (the paper's Bench WL cells give a mean only) and it is not the best.
  static let paperRunsPerCell = 10

  private func paperSignificance(_ dataset: String, _ method: String) -> (p: Double, bold: Bool)? {
    guard let mine = published(dataset, method) else { return nil }
    let peers = paper.filter { $0.dataset == dataset }
    guard let best = peers.max(by: { $0.mean < $1.mean }) else { return nil }
    if best.method == method { return (1, true) }
    guard let bestStd = best.std, let myStd = mine.std,
      let test = WelchTest.twoSided(
        mean: best.mean, sampleVariance: bestStd * bestStd, count: Self.paperRunsPerCell,
        against: mine.mean, sampleVariance: myStd * myStd, count: Self.paperRunsPerCell)
    else { return nil }
    return (test.pValue, test.pValue >= 0.05)
  }

  /// The epochs a run on `dataset` takes: the median over the finished
  /// trained runs of that dataset, else over every finished trained run
  /// (early stopping ends most runs well before the maximum), or `nil`
  /// before any run finished.
  private func typicalEpochs(_ dataset: String) -> Double? {
    func median(_ runs: [GraphClassificationResult]) -> Double? {
      let epochs = runs.map(\.epochs).sorted()
      guard !epochs.isEmpty else { return nil }
      let middle = epochs.count / 2
      return epochs.count % 2 == 1
        ? Double(epochs[middle]) : Double(epochs[middle - 1] + epochs[middle]) / 2
    }
    // Only trained runs: a kernel baseline records 0 epochs.
    let trained = results.filter { $0.epochs > 0 }
    return median(trained.filter { $0.dataset == dataset }) ?? median(trained)
  }

  /// Projected CPU seconds of a cell's missing runs and how: from the mean
  /// time of its finished runs, else from its measured epoch time × the
  /// typical epochs of its dataset (× the maximum epochs when no run
  /// finished at all).
  private func projection(_ name: String, _ config: RunConfig) -> (seconds: Double, basis: String)?
  {
    let c = cell(name)
    let missing = Double(c.planned - c.done)
    guard missing > 0 else { return nil }
    let done = runs(name)
    if !done.isEmpty {
      let mean = done.map(\.seconds).reduce(0, +) / Double(done.count)
      return (missing * mean, "mean of its \(done.count) run\(done.count == 1 ? "" : "s")")
    }
    let key = EpochSeconds.key(config.dataset.name, config.method)
    guard let epoch = epochSeconds[key] else { return nil }
    let bound = epochLowerBounds.contains(key) ? "at least " : ""
    let epochs = typicalEpochs(config.dataset.name) ?? Double(config.training.maxEpochs)
    return (
      missing * epoch * epochs,
      String(format: "%@%.2f s/epoch × %.0f epochs", bound, epoch, epochs)
    )
  }

  private static func hours(_ seconds: Double) -> String {
    seconds < 3600
      ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
  }

  func summaryCSV() -> String {
    var out =
      "dataset,method,config,runs_done,runs_planned,complete,acc_mean,acc_std,paper_mean,"
      + "paper_std,delta,projected_cpu_hours_left,welch_p_vs_best,bold,paper_welch_p_vs_best,"
      + "paper_bold_derived\n"
    for (name, config) in configs {
      let c = cell(name)
      let p = published(config.dataset.name, config.method)
      func f(_ x: Double?) -> String { x.map { $0.isNaN ? "" : String(format: "%.2f", $0) } ?? "" }
      out +=
        [
          config.dataset.name, TableText.csvField(config.method), name, "\(c.done)", "\(c.planned)",
          c.done == c.planned && c.planned > 0 ? "yes" : "no", f(c.mean), f(c.std), f(p?.mean),
          f(p?.std), f(p.map { c.mean - $0.mean }),
          projection(name, config).map { String(format: "%.2f", $0.seconds / 3600) } ?? "",
          significance(name, config).map { String(format: "%.4f", $0.p) } ?? "",
          significance(name, config).map { $0.bold ? "yes" : "no" } ?? "",
          paperSignificance(config.dataset.name, config.method).map {
            String(format: "%.4f", $0.p)
          } ?? "",
          paperSignificance(config.dataset.name, config.method).map { $0.bold ? "yes" : "no" }
            ?? "",
        ].joined(separator: ",") + "\n"
    }
    return out
  }

  func markdown() -> String {
    var out = "# \(spec.title)\n\n" + (spec.note.map { "\($0)\n\n" } ?? "")
    out +=
      "Test accuracy (%) at the weights of the best validation epoch, mean ± population std "
      + "over the runs done (folds × seeds); `runs` says how many of the planned runs are "
      + "finished — a cell with fewer is partial, not a result; `left` projects the CPU time "
      + "of its missing runs (one core each; from the cell's finished runs, else from its "
      + "measured epoch time). **Bold**: per dataset, among the complete cells, the best mean "
      + "and every method not significantly worse than it (two-sided Welch t-test over the "
      + "runs, p ≥ 0.05; the p-values are in `summary.csv`), as the paper marks its Table 2. "
      + "Published numbers: \(spec.paperSource). The paper's text we have lost its bold "
      + "type, so the `paper` column's bold is derived the same way from the published mean ± "
      + "std (taken as the sample std of \(Self.paperRunsPerCell) runs; a cell without a std "
      + "is bold only if it is the best); the section after the table compares the two.\n\n"
    out +=
      "| dataset | method | ours | runs | left | paper | Δ |\n|---|---|---|---|---|---|---|\n"
    var total = 0.0
    var unknown = 0
    for (name, config) in configs {
      let dataset = config.dataset.name
      let p = published(dataset, config.method)
      var paperText =
        p.map { n in
          String(format: "%.1f", n.mean) + (n.std.map { String(format: " ± %.1f", $0) } ?? "")
        } ?? "–"
      if paperSignificance(dataset, config.method)?.bold == true { paperText = "**\(paperText)**" }
      if let reason = skipped[dataset] {
        out +=
          "| \(dataset) | \(TableText.markdownCell(config.method)) | \(reason) | 0/? | | \(paperText) | |\n"
        continue
      }
      let c = cell(name)
      var ours =
        c.done == 0
        ? "not run"
        : String(format: "%.1f ± %.1f", c.mean, c.std) + (c.done < c.planned ? " (partial)" : "")
      if significance(name, config)?.bold == true { ours = "**\(ours)**" }
      let delta = c.done > 0 ? p.map { String(format: "%+.1f", c.mean - $0.mean) } ?? "" : ""
      var left = ""
      if c.done < c.planned {
        if let (seconds, basis) = projection(name, config) {
          left = "\(basis.hasPrefix("at least") ? "≥" : "≈") \(Self.hours(seconds)) (\(basis))"
          total += seconds
        } else {
          left = "not projected (no epoch time)"
          unknown += 1
        }
      }
      out +=
        "| \(dataset) | \(TableText.markdownCell(config.method)) | \(ours) | \(c.done)/\(c.planned) | \(left) | \(paperText) | \(delta) |\n"
    }
    out += markAgreement()
    out += focusRanking()
    if total > 0 || unknown > 0 {
      out +=
        "\nProjected CPU time of all missing runs: ≈ \(Self.hours(total))"
        + (unknown > 0 ? ", plus \(unknown) cell(s) without an epoch time" : "") + ".\n"
    }
    return out
  }

  /// Per dataset, the methods bold in our complete cells and in the paper's
  /// (derived) marks, and where they differ, among the methods complete in
  /// our runs.
  func markAgreement() -> String {
    var rows: [String] = []
    let datasets = configs.map(\.config.dataset.name).reduce(into: [String]()) {
      if !$0.contains($1) { $0.append($1) }
    }
    for dataset in datasets {
      let complete = configs.filter {
        let c = cell($0.name)
        return $0.config.dataset.name == dataset && c.planned > 0 && c.done == c.planned
      }
      guard !complete.isEmpty else { continue }
      let ours = complete.filter { significance($0.name, $0.config)?.bold == true }.map(
        \.config.method)
      let theirs = complete.filter {
        paperSignificance(dataset, $0.config.method)?.bold == true
      }.map(\.config.method)
      let onlyOurs = ours.filter { !theirs.contains($0) }
      let onlyTheirs = theirs.filter { !ours.contains($0) }
      let agreement =
        onlyOurs.isEmpty && onlyTheirs.isEmpty
        ? "same"
        : [
          onlyOurs.isEmpty ? nil : "bold only in ours: " + onlyOurs.joined(separator: ", "),
          onlyTheirs.isEmpty
            ? nil : "bold only in the paper's: " + onlyTheirs.joined(separator: ", "),
        ].compactMap { $0 }.joined(separator: "; ")
      let theirsAll = paper.filter {
        $0.dataset == dataset && paperSignificance(dataset, $0.method)?.bold == true
      }.map(\.method)
      let planned = configs.filter { $0.config.dataset.name == dataset }.count
      rows.append(
        "| \(dataset) | \(complete.count) of \(planned) | \(ours.joined(separator: ", ")) | "
          + "\(theirs.joined(separator: ", ")) | \(agreement) | \(theirsAll.joined(separator: ", ")) |"
      )
    }
    guard !rows.isEmpty else { return "" }
    return
      "\n## Significance marks: ours and the paper's\n\nPer dataset, among the methods whose "
      + "cells are complete in our runs: the methods in bold in our column and in the paper's "
      + "(derived from its mean ± std as above), and where they differ. With fewer complete "
      + "cells than methods the comparison is provisional: our best may change as cells "
      + "finish. The last column lists the paper's bold methods among all of its methods.\n\n"
      + "| dataset | complete | bold in ours | bold in the paper's | agreement | "
      + "paper's bold, all methods |\n|---|---|---|---|---|---|\n" + rows.joined(separator: "\n")
      + "\n"
  }

  /// Per dataset, where the experiment's focus method (`focus_method`,
  /// MinCutPool by default) stands among our complete cells and among the
  /// paper's numbers (by mean); whether the paper's conclusion — the method
  /// best or not significantly worse than the best — holds in our runs; and
  /// Welch's p of the method against the best other complete cell (the
  /// p-value column of TVGNN's table, recomputed from our runs). Empty when
  /// no cell of the method is complete.
  func focusRanking() -> String {
    let method = spec.focusMethod
    var rows: [String] = []
    var disagreements: [String] = []
    let datasets = configs.map(\.config.dataset.name).reduce(into: [String]()) {
      if !$0.contains($1) { $0.append($1) }
    }
    for dataset in datasets {
      let cells = configs.filter { $0.config.dataset.name == dataset }
      let complete = cells.filter {
        let c = cell($0.name)
        return c.planned > 0 && c.done == c.planned
      }
      guard let focus = complete.first(where: { $0.config.method == method }) else { continue }
      let ourMean = cell(focus.name).mean
      let ourRank = 1 + complete.filter { cell($0.name).mean > ourMean }.count
      let bold = significance(focus.name, focus.config)?.bold ?? false
      let published = paper.filter { $0.dataset == dataset }
      let paperRank =
        published.first { $0.method == method }.map { mine in
          "\(1 + published.filter { $0.mean > mine.mean }.count) of \(published.count)"
        } ?? "–"
      let best = complete.max { cell($0.name).mean < cell($1.name).mean }!
      let paperBold = paperSignificance(dataset, method).map { $0.bold ? "yes" : "no" } ?? "–"
      let others = complete.filter { $0.name != focus.name }
      let accuracies = { (n: String) in runs(n).map { 100 * $0.testAccuracy } }
      let versusBestOther =
        others.max { cell($0.name).mean < cell($1.name).mean }.flatMap { other in
          WelchTest.twoSided(accuracies(focus.name), accuracies(other.name)).map {
            String(format: "%.3f (vs %@)", $0.pValue, other.config.method)
          }
        } ?? "–"
      rows.append(
        "| \(dataset) | \(ourRank) of \(complete.count) (best: \(best.config.method)) | "
          + "\(bold ? "yes" : "no") | \(versusBestOther) | \(paperRank) | \(paperBold) |")
      if !bold { disagreements.append(dataset) }
    }
    guard !rows.isEmpty else { return "" }
    var out =
      "\n## \(method)'s rank per dataset\n\nAmong our complete cells of the dataset (by mean) "
      + "and among the paper's numbers for it; `tied-best` says whether \(method) is the best "
      + "or not significantly worse than it (Welch, p ≥ 0.05), the paper's conclusion; `p vs "
      + "best other` is Welch's two-sided p of \(method) against the best other complete cell; "
      + "the paper's columns rank its means and give its tied-best mark derived from its mean ± "
      + "std (its own bold type is not in the text we have). A rank over fewer complete cells "
      + "than the paper's methods is provisional.\n\n"
      + "| dataset | ours: rank | ours: tied-best | ours: p vs best other | paper: rank | "
      + "paper: tied-best |\n|---|---|---|---|---|---|\n"
      + rows.joined(separator: "\n") + "\n"
    if !disagreements.isEmpty {
      out +=
        "\n\(method) is significantly worse than our best method on: "
        + disagreements.joined(separator: ", ") + ".\n"
    }
    return out
  }
}
