import Foundation

/// `Experiments/<name>/experiment.json`: which configs an experiment runs,
/// with which seeds, and the published numbers it is compared with.
public struct ExperimentSpec: Codable, Sendable, Equatable {
  public var name: String
  public var title: String
  /// Config files, relative to the repository root.
  public var configs: [String]
  public var seeds: [Int]
  /// CSV of published numbers (dataset,k,method,nmi_mean,nmi_std,cs_mean,cs_std),
  /// relative to the repository root; `nil` when there is none to compare with.
  public var paperNumbers: String?
  /// CSV of measured seconds per training epoch (dataset,method,epoch_seconds),
  /// relative to the repository root: graph classification projects the time
  /// of cells without a finished run from it. `nil`: no projection for them.
  public var epochSeconds: String?
  /// Result directories of other experiments (relative to the repository
  /// root) whose finished runs count as this experiment's when the run id
  /// and the config's hash match: a row shared with another table is
  /// reused, not recomputed (its record stays where it was written).
  public var reuseRunsFrom: [String] = []
  /// A sentence printed under the title of the markdown table (e.g. that
  /// no published numbers exist for it).
  public var note: String?
  /// Where the published numbers come from, as the tables name it.
  public var paperSource = "MinCutPool paper, Table 2"
  /// The method whose rank per dataset the graph-classification table
  /// reports (the paper's own method).
  public var focusMethod = "MinCutPool"

  enum CodingKeys: String, CodingKey, CaseIterable {
    case name, title, configs, seeds
    case paperNumbers = "paper_numbers"
    case epochSeconds = "epoch_seconds"
    case reuseRunsFrom = "reuse_runs_from"
    case note
    case paperSource = "paper_source"
    case focusMethod = "focus_method"
  }

  /// An experiment made on the fly (e.g. `gpool run CONFIG`).
  public init(
    name: String, title: String, configs: [String], seeds: [Int], paperNumbers: String? = nil
  ) {
    self.name = name
    self.title = title
    self.configs = configs
    self.seeds = seeds
    self.paperNumbers = paperNumbers
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    title = try c.decode(String.self, forKey: .title)
    configs = try c.decode([String].self, forKey: .configs)
    seeds = try c.required(c.decodeIntegers(forKey: .seeds), .seeds)
    paperNumbers = try c.decodeIfPresent(String.self, forKey: .paperNumbers)
    epochSeconds = try c.decodeIfPresent(String.self, forKey: .epochSeconds)
    reuseRunsFrom = try c.decodeIfPresent([String].self, forKey: .reuseRunsFrom) ?? []
    note = try c.decodeIfPresent(String.self, forKey: .note)
    paperSource = try c.decodeIfPresent(String.self, forKey: .paperSource) ?? paperSource
    focusMethod = try c.decodeIfPresent(String.self, forKey: .focusMethod) ?? focusMethod
    try c.require(!configs.isEmpty, .configs, "lists no configs")
    try c.require(!seeds.isEmpty, .seeds, "lists no seeds")
    try c.require(seeds.allSatisfy { $0 >= 0 }, .seeds, "seeds must be non-negative")
    try c.require(Set(seeds).count == seeds.count, .seeds, "seeds repeat")
  }

  /// Reads `experiment.json`; errors name the file and key.
  public static func load(from path: String) throws -> ExperimentSpec {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError(
        file: path, keyPath: "", message: "cannot read the experiment file (missing or unreadable)")
    }
    do {
      try JSONSyntaxCheck.check([UInt8](data))
      return try JSONDecoder().decode(ExperimentSpec.self, from: data)
    } catch {
      throw ConfigError.from(error, file: path)
    }
  }
}

/// One published cell: mean and std of NMI and completeness.
public struct PaperNumber: Sendable, Equatable {
  public var dataset: String
  public var k: Int
  public var method: String
  public var nmiMean: Double
  public var nmiStd: Double
  public var csMean: Double
  public var csStd: Double

  /// Parses the paper-numbers CSV (header dataset,k,method,nmi_mean,nmi_std,cs_mean,cs_std).
  public static func load(from path: String) throws -> [PaperNumber] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ConfigError(file: path, keyPath: "", message: "cannot read the paper-numbers CSV")
    }
    let lines = text.split(whereSeparator: \.isNewline).map(String.init)
    let expected = "dataset,k,method,nmi_mean,nmi_std,cs_mean,cs_std"
    guard lines.first == expected else {
      throw ConfigError(
        file: path, keyPath: "", message: "line 1: expected the header '\(expected)'")
    }
    return try lines.dropFirst().enumerated().map { offset, line in
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard f.count == 7, let k = Int(f[1]), let nm = Double(f[3]), let ns = Double(f[4]),
        let cm = Double(f[5]), let cs = Double(f[6])
      else {
        throw ConfigError(
          file: path, keyPath: "",
          message: "line \(offset + 2): expected 7 fields (text,int,text,4 numbers)")
      }
      return PaperNumber(
        dataset: f[0], k: k, method: f[2], nmiMean: nm, nmiStd: ns, csMean: cm, csStd: cs)
    }
  }
}
