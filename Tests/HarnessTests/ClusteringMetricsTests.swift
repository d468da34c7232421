import Foundation
import Harness
import XCTest

final class ClusteringMetricsTests: XCTestCase {
  /// Worked by hand. truth C = [0, 0, 1, 1], predicted K = [0, 0, 0, 1];
  /// contingency n_kc (rows = clusters, columns = classes): [[2, 1], [0, 1]],
  /// cluster sizes n_k = (3, 1), class sizes n_c = (2, 2), N = 4.
  ///
  ///   H(C)   = −2·(1/2) ln(1/2)                     = ln 2
  ///   H(K)   = −(3/4) ln(3/4) − (1/4) ln(1/4)       = 2 ln 2 − (3/4) ln 3
  ///   H(C|K) = −(2/4) ln(2/3) − (1/4) ln(1/3) − (1/4) ln(1/1) = (3/4) ln 3 − (1/2) ln 2
  ///   H(K|C) = −(2/4) ln(2/2) − (1/4) ln(1/2) − (1/4) ln(1/2) = (1/2) ln 2
  ///   I      = H(C) − H(C|K)                        = (3/2) ln 2 − (3/4) ln 3
  ///   h      = I / H(C)  = 3/2 − (3/4)·ln 3/ln 2    ≈ 0.311278124459133
  ///   c      = I / H(K)                             ≈ 0.383688546596344
  ///   NMI    = 2I / (H(C) + H(K))                   ≈ 0.343711018485451
  ///   accuracy: cluster 0 → class 0 (2), cluster 1 → class 1 (1) = 3/4.
  /// scikit-learn 1.9.1 gives the same h, c, v-measure and NMI.
  func testHandWorkedTwoByTwoExample() {
    let table = ContingencyTable(predicted: [0, 0, 0, 1], truth: [0, 0, 1, 1])
    XCTAssertEqual(table.counts, [[2, 1], [0, 1]])
    XCTAssertEqual(table.clusterSizes, [3, 1])
    XCTAssertEqual(table.classSizes, [2, 2])
    let ln2 = log(2.0)
    let ln3 = log(3.0)
    let info = InformationMeasures(table)
    XCTAssertEqual(info.classEntropy, ln2, accuracy: 1e-12)
    XCTAssertEqual(info.clusterEntropy, 2 * ln2 - 0.75 * ln3, accuracy: 1e-12)
    XCTAssertEqual(info.classEntropyGivenCluster, 0.75 * ln3 - 0.5 * ln2, accuracy: 1e-12)
    XCTAssertEqual(info.clusterEntropyGivenClass, 0.5 * ln2, accuracy: 1e-12)
    XCTAssertEqual(info.mutualInformation, 1.5 * ln2 - 0.75 * ln3, accuracy: 1e-12)
    let i = 1.5 * ln2 - 0.75 * ln3
    XCTAssertEqual(info.homogeneity, i / ln2, accuracy: 1e-12)
    XCTAssertEqual(info.completeness, i / (2 * ln2 - 0.75 * ln3), accuracy: 1e-12)
    let scores = ClusteringScores(predicted: [0, 0, 0, 1], truth: [0, 0, 1, 1])
    XCTAssertEqual(scores.homogeneity, 0.31127812445913283, accuracy: 1e-9)
    XCTAssertEqual(scores.completeness, 0.3836885465963443, accuracy: 1e-9)
    XCTAssertEqual(scores.nmi, 0.3437110184854508, accuracy: 1e-9)
    XCTAssertEqual(scores.accuracy, 0.75, accuracy: 1e-12)
    // Homogeneity and completeness also equal 1 − H(·|·)/H(·).
    XCTAssertEqual(
      scores.homogeneity, 1 - info.classEntropyGivenCluster / info.classEntropy, accuracy: 1e-12)
    XCTAssertEqual(
      scores.completeness, 1 - info.clusterEntropyGivenClass / info.clusterEntropy,
      accuracy: 1e-12)
  }

  func testPerfectMatchScoresOne() {
    let labels = [0, 1, 2, 2, 1, 0, 0, 3]
    assertAllOne(ClusteringScores(predicted: labels, truth: labels))
  }

  func testPermutedAndRenamedLabelsScoreOne() {
    let truth = [0, 0, 1, 1, 1, 2, 2, 3]
    let predicted = truth.map { [7, 3, 42, 0][$0] }
    assertAllOne(ClusteringScores(predicted: predicted, truth: truth))
  }

  /// One predicted cluster: H(K) = 0 so c = 1, I = 0 so h = 0 and NMI = 0
  /// (scikit-learn: h, c, v = 0, 1, 0; NMI 0; accuracy = largest class share).
  func testOnePredictedCluster() {
    let s = ClusteringScores(predicted: [5, 5, 5, 5, 5, 5], truth: [0, 0, 0, 1, 1, 2])
    XCTAssertEqual(s.completeness, 1)
    XCTAssertEqual(s.homogeneity, 0)
    XCTAssertEqual(s.nmi, 0)
    XCTAssertEqual(s.accuracy, 0.5, accuracy: 1e-12)
  }

  /// One true class, several clusters: the mirror image (h = 1, c = 0, NMI 0).
  func testOneTrueClass() {
    let s = ClusteringScores(predicted: [0, 1, 2], truth: [1, 1, 1])
    XCTAssertEqual(s.homogeneity, 1)
    XCTAssertEqual(s.completeness, 0)
    XCTAssertEqual(s.nmi, 0)
    XCTAssertEqual(s.accuracy, 1.0 / 3, accuracy: 1e-12)
  }

  /// Both labelings a single cluster: scikit-learn's "perfect match", all 1.
  func testBothSingleClusterScoreOne() {
    assertAllOne(ClusteringScores(predicted: [3, 3, 3], truth: [0, 0, 0]))
    assertAllOne(ClusteringScores(predicted: [0], truth: [0]))
  }

  /// Independent labelings: I = 0 exactly, so NMI = h = c = 0.
  func testIndependentLabelingsGiveZero() {
    let s = ClusteringScores(predicted: [0, 1, 0, 1], truth: [0, 0, 1, 1])
    XCTAssertEqual(s.nmi, 0)
    XCTAssertEqual(s.homogeneity, 0)
    XCTAssertEqual(s.completeness, 0)
    XCTAssertEqual(s.accuracy, 0.5)
  }

  /// Values from scikit-learn 1.9.1 (`homogeneity_completeness_v_measure`,
  /// `normalized_mutual_info_score(average_method="arithmetic")`) and
  /// scipy's `linear_sum_assignment` on the contingency matrix; labels are
  /// non-contiguous on purpose.
  func testAgreesWithScikitLearn() {
    // truth[i] = (7i + 3) mod 4; predicted[i] = names[(i² + 2i + ⌊i/5⌋) mod 5].
    let names = [3, 10, 42, 7, 0]
    let truth1 = (0..<40).map { (i: Int) -> Int in (i * 7 + 3) % 4 }
    let predicted1 = (0..<40).map { (i: Int) -> Int in names[(i * i + 2 * i + i / 5) % 5] }
    XCTAssertEqual(
      Array(predicted1.prefix(12)), [3, 7, 7, 3, 0, 10, 0, 0, 10, 3, 42, 3],
      "the generated labels match the ones given to scikit-learn")
    let s1 = ClusteringScores(predicted: predicted1, truth: truth1)
    XCTAssertEqual(s1.homogeneity, 0.10008843944125906, accuracy: 1e-9)
    XCTAssertEqual(s1.completeness, 0.0866989993478, accuracy: 1e-9)
    XCTAssertEqual(s1.nmi, 0.09291382335018472, accuracy: 1e-9)
    XCTAssertEqual(s1.accuracy, 0.325, accuracy: 1e-12)
    let info1 = InformationMeasures(ContingencyTable(predicted: predicted1, truth: truth1))
    XCTAssertEqual(info1.mutualInformation, 0.13875203921070706, accuracy: 1e-9)
    XCTAssertEqual(info1.classEntropy, 1.3862943611198904, accuracy: 1e-9)
    XCTAssertEqual(info1.clusterEntropy, 1.600388012024131, accuracy: 1e-9)

    // numpy.random.default_rng(0).integers(0, 3, 25), then .integers(0, 4, 25).
    let truth2 = [2, 1, 1, 0, 0, 0, 0, 0, 0, 2, 1, 2, 1, 1, 2, 2, 1, 1, 1, 2, 0, 2, 2, 0, 1]
    let predicted2 = [3, 2, 0, 3, 2, 3, 0, 0, 3, 0, 2, 0, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 2, 1, 2]
    let s2 = ClusteringScores(predicted: predicted2, truth: truth2)
    XCTAssertEqual(s2.homogeneity, 0.10213774490036524, accuracy: 1e-9)
    XCTAssertEqual(s2.completeness, 0.08366033364987424, accuracy: 1e-9)
    XCTAssertEqual(s2.nmi, 0.09198026032653268, accuracy: 1e-9)
    XCTAssertEqual(s2.accuracy, 0.36, accuracy: 1e-12)
  }

  // MARK: - Hungarian matching

  /// The 6 assignments (column of rows 0, 1, 2) cost (0,1,2) 4+0+2 = 6,
  /// (0,2,1) 4+5+2 = 11, (1,0,2) 1+2+2 = 5, (1,2,0) 1+5+3 = 9,
  /// (2,0,1) 3+2+2 = 7, (2,1,0) 3+0+3 = 6: the minimum is 5 at (1,0,2) and
  /// the maximum 11 at (0,2,1), both unique.
  func testHungarianThreeByThree() {
    let cost: [[Double]] = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
    let assignment = HungarianMatching.minimumCostAssignment(cost)
    XCTAssertEqual(assignment, [1, 0, 2])
    XCTAssertEqual(HungarianMatching.maximumWeightAssignment(cost), [0, 2, 1])
  }

  /// More rows than columns: one row stays unmatched (nil); and the
  /// transpose, more columns than rows.
  func testHungarianRectangular() {
    // 3 × 2: the six partial matchings weigh 8, 4, 11, 17, 5, 15; the best
    // is row 0 → column 1 (9) and row 2 → column 0 (8), row 1 unmatched.
    let weight: [[Double]] = [[1, 9], [2, 7], [8, 3]]
    XCTAssertEqual(HungarianMatching.maximumWeightAssignment(weight), [1, nil, 0])
    // 2 × 3: (columns of rows 0, 1) (0,1) 8, (0,2) 10, (1,0) 6, (1,2) 7,
    // (2,0) 11, (2,1) 10: the best is row 0 → column 2, row 1 → column 0.
    let wide: [[Double]] = [[4, 1, 6], [5, 4, 6]]
    let assignment = HungarianMatching.maximumWeightAssignment(wide)
    let total = zip(wide, assignment).reduce(0.0) { $0 + $1.0[$1.1!] }
    XCTAssertEqual(total, 11)
    XCTAssertEqual(assignment, [2, 0])
  }

  /// Brute force over all permutations on random 5×5 matrices.
  func testHungarianMatchesBruteForce() {
    var state: UInt64 = 12_345
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 40) / Double(1 << 24)
    }
    func permutations(_ items: [Int]) -> [[Int]] {
      if items.count <= 1 { return [items] }
      return items.indices.flatMap { i -> [[Int]] in
        var rest = items
        let head = rest.remove(at: i)
        return permutations(rest).map { [head] + $0 }
      }
    }
    let all = permutations(Array(0..<5))
    for _ in 0..<20 {
      let cost = (0..<5).map { _ in (0..<5).map { _ in (next() * 100).rounded() } }
      let best = all.map { p in (0..<5).reduce(0.0) { $0 + cost[$1][p[$1]] } }.min()!
      let got = HungarianMatching.minimumCostAssignment(cost)
      XCTAssertEqual(Set(got.compactMap { $0 }).count, 5)
      XCTAssertEqual((0..<5).reduce(0.0) { $0 + cost[$1][got[$1]!] }, best)
    }
  }

  /// More clusters than classes: the extra cluster's samples count as wrong.
  func testAccuracyWithMoreClustersThanClasses() {
    // Clusters 0, 1 are pure; cluster 2 (2 samples of class 0) has no partner.
    let s = ClusteringScores(predicted: [0, 0, 0, 1, 1, 2, 2], truth: [0, 0, 0, 1, 1, 0, 0])
    XCTAssertEqual(s.accuracy, 5.0 / 7, accuracy: 1e-12)
    XCTAssertEqual(s.homogeneity, 1, accuracy: 1e-12)
  }

  private func assertAllOne(
    _ s: ClusteringScores, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(s.nmi, 1, accuracy: 1e-12, file: file, line: line)
    XCTAssertEqual(s.completeness, 1, accuracy: 1e-12, file: file, line: line)
    XCTAssertEqual(s.homogeneity, 1, accuracy: 1e-12, file: file, line: line)
    XCTAssertEqual(s.accuracy, 1, accuracy: 1e-12, file: file, line: line)
  }

  /// ARI worked out by hand, and scikit-learn's documented examples
  /// (adjusted_rand_score): [0,0,1,2] vs [0,0,1,1]: Σ C(n_kc) = 1,
  /// Σ C(a_k) = 1, Σ C(b_c) = 2, C(4) = 6, E = ⅓, max = 1.5, ARI = (1 − ⅓) /
  /// (1.5 − ⅓) = 4/7; [0,0,1,1] vs [0,1,0,1]: (0 − ⅔)/(2 − ⅔) = −½; one
  /// cluster vs singletons: 0; identical up to renaming: 1.
  func testAdjustedRandIndex() {
    func ari(_ p: [Int], _ t: [Int]) -> Double {
      ContingencyTable(predicted: p, truth: t).adjustedRandIndex
    }
    XCTAssertEqual(ari([0, 0, 1, 2], [0, 0, 1, 1]), 4.0 / 7, accuracy: 1e-12)
    XCTAssertEqual(ari([0, 0, 1, 1], [0, 1, 0, 1]), -0.5, accuracy: 1e-12)
    XCTAssertEqual(ari([0, 0, 0, 0], [0, 1, 2, 3]), 0, accuracy: 1e-12)
    XCTAssertEqual(ari([1, 1, 0, 0], [0, 0, 1, 1]), 1, accuracy: 1e-12)
    XCTAssertEqual(ari([5, 5, 5], [2, 2, 2]), 1)  // both one cluster
    XCTAssertEqual(ari([0, 1, 2], [3, 4, 5]), 1)  // both all singletons
  }

  /// Geometric NMI = I/√(H(C)H(K)): for [0,0,1,2] vs [0,0,1,1], H(C) = ln 2,
  /// H(K) = 1.5 ln 2, I = H(C) (every cluster is pure) = ln 2, so
  /// NMI_geo = 1/√1.5 and NMI_arith = 2/(1 + 1.5) = 0.8.
  func testGeometricNMI() {
    let info = InformationMeasures(ContingencyTable(predicted: [0, 0, 1, 2], truth: [0, 0, 1, 1]))
    XCTAssertEqual(info.geometricNormalizedMutualInformation, 1 / 1.5.squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(info.normalizedMutualInformation, 0.8, accuracy: 1e-12)
  }
}
