import ArgumentParser
import Foundation
import GraphData

/// `gpool data`: fills the data directory from a mirror or the canonical URLs.
struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data",
    abstract: "Fill the data directory with the benchmark files, verifying their SHA-256.",
    discussion: """
      Each file is copied from the mirror directory when it has it, else
      downloaded from its canonical location (needs curl and a network), then
      checked against the pinned SHA-256 before it is moved into place. Files
      already present and valid are kept. A file that cannot be obtained is
      listed; experiments report the rows that need it as skipped.
      """)

  @OptionGroup var data: DataDirectoryOption

  @Option(help: "Mirror directory (default: $GPOOL_DATA_MIRROR, else ../shared/data if it exists).")
  var mirror: String?

  @Flag(help: "Never download; use the mirror only.")
  var offline = false

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let dataDirectory = data.resolved
    var mirror = self.mirror ?? environment["GPOOL_DATA_MIRROR"]
    if mirror?.isEmpty ?? false { mirror = nil }
    if mirror == nil, FileManager.default.fileExists(atPath: "../shared/data") {
      mirror = "../shared/data"
    }
    if let mirror, !FileManager.default.fileExists(atPath: mirror) {
      throw ValidationError("mirror directory \(mirror) does not exist.")
    }
    print(
      "data directory: \(dataDirectory); mirror: \(mirror ?? "none"); downloads: \(offline ? "off" : "on")"
    )
    let fetcher = DataFetcher(
      dataDirectory: dataDirectory, mirrorDirectory: mirror, allowDownload: !offline)
    var problems = 0
    let outcomes = fetcher.fetch { entry, outcome in
      let line: String
      switch outcome {
      case .alreadyPresent: line = "ok         "
      case .copied: line = "copied     "
      case .downloaded(let url): line = "downloaded  (\(url)) "
      case .missing(let reason):
        line = "MISSING     \(reason): "
        problems += 1
      case .rejected(let reason):
        line = "REJECTED    \(reason): "
        problems += 1
      }
      print("\(line)\(entry.relativePath)")
    }
    // A missing file with a stand-in that is present is covered, and said so.
    for (entry, outcome) in outcomes {
      guard case .missing = outcome, let stand = DataManifest.substitute(for: entry.relativePath),
        let standOutcome = outcomes.first(where: { $0.entry.relativePath == stand.substitute }),
        standOutcome.outcome.obtained
      else { continue }
      problems -= 1
      print(
        "note: \(entry.fileName) is not available; its readers use the stand-in "
          + "\(stand.substitute) instead (\(stand.note)).")
    }
    if problems > 0 {
      print(
        "\(problems) file(s) could not be obtained; experiments that need them report those rows as skipped."
      )
    }
  }
}
