import TensorCore
import XCTest

/// XCTest front end of `GradientChecker` (its doc comment explains the
/// tolerance): fails the test at the first element outside the tolerance and
/// logs the largest difference otherwise.
struct GradientCheck {
  var checker = GradientChecker()

  func check(
    _ name: String, inputs: [Matrix], file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Variable]) -> Variable
  ) {
    let result = checker.compare(inputs: inputs, f)
    if let failure = result.firstFailure {
      XCTFail("\(name): \(failure)", file: file, line: line)
    } else {
      print("gradient check \(name): max |analytic − numeric| = \(result.worstDifference)")
    }
  }

  func compare(inputs: [Matrix], _ f: ([Variable]) -> Variable)
    -> (worstDifference: Float, firstFailure: String?)
  {
    checker.compare(inputs: inputs, f)
  }
}

/// Random test matrices.
enum TestData {
  static func matrix(
    _ rows: Int, _ columns: Int, seed: UInt64, range: ClosedRange<Float> = -1...1
  ) -> Matrix {
    var random = RandomSource(seed: seed)
    return Matrix(
      rows: rows, columns: columns,
      storage: (0..<(rows * columns)).map { _ in
        range.lowerBound + (range.upperBound - range.lowerBound) * random.nextUniformFloat()
      })
  }

  /// Entries with |x| in [0.1, 1] and random sign: away from kinks at 0.
  static func awayFromZero(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
    var random = RandomSource(seed: seed)
    return Matrix(
      rows: rows, columns: columns,
      storage: (0..<(rows * columns)).map { _ in
        let magnitude = 0.1 + 0.9 * random.nextUniformFloat()
        return random.next() & 1 == 0 ? magnitude : -magnitude
      })
  }

  /// A small sparse, non-symmetric matrix with some empty rows.
  static func sparse(_ rows: Int, _ columns: Int, seed: UInt64) -> SparseMatrix {
    var random = RandomSource(seed: seed)
    var entries: [(row: Int, column: Int, value: Float)] = []
    for i in 0..<rows where i % 4 != 3 {
      for j in 0..<columns where random.nextUniformFloat() < 0.4 {
        entries.append((i, j, random.nextUniformFloat() + 0.5))
      }
    }
    return SparseMatrix(rows: rows, columns: columns, entries: entries)
  }
}
