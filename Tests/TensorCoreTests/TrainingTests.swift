import TensorCore
import XCTest

final class TrainingTests: XCTestCase {
  func testRandomSourceIsReproducibleAndResumable() {
    var a = RandomSource(seed: 42)
    var b = RandomSource(seed: 42)
    let first = (0..<5).map { _ in a.next() }
    XCTAssertEqual(first, (0..<5).map { _ in b.next() })
    var resumed = RandomSource(state: a.state)
    XCTAssertEqual(a.next(), resumed.next())
    var c = RandomSource(seed: 43)
    XCTAssertNotEqual(first[0], c.next())
  }

  func testRandomSourceMomentsAreRight() {
    var r = RandomSource(seed: 7)
    let n = 200_000
    var uniformSum = 0.0
    var gaussSum = 0.0
    var gaussSquares = 0.0
    for _ in 0..<n {
      let u = Double(r.nextUniformFloat())
      XCTAssert(u >= 0 && u < 1)
      uniformSum += u
      let g = r.nextGaussian()
      gaussSum += g
      gaussSquares += g * g
    }
    // Standard errors: uniform mean 0.00065, Gaussian mean 0.0022, variance 0.0032.
    XCTAssertEqual(uniformSum / Double(n), 0.5, accuracy: 0.003)
    XCTAssertEqual(gaussSum / Double(n), 0, accuracy: 0.01)
    XCTAssertEqual(gaussSquares / Double(n), 1, accuracy: 0.015)
    XCTAssertEqual(r.permutation(10).sorted(), Array(0..<10))
  }

  func testInitialisersHaveTheRightScale() {
    var r = RandomSource(seed: 1)
    let glorot = Initializer.glorotUniform.matrix(fanIn: 300, fanOut: 100, random: &r)
    let limit = (6.0 / 400.0).squareRoot()
    XCTAssert(glorot.storage.allSatisfy { Swift.abs(Double($0)) <= limit })
    // Var of U(−l, l) is l²/3.
    XCTAssertEqual(
      Double(glorot.squaredNorm()) / 30_000, limit * limit / 3, accuracy: 0.05 * limit * limit / 3)
    let he = Initializer.heNormal.matrix(fanIn: 300, fanOut: 100, random: &r)
    // The truncation constant restores variance 2 / fan_in.
    XCTAssertEqual(Double(he.squaredNorm()) / 30_000, 2.0 / 300, accuracy: 0.05 * 2.0 / 300)
    let bound = 2 * (2.0 / 300).squareRoot() / 0.87962566103423978
    XCTAssert(he.storage.allSatisfy { Swift.abs(Double($0)) <= bound + 1e-6 })
    XCTAssertEqual(
      Initializer.zeros.matrix(fanIn: 2, fanOut: 3, random: &r), Matrix(rows: 2, columns: 3))
  }

  func testAdamFollowsTheKerasRuleByHand() {
    // Keras: θ ← θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε), ε outside the bias
    // correction. With ε = 0.1 and a gradient that changes between steps,
    // the textbook variant (ε added to √v̂) would end at [0.9564, −1.1661]
    // instead. Values worked out in Double:
    //   t=1, g=[1, 0.5]:  m=[0.1, 0.05],   v=[0.001, 0.00025],     θ=[0.97597469, −1.01365271]
    //   t=2, g=[−3, 2]:   m=[−0.21, 0.245], v=[0.009999, 0.00424975], θ=[1.00068357, −1.04855346]
    let p = Parameter(name: "w", value: Matrix([[1, -1]]))
    var adam = Adam(learningRate: 0.1, epsilon: 0.1)
    let gradients: [Matrix] = [Matrix([[1, 0.5]]), Matrix([[-3, 2]])]
    let expected: [[Float]] = [[0.975_974_69, -1.013_652_71], [1.000_683_57, -1.048_553_46]]
    for (step, gradient) in gradients.enumerated() {
      let tape = Tape()
      // L = Σ w ⊙ g has gradient g.
      let loss = sum(tape.parameter(p) * tape.constant(gradient))
      adam.update([p], with: tape.gradients(of: loss))
      XCTAssertEqual(adam.step, step + 1)
      XCTAssertEqual(p.value[0, 0], expected[step][0], accuracy: 1e-6)
      XCTAssertEqual(p.value[0, 1], expected[step][1], accuracy: 1e-6)
    }
    XCTAssertEqual(adam.firstMoments["w"]![0, 0], -0.21, accuracy: 1e-6)
    XCTAssertEqual(adam.firstMoments["w"]![0, 1], 0.245, accuracy: 1e-6)
    // Float32: 1 − β2 is not exact, hence 1e-6.
    XCTAssertEqual(adam.secondMoments["w"]![0, 0], 0.009_999, accuracy: 1e-6)
    XCTAssertEqual(adam.secondMoments["w"]![0, 1], 0.004_249_75, accuracy: 1e-6)
  }

  func testAdamMinimisesAQuadratic() {
    let p = Parameter(name: "w", value: Matrix([[5, -4]]))
    var adam = Adam(learningRate: 0.05)
    for _ in 0..<2000 {
      let tape = Tape()
      let loss = sumOfSquares(tape.parameter(p) - tape.constant(Matrix([[1, 2]])))
      adam.update([p], with: tape.gradients(of: loss))
    }
    XCTAssertEqual(p.value[0, 0], 1, accuracy: 1e-2)
    XCTAssertEqual(p.value[0, 1], 2, accuracy: 1e-2)
  }
}
