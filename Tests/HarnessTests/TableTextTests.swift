import Harness
import XCTest

/// Names with commas or bars stay in their CSV field and markdown cell.
final class TableTextTests: XCTestCase {
  func testCSVFieldsAreQuotedOnlyWhenNeeded() {
    XCTAssertEqual(TableText.csvField("MinCutPool"), "MinCutPool")
    XCTAssertEqual(
      TableText.csvField("NeuNcut (W = A, GCS encoder)"), "\"NeuNcut (W = A, GCS encoder)\"")
    XCTAssertEqual(TableText.csvField("a \"b\""), "\"a \"\"b\"\"\"")
    XCTAssertEqual(TableText.csvField("two\nlines"), "\"two\nlines\"")
  }

  func testMarkdownCellsEscapeBars() {
    XCTAssertEqual(
      TableText.markdownCell("k-means++ (train | test split rows)"),
      "k-means++ (train \\| test split rows)")
    XCTAssertEqual(TableText.markdownCell("a\nb"), "a b")
  }
}
