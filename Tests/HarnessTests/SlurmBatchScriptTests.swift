import Harness
import XCTest

/// The batch script's text, the option checks and the client's error when
/// Slurm is not installed (no Slurm needed: `make test-slurm` tests against
/// a real one).
final class SlurmBatchScriptTests: XCTestCase {
  func testScriptIsAnArrayOfRunTaskCalls() {
    let script = SlurmBatchScript(
      jobName: "gpool-table2", taskCount: 630,
      resources: SlurmResources(
        partition: "cpu", time: "1-00:00:00", cpusPerTask: 2, memory: "4G", maxParallel: 50,
        extraArguments: ["--account=abc"]),
      executable: "/home/o'neil/gpool", taskListPath: "/r/slurm/a.tasks.json",
      logDirectory: "/r/slurm/logs", workingDirectory: "/r")
    XCTAssertEqual(
      script.text,
      """
      #!/bin/bash
      # Written by gpool: one array task per run; task i runs run i of the task list.
      #SBATCH --job-name=gpool-table2
      #SBATCH --array=0-629%50
      #SBATCH --ntasks=1
      #SBATCH --cpus-per-task=2
      #SBATCH --output=/r/slurm/logs/%A_%a.out
      #SBATCH --chdir=/r
      #SBATCH --partition=cpu
      #SBATCH --time=1-00:00:00
      #SBATCH --mem=4G
      #SBATCH --account=abc
      set -eu
      exec '/home/o'\\''neil/gpool' run-task '/r/slurm/a.tasks.json' "$SLURM_ARRAY_TASK_ID"

      """)
    XCTAssertEqual(
      SlurmBatchScript.logPath(directory: "/r/slurm/logs", jobID: "12", index: 3),
      "/r/slurm/logs/12_3.out")
  }

  func testUnlimitedParallelismHasNoThrottle() {
    let script = SlurmBatchScript(
      jobName: "j", taskCount: 1, resources: SlurmResources(), executable: "/g",
      taskListPath: "/l", logDirectory: "/d", workingDirectory: "/")
    XCTAssertTrue(script.text.contains("#SBATCH --array=0-0\n"))
    XCTAssertFalse(script.text.contains("--time"))
  }

  func testOptionProblemsNameTheOption() {
    XCTAssertNil(SlurmResources(time: "02:00:00", memory: "4000").problem())
    XCTAssertNil(SlurmResources(time: "1-12").problem())
    let cases: [(SlurmResources, String)] = [
      (SlurmResources(time: "two hours"), "--time"),
      (SlurmResources(memory: "4 GB"), "--mem"),
      (SlurmResources(partition: "a b"), "--partition"),
      (SlurmResources(cpusPerTask: 0), "--cpus-per-task"),
      (SlurmResources(maxParallel: 0), "--max-parallel"),
      (SlurmResources(extraArguments: ["account=abc"]), "--sbatch-arg"),
      (SlurmResources(extraArguments: ["--a\n#SBATCH --b"]), "--sbatch-arg"),
    ]
    for (resources, option) in cases {
      let problem = resources.problem()
      XCTAssertTrue(problem?.hasPrefix(option) ?? false, "\(resources): \(problem ?? "nil")")
    }
  }

  func testMissingClientCommandIsAClearError() {
    let client = SlurmClient(searchPath: ["/nonexistent"])
    XCTAssertNil(client.locate("sbatch"))
    XCTAssertThrowsError(try client.submit(script: "/tmp/x.sbatch")) { error in
      XCTAssertEqual(error as? SlurmError, .notInstalled(command: "sbatch"))
      XCTAssertTrue("\(error)".contains("scripts/local-slurm.sh start"), "\(error)")
    }
    // Without squeue/sacct the states are unknown to collect, but an error
    // to a submission deciding what is already queued.
    XCTAssertEqual(try client.arrayTaskStates(jobIDs: ["1"]), [:])
    XCTAssertThrowsError(try client.arrayTaskStates(jobIDs: ["1"], strict: true)) {
      XCTAssertEqual($0 as? SlurmError, .notInstalled(command: "squeue"))
    }
    XCTAssertNil(client.accountingStates(jobID: "1"))
  }

  func testTaskListRoundTripsAndRejectsForeignFiles() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-tasklist-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let list = ClusterTaskList(
      kind: .run, experiment: "cora-mincutpool", root: "/r", config: "/r/c.json", seeds: [0, 1],
      dataDirectory: "/d", outputDirectory: "/o", threads: 1, force: false,
      runs: [.init(id: "cora-mincutpool-seed1", config: "cora-mincutpool")])
    let path = directory.appendingPathComponent("a.tasks.json").path
    try JSONEncoder().encode(list).write(to: URL(fileURLWithPath: path))
    XCTAssertEqual(try ClusterTaskList.load(from: path), list)
    XCTAssertEqual(try list.experimentSpec().configs, ["/r/c.json"])
    try "{\"kind\": \"other\"}".write(toFile: path, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try ClusterTaskList.load(from: path)) {
      XCTAssertTrue("\($0)".contains("not a gpool task list"), "\($0)")
      XCTAssertTrue("\($0)".contains(path), "\($0)")
    }
  }
}
