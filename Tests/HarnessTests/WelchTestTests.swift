import Harness
import XCTest

/// Welch's t-test against reference values (scipy 1.17.1,
/// `stats.ttest_ind(x, y, equal_var=False)` and `2 * stats.t.sf(t, ν)`) and
/// textbook critical values.
final class WelchTestTests: XCTestCase {
  func testStudentTailsMatchTheTables() {
    // t_{0.975, 10} = 2.228139: p = 0.05; t_{0.995, 5} = 4.032143: p = 0.01.
    XCTAssertEqual(WelchTest.studentTwoSidedPValue(2.228_138_852, 10), 0.05, accuracy: 1e-9)
    XCTAssertEqual(WelchTest.studentTwoSidedPValue(4.032_142_984, 5), 0.01, accuracy: 1e-8)
    XCTAssertEqual(WelchTest.studentTwoSidedPValue(-2.0, 5), 0.101_939_478_829_858, accuracy: 1e-12)
    XCTAssertEqual(
      WelchTest.studentTwoSidedPValue(0.5, 2.5), 0.657_697_919_869_715, accuracy: 1e-12)
    XCTAssertEqual(WelchTest.studentTwoSidedPValue(0, 7), 1, accuracy: 1e-15)
    XCTAssertEqual(WelchTest.studentTwoSidedPValue(.infinity, 7), 0)
  }

  func testWelchMatchesScipy() throws {
    let a = try XCTUnwrap(WelchTest.twoSided([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]))
    XCTAssertEqual(a.t, -1.897_366_596_101_027_5, accuracy: 1e-12)
    XCTAssertEqual(a.degreesOfFreedom, 5.882_352_941_176_471, accuracy: 1e-12)
    XCTAssertEqual(a.pValue, 0.107_531_194_930_627_28, accuracy: 1e-12)
    let b = try XCTUnwrap(
      WelchTest.twoSided([71.4, 75.0, 69.9, 80.1, 77.3], [70.2, 68.1, 66.0, 72.5, 69.9, 71.1]))
    XCTAssertEqual(b.t, 2.441_813_348_810_732, accuracy: 1e-12)
    XCTAssertEqual(b.pValue, 0.050_628_693_267_847_746, accuracy: 1e-12)
  }

  /// From published mean ± sample std (scipy's ttest_ind_from_stats with
  /// equal_var=False): PROTEINS MinCutPool 76.5 ± 2.6 against DiffPool
  /// 72.7 ± 3.8, and Bench-easy 99.0 ± 0.0 against 98.6 ± 0.4, n = 10.
  func testWelchFromSummaryStatisticsMatchesScipy() throws {
    let a = try XCTUnwrap(
      WelchTest.twoSided(
        mean: 76.5, sampleVariance: 2.6 * 2.6, count: 10, against: 72.7,
        sampleVariance: 3.8 * 3.8, count: 10))
    XCTAssertEqual(a.t, 2.609_850_715_025_089_6, accuracy: 1e-12)
    XCTAssertEqual(a.pValue, 0.019_019_576_121_184_354, accuracy: 1e-12)
    let b = try XCTUnwrap(
      WelchTest.twoSided(
        mean: 99.0, sampleVariance: 0, count: 10, against: 98.6, sampleVariance: 0.16, count: 10))
    XCTAssertEqual(b.t, 3.162_277_660_168_424, accuracy: 1e-9)
    XCTAssertEqual(b.pValue, 0.011_507_985_165_942_829, accuracy: 1e-9)
  }

  func testDegenerateSamples() {
    XCTAssertNil(WelchTest.twoSided([1], [1, 2]))
    XCTAssertEqual(WelchTest.twoSided([3, 3, 3], [3, 3])?.pValue, 1)
    XCTAssertEqual(WelchTest.twoSided([3, 3, 3], [4, 4])?.pValue, 0)
  }
}
