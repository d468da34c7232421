#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The contingency table of a clustering K (predicted clusters) against a
/// ground truth C (true classes): `counts[k][c]` = n_kc, the number of samples
/// in cluster k and class c. Labels are arbitrary non-negative integers; rows
/// and columns follow the sorted distinct labels.
public struct ContingencyTable: Sendable, Equatable {
  /// The distinct predicted labels, ascending (row order).
  public let clusterLabels: [Int]
  /// The distinct true labels, ascending (column order).
  public let classLabels: [Int]
  /// `counts[k][c]` = n_kc; `clusterLabels.count` rows of `classLabels.count`.
  public let counts: [[Int]]
  /// N = Σ_kc n_kc.
  public let sampleCount: Int

  /// The table of `predicted` against `truth`. Cost O(N + |K|·|C|) plus the
  /// label sorts.
  ///
  /// - Precondition: equal, non-zero lengths and non-negative labels (a
  ///   negative label usually means "unlabelled", e.g. Citeseer's 15 nodes
  ///   without a class, which the caller must drop first).
  public init(predicted: [Int], truth: [Int]) {
    precondition(!predicted.isEmpty, "clustering metrics need at least one sample")
    precondition(
      predicted.count == truth.count,
      "\(predicted.count) predicted labels but \(truth.count) true labels")
    precondition(
      predicted.allSatisfy { $0 >= 0 } && truth.allSatisfy { $0 >= 0 },
      "clustering labels must be non-negative (drop unlabelled samples first)")
    let clusters = Array(Set(predicted)).sorted()
    let classes = Array(Set(truth)).sorted()
    let rowOf = Dictionary(uniqueKeysWithValues: clusters.enumerated().map { ($1, $0) })
    let columnOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    var counts = [[Int]](
      repeating: [Int](repeating: 0, count: classes.count), count: clusters.count)
    for (p, t) in zip(predicted, truth) { counts[rowOf[p]!][columnOf[t]!] += 1 }
    self.init(clusterLabels: clusters, classLabels: classes, counts: counts)
  }

  /// A table from its counts (rows = clusters, columns = classes), e.g. a
  /// hand-worked example. Labels default to 0..<rows and 0..<columns.
  public init(counts: [[Int]]) {
    let columns = counts.first?.count ?? 0
    self.init(
      clusterLabels: Array(0..<counts.count), classLabels: Array(0..<columns), counts: counts)
  }

  private init(clusterLabels: [Int], classLabels: [Int], counts: [[Int]]) {
    precondition(counts.allSatisfy { $0.count == classLabels.count }, "ragged contingency table")
    precondition(counts.allSatisfy { $0.allSatisfy { $0 >= 0 } }, "negative count")
    self.clusterLabels = clusterLabels
    self.classLabels = classLabels
    self.counts = counts
    self.sampleCount = counts.reduce(0) { $0 + $1.reduce(0, +) }
    precondition(sampleCount > 0, "an empty contingency table")
  }

  /// n_k = Σ_c n_kc, one per cluster.
  public var clusterSizes: [Int] { counts.map { $0.reduce(0, +) } }

  /// n_c = Σ_k n_kc, one per class.
  public var classSizes: [Int] {
    (0..<classLabels.count).map { c in counts.reduce(0) { $0 + $1[c] } }
  }
}

/// The information-theoretic quantities of a contingency table, in nats
/// (natural logarithms), computed in Double with p_kc = n_kc / N:
///
///     H(C)   = −Σ_c (n_c/N) ln(n_c/N)              H(K) likewise over clusters
///     H(C|K) = −Σ_kc (n_kc/N) ln(n_kc/n_k)         H(K|C) = −Σ_kc (n_kc/N) ln(n_kc/n_c)
///     I(C;K) = Σ_kc (n_kc/N) ln(N·n_kc / (n_k·n_c)) = H(C) − H(C|K) = H(K) − H(K|C)
///
/// The scores follow scikit-learn (`homogeneity_completeness_v_measure`,
/// `normalized_mutual_info_score`), including its degenerate cases:
/// - homogeneity h = 1 − H(C|K)/H(C) = I/H(C), and h = 1 when H(C) = 0;
/// - completeness c = 1 − H(K|C)/H(K) = I/H(K), and c = 1 when H(K) = 0;
/// - NMI (arithmetic normalisation) = 2·I/(H(C) + H(K)), which equals the
///   v-measure 2hc/(h + c); NMI = 1 when both labelings are a single
///   cluster/class, and NMI = 0 when I = 0 otherwise (in particular when just
///   one of them is a single cluster).
///
/// Like scikit-learn, each term of I whose magnitude is below Double's
/// epsilon is set to 0 and I is clipped at 0, so independent labelings give
/// exactly I = 0 rather than rounding noise.
public struct InformationMeasures: Sendable, Equatable {
  /// H(C), the entropy of the true classes.
  public let classEntropy: Double
  /// H(K), the entropy of the predicted clusters.
  public let clusterEntropy: Double
  /// H(C|K), the class entropy left once the cluster is known.
  public let classEntropyGivenCluster: Double
  /// H(K|C), the cluster entropy left once the class is known.
  public let clusterEntropyGivenClass: Double
  /// I(C;K), the mutual information.
  public let mutualInformation: Double
  /// Whether there is one class and one cluster (sklearn's "perfect" case).
  public let isSingleClusterAndClass: Bool

  /// All quantities of `table`. Cost O(|K|·|C|).
  public init(_ table: ContingencyTable) {
    let n = Double(table.sampleCount)
    let logN = log(n)
    let clusterSizes = table.clusterSizes.map(Double.init)
    let classSizes = table.classSizes.map(Double.init)
    func entropy(_ sizes: [Double]) -> Double {
      // −Σ (s/N) ln(s/N) = ln N − Σ s ln s / N; written termwise for accuracy.
      var h = 0.0
      for s in sizes where s > 0 { h -= (s / n) * (log(s) - logN) }
      return h
    }
    classEntropy = entropy(classSizes)
    clusterEntropy = entropy(clusterSizes)
    var hCK = 0.0
    var hKC = 0.0
    var mi = 0.0
    for (k, row) in table.counts.enumerated() {
      for (c, count) in row.enumerated() where count > 0 {
        let nkc = Double(count)
        let p = nkc / n
        hCK -= p * (log(nkc) - log(clusterSizes[k]))
        hKC -= p * (log(nkc) - log(classSizes[c]))
        let term = p * (log(nkc) + logN - log(clusterSizes[k]) - log(classSizes[c]))
        if abs(term) >= Double.ulpOfOne { mi += term }
      }
    }
    classEntropyGivenCluster = max(0, hCK)
    clusterEntropyGivenClass = max(0, hKC)
    // One cluster or one class forces I = 0 exactly (I ≤ min(H(C), H(K))).
    let degenerate = table.clusterLabels.count == 1 || table.classLabels.count == 1
    mutualInformation = degenerate ? 0 : max(0, mi)
    isSingleClusterAndClass = table.clusterLabels.count == 1 && table.classLabels.count == 1
  }

  /// h = I/H(C) (= 1 − H(C|K)/H(C)); 1 when H(C) = 0. Every cluster holds
  /// members of a single class iff h = 1.
  public var homogeneity: Double {
    classEntropy == 0 ? 1 : mutualInformation / classEntropy
  }

  /// c = I/H(K) (= 1 − H(K|C)/H(K)); 1 when H(K) = 0. All members of each
  /// class are in the same cluster iff c = 1.
  public var completeness: Double {
    clusterEntropy == 0 ? 1 : mutualInformation / clusterEntropy
  }

  /// NMI = 2·I/(H(C) + H(K)) (arithmetic normalisation = v-measure); 1 when
  /// both labelings are a single cluster, 0 when I = 0 otherwise.
  public var normalizedMutualInformation: Double {
    if isSingleClusterAndClass { return 1 }
    if mutualInformation == 0 { return 0 }
    return 2 * mutualInformation / (classEntropy + clusterEntropy)
  }

  /// NMI with geometric normalisation, I/√(H(C)·H(K)) (what NeuNcut
  /// reports); the same degenerate cases as the arithmetic form.
  public var geometricNormalizedMutualInformation: Double {
    if isSingleClusterAndClass { return 1 }
    if mutualInformation == 0 { return 0 }
    return mutualInformation / (classEntropy * clusterEntropy).squareRoot()
  }
}

extension ContingencyTable {
  /// The adjusted Rand index (Hubert & Arabie 1985): with n_kc the counts,
  /// a_k and b_c the cluster and class sizes and C(x) = x(x − 1)/2,
  ///
  ///   ARI = (Σ C(n_kc) − E) / (½(Σ C(a_k) + Σ C(b_c)) − E),
  ///   E   = Σ C(a_k) · Σ C(b_c) / C(N),
  ///
  /// 1 for identical partitions, about 0 for independent ones, negative
  /// below chance. When the denominator is 0 (both partitions all one
  /// cluster, or all singletons) they are identical and ARI = 1, as
  /// scikit-learn returns. Cost O(|K|·|C|).
  public var adjustedRandIndex: Double {
    func pairs(_ x: Int) -> Double { Double(x) * Double(x - 1) / 2 }
    let together = counts.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + pairs($1) } }
    let clusterPairs = clusterSizes.reduce(0.0) { $0 + pairs($1) }
    let classPairs = classSizes.reduce(0.0) { $0 + pairs($1) }
    let all = pairs(sampleCount)
    let expected = all > 0 ? clusterPairs * classPairs / all : 0
    let maximum = (clusterPairs + classPairs) / 2
    guard maximum - expected != 0 else { return 1 }
    return (together - expected) / (maximum - expected)
  }
}

/// The scores reported for a clustering (MinCutPool Table 1): NMI,
/// completeness, homogeneity (see `InformationMeasures`) and accuracy after
/// the best one-to-one matching of clusters to classes (see
/// `HungarianMatching.matchedAccuracy`).
public struct ClusteringScores: Sendable, Equatable, CustomStringConvertible {
  /// 2·I/(H(C) + H(K)).
  public var nmi: Double
  /// 1 − H(K|C)/H(K).
  public var completeness: Double
  /// 1 − H(C|K)/H(C).
  public var homogeneity: Double
  /// Fraction of samples whose cluster is matched to their class.
  public var accuracy: Double

  public init(nmi: Double, completeness: Double, homogeneity: Double, accuracy: Double) {
    self.nmi = nmi
    self.completeness = completeness
    self.homogeneity = homogeneity
    self.accuracy = accuracy
  }

  /// The scores of `predicted` clusters against `truth` classes (equal,
  /// non-zero lengths; non-negative labels). Cost O(N + |K|·|C| +
  /// max(|K|,|C|)³) (the contingency table, the entropies, the matching).
  public init(predicted: [Int], truth: [Int]) {
    self.init(ContingencyTable(predicted: predicted, truth: truth))
  }

  /// The scores of a contingency table. Cost O(|K|·|C| + max(|K|,|C|)³).
  public init(_ table: ContingencyTable) {
    let info = InformationMeasures(table)
    self.init(
      nmi: info.normalizedMutualInformation, completeness: info.completeness,
      homogeneity: info.homogeneity, accuracy: HungarianMatching.matchedAccuracy(table))
  }

  public var description: String {
    func f(_ x: Double) -> String { String(Double(Int((x * 10_000).rounded())) / 10_000) }
    return "NMI \(f(nmi)), completeness \(f(completeness)), homogeneity \(f(homogeneity)), "
      + "accuracy \(f(accuracy))"
  }
}
