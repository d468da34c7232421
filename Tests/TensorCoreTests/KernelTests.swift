import TensorCore
import XCTest

final class KernelTests: XCTestCase {
  override func tearDown() { Threading.setThreadCount(1) }

  func testDenseProductMatchesHandComputedValues() {
    let a = Matrix([[1, 2, 3], [4, 5, 6]])
    let b = Matrix([[7, 8], [9, 10], [11, 12]])
    XCTAssertEqual(a.matmul(b), Matrix([[58, 64], [139, 154]]))
    XCTAssertEqual(
      Matrix.product(a, a, transposeA: true), Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
    XCTAssertEqual(Matrix.product(a, a, transposeB: true), Matrix([[14, 32], [32, 77]]))
  }

  func testSparseMatrixFromEntriesSumsDuplicatesAndSortsColumns() {
    let s = SparseMatrix(
      rows: 2, columns: 3, entries: [(1, 2, 1), (0, 1, 2), (1, 0, 3), (1, 2, 4)])
    XCTAssertEqual(s.rowOffsets, [0, 1, 3])
    XCTAssertEqual(s.columnIndices, [1, 0, 2])
    XCTAssertEqual(s.values, [2, 3, 5])
    XCTAssertEqual(s.toDense(), Matrix([[0, 2, 0], [3, 0, 5]]))
  }

  func testSymmetricAdjacencyDropsSelfLoopsAndDuplicates() {
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 3, edges: [(0, 1), (1, 0), (1, 1), (1, 2)])
    XCTAssertEqual(a.toDense(), Matrix([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    XCTAssertTrue(a.isSymmetric)
    let withLoops = SparseMatrix.symmetricAdjacency(
      nodeCount: 3, edges: [(1, 1)], keepSelfLoops: true)
    XCTAssertEqual(withLoops.nonzeroCount, 1)
  }

  func testSymmetricNormalisationOnAPath() {
    // Path 0–1–2 plus isolated node 3: degrees 1, 2, 1, 0.
    let a = SparseMatrix.symmetricAdjacency(nodeCount: 4, edges: [(0, 1), (1, 2)])
    let n = a.symmetricallyNormalized().toDense()
    let r = 1 / Float(2).squareRoot()
    XCTAssertEqual(n, Matrix([[0, r, 0, 0], [r, 0, r, 0], [0, r, 0, 0], [0, 0, 0, 0]]))
  }

  func testSparseProductsMatchDenseProducts() {
    let a = TestData.sparse(7, 5, seed: 1)
    let x = TestData.matrix(5, 3, seed: 2)
    let g = TestData.matrix(7, 3, seed: 3)
    assertClose(a.multiply(x), a.toDense().matmul(x))
    assertClose(a.transposeMultiply(g), Matrix.product(a.toDense(), g, transposeA: true))
    XCTAssertEqual(a.transposed().toDense(), a.toDense().transposed())
  }

  func testParallelKernelsAreBitIdenticalToSerial() {
    var random = RandomSource(seed: 9)
    var entries: [(row: Int, column: Int, value: Float)] = []
    for _ in 0..<40_000 {
      entries.append(
        (random.nextInt(below: 3000), random.nextInt(below: 3000), random.nextUniformFloat()))
    }
    let a = SparseMatrix(rows: 3000, columns: 3000, entries: entries)
    let x = TestData.matrix(3000, 32, seed: 4)
    Threading.setThreadCount(1)
    let serial = (a.multiply(x), a.transposeMultiply(x))
    Threading.setThreadCount(2)
    let parallel = (a.multiply(x), a.transposeMultiply(x))
    XCTAssertEqual(serial.0.storage.map(\.bitPattern), parallel.0.storage.map(\.bitPattern))
    XCTAssertEqual(serial.1.storage.map(\.bitPattern), parallel.1.storage.map(\.bitPattern))
  }

  func testReductionsAndTranspose() {
    let m = Matrix([[1, 2, 3], [4, 5, 6]])
    XCTAssertEqual(m.sum(), 21)
    XCTAssertEqual(m.squaredNorm(), 91)
    XCTAssertEqual(m.columnSums(), Matrix([[5, 7, 9]]))
    XCTAssertEqual(m.rowSums(), Matrix([[6], [15]]))
    XCTAssertEqual(m.transposed(), Matrix([[1, 4], [2, 5], [3, 6]]))
    XCTAssertEqual(Matrix([[1, 9, 9], [7, 2, 0]]).argmaxPerRow(), [1, 0])
  }
}

func assertClose(
  _ a: Matrix, _ b: Matrix, tolerance: Float = 1e-5, file: StaticString = #filePath,
  line: UInt = #line
) {
  XCTAssertTrue(
    a.hasSameShape(as: b), "shape \(a.rows)×\(a.columns) vs \(b.rows)×\(b.columns)", file: file,
    line: line)
  for i in 0..<min(a.count, b.count) where Swift.abs(a.storage[i] - b.storage[i]) > tolerance {
    XCTFail("element \(i): \(a.storage[i]) vs \(b.storage[i])", file: file, line: line)
    return
  }
}

final class SparseIdentityTests: XCTestCase {
  func testAddingIdentityInsertsAndIncrementsTheDiagonalInOrder() {
    // Row 0 has a diagonal entry, row 1 only columns after it, row 2 only
    // columns before it, row 3 is empty.
    let a = SparseMatrix(
      rows: 4, columns: 4, entries: [(0, 0, 2), (0, 3, 1), (1, 2, 5), (1, 3, 1), (2, 0, 4)])
    let b = a.addingIdentity()
    XCTAssertEqual(b.toDense(), a.toDense() + Matrix.identity(4))
    XCTAssertEqual(b, SparseMatrix(dense: a.toDense() + Matrix.identity(4)), "columns sorted")
  }
}
