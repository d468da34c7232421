import Foundation

/// Fills a data directory with the benchmark files of `DataManifest`: each
/// file is taken from a local mirror directory when it has it, else
/// downloaded from its canonical location (with `curl`, where a network
/// exists), and is verified against its pinned SHA-256 before it is moved
/// into place. Files already present and valid are left alone.
public struct DataFetcher: Sendable {
  /// What happened to one file.
  public enum Outcome: Sendable, Equatable {
    case alreadyPresent
    case copied(from: String)
    case downloaded(from: String)
    /// Not in the mirror and not downloadable; `reason` says why.
    case missing(reason: String)
    /// Obtained, but its checksum did not match: not installed.
    case rejected(reason: String)

    /// Whether the file is now in the data directory.
    public var obtained: Bool {
      switch self {
      case .alreadyPresent, .copied, .downloaded: true
      case .missing, .rejected: false
      }
    }
  }

  public let dataDirectory: String
  public let mirrorDirectory: String?
  public let allowDownload: Bool

  public init(dataDirectory: String, mirrorDirectory: String?, allowDownload: Bool = true) {
    self.dataDirectory = dataDirectory
    self.mirrorDirectory = mirrorDirectory
    self.allowDownload = allowDownload
  }

  /// Where a manifest file is published: the repositories the offline
  /// mirror was taken from (see the mirror's README), so the pinned sums match.
  public static func canonicalURL(for entry: DataManifest.Entry) -> String? {
    let raw = "https://raw.githubusercontent.com"
    let folder = entry.relativePath.split(separator: "/").first.map(String.init) ?? ""
    switch folder {
    case "planetoid": return "\(raw)/kimiyoung/planetoid/master/data/\(entry.fileName)"
    case "tu": return "\(raw)/bknyaz/graph_nn/master/data/\(entry.fileName)"
    case "gin": return "\(raw)/yeweiysh/IHGNN/master/data/\(entry.fileName)"
    case "bench":
      return
        "\(raw)/FilippoMB/Benchmark_dataset_for_graph_classification/master/datasets/\(entry.fileName)"
    case "vectors":
      // The canonical MNIST host serves the original files; USPS has no
      // canonical host (its pinned copy comes from the mirror only).
      return entry.relativePath.hasPrefix("vectors/mnist/")
        ? "https://ossci-datasets.s3.amazonaws.com/mnist/\(entry.fileName)" : nil
    default: return nil
    }
  }

  /// Fetches every entry whose relative path starts with `prefix` (all by
  /// default), calling `report` once per file. Cost: one SHA-256 pass per file.
  public func fetch(
    prefix: String = "", report: (DataManifest.Entry, Outcome) -> Void = { _, _ in }
  ) -> [(entry: DataManifest.Entry, outcome: Outcome)] {
    DataManifest.entries.filter { $0.relativePath.hasPrefix(prefix) }.map { entry in
      let outcome = fetch(entry)
      report(entry, outcome)
      return (entry, outcome)
    }
  }

  private func fetch(_ entry: DataManifest.Entry) -> Outcome {
    let destination = "\(dataDirectory)/\(entry.relativePath)"
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: destination), isValid(destination, entry) {
      return .alreadyPresent
    }
    do {
      try fileManager.createDirectory(
        atPath: (destination as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
    } catch {
      return .missing(
        reason: "cannot create the folder for \(destination): \(error.localizedDescription)")
    }
    let temporary = destination + ".part-\(ProcessInfo.processInfo.processIdentifier)"
    defer { try? fileManager.removeItem(atPath: temporary) }

    var source: Outcome
    if let mirror = mirrorDirectory,
      fileManager.fileExists(atPath: "\(mirror)/\(entry.relativePath)")
    {
      do {
        try? fileManager.removeItem(atPath: temporary)
        try fileManager.copyItem(atPath: "\(mirror)/\(entry.relativePath)", toPath: temporary)
      } catch {
        return .missing(reason: "cannot copy from the mirror: \(error.localizedDescription)")
      }
      source = .copied(from: "\(mirror)/\(entry.relativePath)")
    } else if allowDownload, let url = Self.canonicalURL(for: entry) {
      if let failure = download(url, to: temporary) {
        return .missing(
          reason:
            "not in the mirror\(mirrorDirectory.map { " (\($0))" } ?? ""), and the download failed: \(failure)"
        )
      }
      source = .downloaded(from: url)
    } else {
      return .missing(
        reason: "not in the mirror\(mirrorDirectory.map { " (\($0))" } ?? " (none given)")"
          + (allowDownload ? " and no download location is known" : " and downloads are off"))
    }
    do {
      let digest = try SHA256.hexDigest(ofFileAt: temporary)
      try DataManifest.verify(digest: digest, expectedName: entry.fileName)
    } catch {
      return .rejected(reason: "\(error)")
    }
    guard rename(temporary, destination) == 0 else {
      return .missing(reason: "cannot move the file into \(destination)")
    }
    return source
  }

  private func isValid(_ path: String, _ entry: DataManifest.Entry) -> Bool {
    guard let digest = try? SHA256.hexDigest(ofFileAt: path) else { return false }
    return entry.sha256 == nil || digest == entry.sha256
  }

  /// Downloads with `curl` (bounded time, fails on HTTP errors); returns an
  /// error message, or `nil` on success.
  private func download(_ url: String, to path: String) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "curl", "--fail", "--silent", "--show-error", "--location", "--connect-timeout", "15",
      "--max-time", "300", "--output", path, url,
    ]
    let errors = Pipe()
    process.standardError = errors
    do { try process.run() } catch {
      return "curl could not be started (\(error.localizedDescription))"
    }
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let text = String(decoding: message, as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
      return text.isEmpty ? "curl exited with status \(process.terminationStatus)" : text
    }
    return nil
  }
}
