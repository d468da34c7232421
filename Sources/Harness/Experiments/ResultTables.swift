import Foundation

/// The CSV and markdown tables of a node-clustering experiment.
struct ResultTables {
  let spec: ExperimentSpec
  let configs: [RunConfig]
  let results: [NodeClusteringResult]
  let paper: [PaperNumber]
  /// Reason a dataset was skipped, by dataset name.
  let skipped: [String: String]

  /// (dataset, method) cells in config order.
  private var cells: [(dataset: String, method: String)] {
    var seen = Set<String>()
    return configs.compactMap { c in
      seen.insert("\(c.dataset.name)|\(c.method)").inserted ? (c.dataset.name, c.method) : nil
    }
  }

  private func runs(_ dataset: String, _ method: String) -> [NodeClusteringResult] {
    results.filter { $0.dataset == dataset && $0.method == method }.sorted { $0.seed < $1.seed }
  }

  private func published(_ dataset: String, _ method: String) -> PaperNumber? {
    paper.first { $0.dataset.lowercased() == dataset && $0.method == method }
  }

  /// Mean and population standard deviation.
  static func meanStd(_ values: [Double]) -> (mean: Double, std: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
    return (mean, variance.squareRoot())
  }

  func runsCSV() -> String {
    let lossNames = Set(results.flatMap(\.finalLosses.keys)).sorted()
    var out =
      "dataset,method,seed,nmi,completeness,homogeneity,accuracy,"
      + lossNames.map { "final_loss_\($0)" }.joined(separator: ",")
      + (lossNames.isEmpty ? "" : ",")
      + "iterations,seconds,threads,config_sha256,git_commit,data_sha256,scored_nodes,unscored_nodes\n"
    for (dataset, method) in cells {
      for r in runs(dataset, method) {
        out +=
          "\(r.dataset),\(r.method),\(r.seed),\(f(r.nmi)),\(f(r.completeness)),\(f(r.homogeneity)),\(f(r.accuracy)),"
          + lossNames.map { r.finalLosses[$0].map { "\($0)" } ?? "" }.joined(separator: ",")
          + (lossNames.isEmpty ? "" : ",")
          + "\(r.iterations),\(String(format: "%.2f", r.seconds)),\(r.threads),\(r.configSHA256),"
          + "\(r.gitCommit),\(r.dataSHA256),\(r.scoredNodes),\(r.unscoredNodes)\n"
      }
    }
    return out
  }

  func summaryCSV() -> String {
    var out =
      "dataset,method,runs,nmi_mean,nmi_std,cs_mean,cs_std,homogeneity_mean,homogeneity_std,"
      + "accuracy_mean,accuracy_std,seconds_mean,paper_nmi_mean,paper_nmi_std,paper_cs_mean,paper_cs_std,status\n"
    for (dataset, method) in cells {
      let p = published(dataset, method)
      let paperFields =
        p.map { "\(f($0.nmiMean)),\(f($0.nmiStd)),\(f($0.csMean)),\(f($0.csStd))" } ?? ",,,"
      if let reason = skipped[dataset] {
        out += "\(dataset),\(method),0,,,,,,,,,,\(paperFields),\(reason)\n"
        continue
      }
      let r = runs(dataset, method)
      let nmi = Self.meanStd(r.map(\.nmi))
      let cs = Self.meanStd(r.map(\.completeness))
      let hom = Self.meanStd(r.map(\.homogeneity))
      let acc = Self.meanStd(r.map(\.accuracy))
      let secs = Self.meanStd(r.map(\.seconds))
      let status =
        r.count == spec.seeds.count ? "complete" : "incomplete: \(r.count)/\(spec.seeds.count) runs"
      out +=
        "\(dataset),\(method),\(r.count),\(f(nmi.mean)),\(f(nmi.std)),\(f(cs.mean)),\(f(cs.std)),"
        + "\(f(hom.mean)),\(f(hom.std)),\(f(acc.mean)),\(f(acc.std)),\(String(format: "%.2f", secs.mean)),"
        + "\(paperFields),\(status)\n"
    }
    return out
  }

  func markdown() -> String {
    var out = "# \(spec.title)\n\n"
    out +=
      "Mean ± population std over seeds \(spec.seeds.map(String.init).joined(separator: ", ")) "
      + "(\(spec.seeds.count) runs per cell). Δ = ours − published. Every run is listed in `runs.csv`.\n\n"
    out +=
      "| Dataset | K | Method | NMI (ours) | NMI (paper) | Δ NMI | CS (ours) | CS (paper) | Δ CS | ACC (ours) | runs |\n"
    out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
    for (dataset, method) in cells {
      let p = published(dataset, method)
      let name = dataset.prefix(1).uppercased() + dataset.dropFirst()
      let k = p.map { "\($0.k)" } ?? ""
      let paperNMI = p.map { "\(f3($0.nmiMean)) ± \(f3($0.nmiStd))" } ?? "—"
      let paperCS = p.map { "\(f3($0.csMean)) ± \(f3($0.csStd))" } ?? "—"
      if let reason = skipped[dataset] {
        out +=
          "| \(name) | \(k) | \(method) | \(reason) | \(paperNMI) | | \(reason) | \(paperCS) | | | 0 |\n"
        continue
      }
      let r = runs(dataset, method)
      guard !r.isEmpty else {
        out +=
          "| \(name) | \(k) | \(method) | not run | \(paperNMI) | | not run | \(paperCS) | | | 0 |\n"
        continue
      }
      let nmi = Self.meanStd(r.map(\.nmi))
      let cs = Self.meanStd(r.map(\.completeness))
      let acc = Self.meanStd(r.map(\.accuracy))
      let dN = p.map { signed(nmi.mean - $0.nmiMean) } ?? ""
      let dC = p.map { signed(cs.mean - $0.csMean) } ?? ""
      out +=
        "| \(name) | \(k) | \(method) | \(f3(nmi.mean)) ± \(f3(nmi.std)) | \(paperNMI) | \(dN) | "
        + "\(f3(cs.mean)) ± \(f3(cs.std)) | \(paperCS) | \(dC) | \(f3(acc.mean)) ± \(f3(acc.std)) | \(r.count) |\n"
    }
    let commits = Set(results.map(\.gitCommit)).sorted()
    out +=
      "\nCommit(s): \(commits.joined(separator: ", ")). Threads per run: \(Set(results.map(\.threads)).sorted().map(String.init).joined(separator: ", ")).\n"
    return out
  }

  private func f(_ x: Double) -> String { x.isNaN ? "" : String(format: "%.6f", x) }
  private func f3(_ x: Double) -> String { String(format: "%.3f", x) }
  private func signed(_ x: Double) -> String { String(format: "%+.3f", x) }
}
