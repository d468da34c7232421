import CBLAS
import Foundation

/// What a result depends on beyond the config, the seed and the thread
/// count: the CPU and the OpenBLAS build and kernel set in use. Runs record
/// it so that a difference between two machines can be traced (OpenBLAS
/// picks its kernels for the CPU at load time, and they round differently).
public enum ComputeEnvironment {
  /// The CPU as `/proc/cpuinfo` names it, with its family/model/stepping
  /// (virtual machines often show only a generic name), e.g.
  /// "AMD EPYC (family 25, model 17, stepping 1)"; "unknown" where that
  /// file does not exist. Read once.
  public static let cpuModel: String = {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
      return "unknown"
    }
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
      if line.isEmpty { break }  // first processor only
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let key = parts[0].trimmingCharacters(in: .whitespaces)
      if fields[key] == nil { fields[key] = parts[1].trimmingCharacters(in: .whitespaces) }
    }
    let name = fields["model name"] ?? "unknown"
    guard let family = fields["cpu family"], let model = fields["model"] else { return name }
    return "\(name) (family \(family), model \(model), stepping \(fields["stepping"] ?? "?"))"
  }()

  /// The OpenBLAS kernel set chosen for this CPU (`openblas_get_corename`,
  /// e.g. "Cooperlake", "Haswell"); `OPENBLAS_CORETYPE` overrides it.
  public static var blasCoreName: String {
    openblas_get_corename().map { String(cString: $0) } ?? "unknown"
  }

  /// The OpenBLAS build (`openblas_get_config`), e.g.
  /// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64".
  public static var blasConfig: String {
    openblas_get_config().map { String(cString: $0) } ?? "unknown"
  }

  /// The memory this process may use: the machine's physical memory, or a
  /// smaller cgroup (container) limit where one is set. Read once.
  public static let physicalMemoryBytes: Int = {
    let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
    for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
      if let text = try? String(contentsOfFile: file, encoding: .utf8),
        let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0
      {
        return min(physical, limit)
      }
    }
    return physical
  }()

  /// The process's peak resident set size so far, in bytes (`getrusage`;
  /// Linux reports KiB, Darwin bytes).
  public static var peakResidentBytes: Int {
    var usage = rusage()
    #if os(Linux)
      getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
      return usage.ru_maxrss * 1024
    #else
      getrusage(RUSAGE_SELF, &usage)
      return usage.ru_maxrss
    #endif
  }
}
