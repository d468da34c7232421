import Foundation
import GraphData

/// The CSV and markdown tables of a node-clustering experiment.
struct ResultTables {
  let spec: ExperimentSpec
  /// Each config with its name (file name without `.json`), in experiment order.
  let configs: [(name: String, config: RunConfig)]
  let results: [NodeClusteringResult]
  let paper: [PaperNumber]
  /// Reason a dataset was skipped, by dataset name.
  let skipped: [String: String]

  /// One cell per config, in experiment order.
  private struct Cell {
    let config: String
    let dataset: String
    let method: String
    /// The method, with the config's name when another config of the same
    /// dataset shares the method (an ablation).
    let label: String
  }

  private var cells: [Cell] {
    var seen = Set<String>()
    let unique = configs.filter { seen.insert($0.name).inserted }
    return unique.map { name, c in
      let shared = unique.filter {
        $0.config.dataset.name == c.dataset.name && $0.config.method == c.method
      }
      return Cell(
        config: name, dataset: c.dataset.name, method: c.method,
        label: shared.count > 1 ? "\(c.method) (\(name))" : c.method)
    }
  }

  private func runs(_ cell: Cell) -> [NodeClusteringResult] {
    results.filter { $0.config == cell.config }.sorted { $0.seed < $1.seed }
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
      "config,dataset,method,seed,nmi,completeness,homogeneity,accuracy,"
      + lossNames.map { "final_loss_\($0)" }.joined(separator: ",")
      + (lossNames.isEmpty ? "" : ",")
      + "iterations,seconds,threads,config_sha256,git_commit,data_sha256,scored_nodes,unscored_nodes,"
      + "feature_file,cpu_model,blas_core,blas_config\n"
    for cell in cells {
      for r in runs(cell) {
        out +=
          "\(r.config),\(r.dataset),\(TableText.csvField(r.method)),\(r.seed),\(f(r.nmi)),\(f(r.completeness)),\(f(r.homogeneity)),\(f(r.accuracy)),"
          + lossNames.map { r.finalLosses[$0].map { "\($0)" } ?? "" }.joined(separator: ",")
          + (lossNames.isEmpty ? "" : ",")
          + "\(r.iterations),\(String(format: "%.2f", r.seconds)),\(r.threads),\(r.configSHA256),"
          + "\(r.gitCommit),\(r.dataSHA256),\(r.scoredNodes),\(r.unscoredNodes),"
          + [r.featureFile, r.cpuModel, r.blasCore, r.blasConfig].map { csvField($0 ?? "") }
          .joined(separator: ",") + "\n"
      }
    }
    return out
  }

  func summaryCSV() -> String {
    var out =
      "config,dataset,method,runs,nmi_mean,nmi_std,cs_mean,cs_std,homogeneity_mean,homogeneity_std,"
      + "accuracy_mean,accuracy_std,seconds_mean,paper_nmi_mean,paper_nmi_std,paper_cs_mean,paper_cs_std,status\n"
    for cell in cells {
      let (dataset, method) = (cell.dataset, cell.method)
      let p = published(dataset, method)
      let paperFields =
        p.map { "\(f($0.nmiMean)),\(f($0.nmiStd)),\(f($0.csMean)),\(f($0.csStd))" } ?? ",,,"
      if let reason = skipped[dataset] {
        out +=
          "\(cell.config),\(dataset),\(TableText.csvField(method)),0,,,,,,,,,,\(paperFields),\(TableText.csvField(reason))\n"
        continue
      }
      let r = runs(cell)
      let nmi = Self.meanStd(r.map(\.nmi))
      let cs = Self.meanStd(r.map(\.completeness))
      let hom = Self.meanStd(r.map(\.homogeneity))
      let acc = Self.meanStd(r.map(\.accuracy))
      let secs = Self.meanStd(r.map(\.seconds))
      let status =
        r.count == spec.seeds.count ? "complete" : "incomplete: \(r.count)/\(spec.seeds.count) runs"
      out +=
        "\(cell.config),\(dataset),\(TableText.csvField(method)),\(r.count),\(f(nmi.mean)),\(f(nmi.std)),\(f(cs.mean)),\(f(cs.std)),"
        + "\(f(hom.mean)),\(f(hom.std)),\(f(acc.mean)),\(f(acc.std)),\(String(format: "%.2f", secs.mean)),"
        + "\(paperFields),\(status)\n"
    }
    return out
  }

  func markdown() -> String {
    var out = "# \(spec.title)\n\n" + (spec.note.map { "\($0)\n\n" } ?? "")
    out +=
      "Mean ± population std over seeds \(spec.seeds.map(String.init).joined(separator: ", ")) "
      + "(\(spec.seeds.count) runs per cell). Δ = ours − published. Every run is listed in `runs.csv`.\n\n"
    out +=
      "| Dataset | K | Method | NMI (ours) | NMI (paper) | Δ NMI | CS (ours) | CS (paper) | Δ CS | ACC (ours) | runs |\n"
    out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
    var footnotes = Set<String>()
    for cell in cells {
      let (dataset, method) = (cell.dataset, TableText.markdownCell(cell.label))
      let p = published(cell.dataset, cell.method)
      let name = dataset.prefix(1).uppercased() + dataset.dropFirst()
      let k = p.map { "\($0.k)" } ?? ""
      let paperNMI = p.map { "\(f3($0.nmiMean)) ± \(f3($0.nmiStd))" } ?? "—"
      let paperCS = p.map { "\(f3($0.csMean)) ± \(f3($0.csStd))" } ?? "—"
      if let reason = skipped[dataset] {
        out +=
          "| \(name) | \(k) | \(method) | \(reason) | \(paperNMI) | | \(reason) | \(paperCS) | | | 0 |\n"
        continue
      }
      let r = runs(cell)
      let substituteNotes = Set(r.compactMap(\.featureFile).compactMap(Self.featureNote))
      let marker = substituteNotes.isEmpty ? "" : " ¹"
      if !substituteNotes.isEmpty { footnotes.formUnion(substituteNotes) }
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
        "| \(name)\(marker) | \(k) | \(method) | \(f3(nmi.mean)) ± \(f3(nmi.std)) | \(paperNMI) | \(dN) | "
        + "\(f3(cs.mean)) ± \(f3(cs.std)) | \(paperCS) | \(dC) | \(f3(acc.mean)) ± \(f3(acc.std)) | "
        + "\(r.count)\(r.count < spec.seeds.count ? "/\(spec.seeds.count) (partial)" : "") |\n"
    }
    if !footnotes.isEmpty {
      out += "\n¹ Computed on substitute data: \(footnotes.sorted().joined(separator: "; ")).\n"
    }
    let commits = Set(results.map(\.gitCommit)).sorted()
    out +=
      "\nCommit(s): \(commits.joined(separator: ", ")). Threads per run: \(Set(results.map(\.threads)).sorted().map(String.init).joined(separator: ", ")).\n"
    let machines = Set(
      results.map { "\($0.cpuModel ?? "unknown CPU"), OpenBLAS core \($0.blasCore ?? "unknown")" })
    out += "Computed on: \(machines.sorted().joined(separator: "; ")).\n"
    return out
  }

  /// The stand-in note of a feature file (`DataManifest.substitutes`), `nil`
  /// for a genuine file.
  static func featureNote(_ featureFile: String) -> String? {
    DataManifest.substitutes.first { $0.substitute.hasSuffix("/" + featureFile) }?.note
  }

  private func csvField(_ text: String) -> String { TableText.csvField(text) }

  private func f(_ x: Double) -> String { x.isNaN ? "" : String(format: "%.6f", x) }
  private func f3(_ x: Double) -> String { String(format: "%.3f", x) }
  private func signed(_ x: Double) -> String { String(format: "%+.3f", x) }
}
