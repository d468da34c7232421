import Foundation
import XCTest

@testable import Harness

/// Config files that are not valid JSON, or whose numbers do not fit the
/// key's type, give one line naming the file, the place or key, and what was
/// expected.
final class ConfigSyntaxErrorTests: XCTestCase {
  private let base = """
    {"method": "M", "task": "node_clustering", "dataset": {"name": "cora"},
     "model": [{"type": "gcs", "units": 16}, {"type": "mincut", "k": 7}],
     "optimizer": {"learning_rate": 5e-4}, "iterations": 10}
    """

  private func error(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-config-\(UUID()).json"
    ).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
      _ = try RunConfig.load(from: path)
      XCTFail("accepted: \(text)")
      return ""
    } catch let error as ConfigError {
      XCTAssertEqual(error.file, path)
      XCTAssertFalse(error.description.contains("\n"))
      return String(error.description.dropFirst(path.count + 2))
    }
  }

  func testBaseConfigIsValid() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gpool-config-\(UUID()).json"
    ).path
    try base.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    XCTAssertEqual(try RunConfig.load(from: path).iterations, 10)
  }

  func testSyntaxErrorsHaveLineAndColumn() throws {
    XCTAssertEqual(try error(""), "line 1, column 1: the file is empty; expected a JSON object")
    XCTAssertEqual(
      try error(base + "\nx"),
      "line 4, column 1: unexpected content after the end of the JSON value")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "5e-4", with: "NaN")),
      "key 'optimizer.learning_rate': line 3, column 33: NaN is not a JSON number")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "5e-4", with: "1e999")),
      "key 'optimizer.learning_rate': line 3, column 33: number 1e999 is beyond the range of a double"
    )
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "\"iterations\"", with: ", \"iterations\"")),
      "line 3, column 40: expected a key in double quotes, found ','")
  }

  func testDuplicateKeysAreErrors() throws {
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "\"k\": 7}", with: "\"k\": 7, \"k\": 3}")),
      "key 'model[1].k': line 2, column 69: duplicate key (also earlier in the same object)")
  }

  func testNumbersThatDoNotFitTheKeysType() throws {
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "\"units\": 16", with: "\"units\": 16.5")),
      "key 'model[0].units': expected an integer, found 16.5")
    XCTAssertEqual(
      try error(
        base.replacingOccurrences(of: "\"units\": 16", with: "\"units\": 9223372036854775808")),
      "key 'model[0].units': expected an integer within ±2^53, found 9.223372036854776e+18")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "5e-4", with: "1e39")),
      "key 'optimizer.learning_rate': 1e+39 is outside the range of a 32-bit float "
        + "(magnitude 1.2e-38 … 3.4e38, or 0)")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "\"units\": 16", with: "\"units\": \"16\"")),
      "key 'model[0].units': expected an integer")
  }

  /// The whole config is checked when it is read, before any run starts.
  func testStructureLossNamesAndRangesAreCheckedOnLoad() throws {
    XCTAssertEqual(
      try error(
        base.replacingOccurrences(
          of: #"[{"type": "gcs", "units": 16}, {"type": "mincut", "k": 7}]"#,
          with: #"[{"type": "mincut", "k": 7}, {"type": "gcs", "units": 16}]"#)),
      "key 'model[0]': a node-clustering model is message-passing layers (gcs, gtv) followed by "
        + "exactly one soft pooling layer (mincut, diffpool, acc, dmon, neuncut) at the end")
    XCTAssertEqual(
      try error(
        base.replacingOccurrences(
          of: "\"iterations\": 10", with: "\"iterations\": 10, \"loss_weights\": {\"cutt\": 2}")),
      "key 'loss_weights.cutt': this model computes no loss 'cutt' (its terms: cut, orthogonality)")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "5e-4", with: "1e38")),
      "key 'optimizer.learning_rate': must be in (0, 10], got 1e+38")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "\"units\": 16", with: "\"units\": 1e9")),
      "key 'model[0].units': must be in 1…4096, got 1000000000")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "\"k\": 7", with: "\"k\": 7, \"mlp_hidden\": [1e9]")),
      "key 'model[1].mlp_hidden': at most 8 sizes, each in 1…4096, got [1000000000]")
    XCTAssertEqual(
      try error(
        base.replacingOccurrences(of: "\"iterations\": 10", with: "\"iterations\": 20000000")),
      "key 'iterations': must be in 1…10,000,000, got 20000000")
    XCTAssertEqual(
      try error(base.replacingOccurrences(of: "\"k\": 7", with: "\"k\": 7, \"temperature\": 1e-4")),
      "key 'model[1].temperature': must be in [0.001, 1000] (S = softmax(logits / τ)), got 0.0001")
  }
}
