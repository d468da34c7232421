import ArgumentParser

/// `gpool reproduce EXPERIMENT`: runs a published experiment end to end.
struct ReproduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reproduce",
    abstract: "Reproduce a published table (e.g. table1).")

  @Argument(help: "The experiment to reproduce (an `Experiments/` folder name, e.g. table1).")
  var experiment: String

  func run() throws {
    print("gpool reproduce \(experiment): not yet implemented (see the issue tracker).")
    throw ExitCode(2)
  }
}
