import GraphData
import XCTest

/// Error messages show pickled values as Python prints them, never Swift's
/// enum dumps, with the right article.
final class PickleMessageTests: XCTestCase {
  func testValuesRenderAsPythonLiterals() {
    XCTAssertEqual(PickleValue.tuple([.int(31)]).pythonLiteral, "(31,)")
    XCTAssertEqual(PickleValue.tuple([.int(3), .int(4)]).pythonLiteral, "(3, 4)")
    XCTAssertEqual(PickleValue.list([.bool(true), .none]).pythonLiteral, "[True, None]")
    XCTAssertEqual(PickleValue.string("abc").pythonLiteral, "u'abc'")
    XCTAssertEqual(
      PickleValue.list((0..<10).map { .int($0) }).pythonLiteral,
      "[0, 1, 2, 3, 4, 5, 6, 7, … (10 items)]")
    XCTAssertFalse(PickleValue.tuple([.int(31)]).pythonLiteral.contains("PickleValue"))
  }

  func testKindsTakeTheRightArticle() {
    XCTAssertEqual(PickleValue.int(1).kindWithArticle, "an int")
    XCTAssertEqual(PickleValue.bool(true).kindWithArticle, "a bool")
    XCTAssertEqual(PickleValue.tuple([]).kindWithArticle, "a tuple of 0")
    XCTAssertEqual(PickleValue.string("x").kindWithArticle, "a unicode")
  }
}
