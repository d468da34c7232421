import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The four published Bench variants and their recipe parameters
/// (spec METHODS §7; FilippoMB/Benchmark_dataset_for_graph_classification
/// `make_dataset.py`).
public enum BenchVariant: String, CaseIterable, Sendable, Codable {
  case easy, hard
  case easySmall = "easy_small"
  case hardSmall = "hard_small"

  /// `n`: each graph has `n_nodes` drawn uniformly in [n/2, n) (then
  /// rounded down to a multiple of 3).
  public var maximumNodes: Int { isSmall ? 80 : 200 }
  /// `c`: the quantiles' covariance is c·I, the blob's standard deviation 2c.
  public var covariance: Double { isEasy ? 0.4 : 0.2 }
  /// `k` of the k-nearest-neighbour graph.
  public var neighbours: Int { isEasy ? 5 : 3 }
  /// Graphs generated per class.
  public var graphsPerClass: Int { isSmall ? 100 : 600 }

  var isSmall: Bool { self == .easySmall || self == .hardSmall }
  var isEasy: Bool { self == .easy || self == .easySmall }

  /// The statistics the Bench README publishes for the variant (spec
  /// REFERENCE-NOTES §1.6). `averageEdges` there is the mean number of
  /// stored entries of A (each undirected edge counted twice), i.e.
  /// `GraphClassificationDataset.averageAdjacencyEntryCount`.
  public var published: BenchPublishedStatistics {
    switch self {
    case .easy:
      BenchPublishedStatistics(
        graphs: 1800, train: 1475, validation: 162, test: 163, averageNodes: 147.82,
        averageEdges: 922.66)
    case .hard:
      BenchPublishedStatistics(
        graphs: 1800, train: 1451, validation: 159, test: 190, averageNodes: 148.32,
        averageEdges: 572.32)
    case .easySmall:
      BenchPublishedStatistics(
        graphs: 300, train: 239, validation: 30, test: 31, averageNodes: 58.25,
        averageEdges: 358.8)
    case .hardSmall:
      BenchPublishedStatistics(
        graphs: 300, train: 245, validation: 29, test: 26, averageNodes: 58.64,
        averageEdges: 224.94)
    }
  }
}

/// The published size statistics of a Bench variant.
public struct BenchPublishedStatistics: Sendable, Equatable {
  public let graphs: Int
  public let train: Int
  public let validation: Int
  public let test: Int
  public let averageNodes: Double
  /// Mean nnz(A) per graph (both directions of every edge).
  public let averageEdges: Double
}

/// Generates Bench-easy / Bench-hard (full or small) with the published
/// recipe, deterministically from a seed: one `RandomSource` (seeded with
/// the seed and the variant, see `streamSeed`) draws everything, graph after
/// graph, so the same seed gives the same dataset.
///
/// Per graph of class c: n_nodes uniform in [n/2, n); n_nodes//3 points each
/// from two moons (noise 0.1, colours 0/1), 2-class Gaussian quantiles
/// (covariance c·I, colours 2/3) and one Gaussian blob (std 2c, colour 4),
/// translated to the class's positions; coordinates divided by their
/// per-graph column maxima; A = max(K, Kᵀ) for the k-nearest-neighbour
/// connectivity K (self excluded). Node labels are the colours (features =
/// their one-hot). Classes 0, 1, 2 are generated in order; each graph goes
/// to test with probability 0.1, else to validation with probability 0.1,
/// else to train. Graphs are ordered train, validation, test.
public enum BenchGenerator {
  /// Number of graph classes.
  public static let classCount = 3
  /// Number of point colours (node labels).
  public static let colourCount = 5

  /// Positions of (moons, quantiles, blob) for each class (METHODS §7).
  public static let positions:
    [(moons: SIMD2<Double>, quantiles: SIMD2<Double>, blob: SIMD2<Double>)] =
      [
        (SIMD2(4, 0), SIMD2(0, 0), SIMD2(2, -2)),
        (SIMD2(2, -2), SIMD2(4, 0), SIMD2(0, 0)),
        (SIMD2(0, 0), SIMD2(2, -2), SIMD2(4, 0)),
      ]

  /// An unknown variant name.
  public struct UnknownVariant: Error, CustomStringConvertible, Sendable {
    public let name: String
    public var description: String {
      "unknown Bench variant '\(name)' (expected one of "
        + BenchVariant.allCases.map(\.rawValue).joined(separator: ", ") + ")"
    }
  }

  /// `generate(variant:seed:)` for a variant given by name ("easy", "hard",
  /// "easy_small", "hard_small").
  ///
  /// - Throws: `UnknownVariant` for any other name.
  public static func generate(variant name: String, seed: UInt64) throws
    -> GraphClassificationDataset
  {
    guard let variant = BenchVariant(rawValue: name) else { throw UnknownVariant(name: name) }
    return generate(variant: variant, seed: seed)
  }

  /// The whole dataset of `variant` generated from `seed`: named after the
  /// variant, 3 classes, node labels 0..4, one predefined split. Cost
  /// O(graphs · n²) for the brute-force k-NN (a few tenths of a second for
  /// the 1800 full-size graphs in a release build).
  public static func generate(variant: BenchVariant, seed: UInt64) -> GraphClassificationDataset {
    var random = RandomSource(seed: streamSeed(variant: variant, seed: seed))
    var parts: [[LabeledGraph]] = [[], [], []]  // train, validation, test
    for classIndex in 0..<classCount {
      for _ in 0..<variant.graphsPerClass {
        let graph = makeGraph(classIndex: classIndex, variant: variant, random: &random)
        // make_dataset.py: `if rand < 0.9: (if rand < 0.9: train else val) else test`.
        if random.nextUniformDouble() < 0.9 {
          parts[random.nextUniformDouble() < 0.9 ? 0 : 1].append(graph)
        } else {
          parts[2].append(graph)
        }
      }
    }
    let train = Array(0..<parts[0].count)
    let validation = Array(train.count..<(train.count + parts[1].count))
    let test = Array(
      (train.count + validation.count)..<(train.count + validation.count + parts[2].count))
    return GraphClassificationDataset(
      name: variant.rawValue, graphs: parts.flatMap { $0 }, classCount: classCount,
      classValues: Array(0..<classCount), nodeLabelValues: Array(0..<colourCount),
      predefinedSplits: [GraphSplit(train: train, validation: validation, test: test)])
  }

  /// The seed of the variant's stream: `seed` with the variant's index mixed
  /// in. Every variant draws the same number of values per graph, so
  /// without this easy and hard of one seed would share their node counts,
  /// point clouds (up to scale) and split, whereas the published variants
  /// are independent draws.
  static func streamSeed(variant: BenchVariant, seed: UInt64) -> UInt64 {
    let index = UInt64(BenchVariant.allCases.firstIndex(of: variant) ?? 0)
    return seed ^ (index &* 0xD1B5_4A32_D192_ED03)
  }

  /// One graph of class `classIndex`. Cost O(n²) for n ≤ 199 points.
  public static func makeGraph(classIndex: Int, variant: BenchVariant, random: inout RandomSource)
    -> LabeledGraph
  {
    let n = variant.maximumNodes
    let drawn = n / 2 + random.nextInt(below: n - n / 2)  // randint(n//2, n)
    let perSet = drawn / 3
    let c = variant.covariance
    let position = positions[classIndex]
    var points: [SIMD2<Double>] = []
    var colours: [Int] = []
    points.reserveCapacity(3 * perSet)
    colours.reserveCapacity(3 * perSet)
    for (point, colour) in moons(perSet, noise: 0.1, random: &random) {
      points.append(point + position.moons)
      colours.append(colour)
    }
    for (point, colour) in gaussianQuantiles(
      perSet, mean: position.quantiles, covariance: c, random: &random)
    {
      points.append(point)
      colours.append(colour + 2)
    }
    for point in blob(perSet, centre: position.blob, standardDeviation: 2 * c, random: &random) {
      points.append(point)
      colours.append(4)
    }
    // X /= np.max(X, axis=0)
    if !points.isEmpty {
      var maxima = points[0]
      for p in points { maxima = pointwiseMax(maxima, p) }
      for i in points.indices { points[i] /= maxima }
    }
    let adjacency = symmetrisedKNNGraph(points, k: variant.neighbours)
    return LabeledGraph(adjacency: adjacency, label: classIndex, nodeLabels: colours)
  }

  // MARK: Point sets (scikit-learn's generators)

  /// `sklearn.datasets.make_moons(count, noise=noise)`: count//2 points on
  /// the outer half circle (colour 0), the rest on the inner one (colour 1),
  /// shuffled, plus N(0, noise²) on each coordinate.
  static func moons(_ count: Int, noise: Double, random: inout RandomSource)
    -> [(SIMD2<Double>, Int)]
  {
    let outer = count / 2
    let inner = count - outer
    var points: [(SIMD2<Double>, Int)] = []
    for t in linspace(0, Double.pi, outer) {
      points.append((SIMD2(cos(t), sin(t)), 0))
    }
    for t in linspace(0, Double.pi, inner) {
      points.append((SIMD2(1 - cos(t), 1 - sin(t) - 0.5), 1))
    }
    points = random.permutation(points.count).map { points[$0] }
    return points.map { point, colour in
      (point + SIMD2(noise * random.nextGaussian(), noise * random.nextGaussian()), colour)
    }
  }

  /// `sklearn.datasets.make_gaussian_quantiles(mean=mean, cov=covariance,
  /// n_classes=2)`: points from N(mean, covariance·I), the count//2 closest
  /// to the mean get class 0, the rest class 1; shuffled.
  static func gaussianQuantiles(
    _ count: Int, mean: SIMD2<Double>, covariance: Double, random: inout RandomSource
  ) -> [(SIMD2<Double>, Int)] {
    let deviation = covariance.squareRoot()
    var points = (0..<count).map { _ in
      mean + deviation * SIMD2(random.nextGaussian(), random.nextGaussian())
    }
    func squaredDistance(_ p: SIMD2<Double>) -> Double {
      let d = p - mean
      return (d * d).sum()
    }
    points.sort { squaredDistance($0) < squaredDistance($1) }
    let step = count / 2
    let labelled = points.enumerated().map { ($0.element, $0.offset < step ? 0 : 1) }
    return random.permutation(count).map { labelled[$0] }
  }

  /// `sklearn.datasets.make_blobs(centers=[centre], cluster_std=sd)`:
  /// points from N(centre, sd²·I).
  static func blob(
    _ count: Int, centre: SIMD2<Double>, standardDeviation: Double, random: inout RandomSource
  ) -> [SIMD2<Double>] {
    (0..<count).map { _ in
      centre + standardDeviation * SIMD2(random.nextGaussian(), random.nextGaussian())
    }
  }

  /// `numpy.linspace(start, end, count)` (endpoint included).
  static func linspace(_ start: Double, _ end: Double, _ count: Int) -> [Double] {
    guard count > 1 else { return count == 1 ? [start] : [] }
    let step = (end - start) / Double(count - 1)
    return (0..<count).map { i in i == count - 1 ? end : start + Double(i) * step }
  }

  // MARK: Graph

  /// `kneighbors_graph(X, k, mode='connectivity')` (each point's k nearest
  /// other points by Euclidean distance; ties to the lower index), then
  /// A = max(A, Aᵀ), binary. Cost O(n² + n·k·log).
  public static func symmetrisedKNNGraph(_ points: [SIMD2<Double>], k: Int) -> SparseMatrix {
    let n = points.count
    let neighbours = min(k, max(n - 1, 0))
    var edges: [(Int, Int)] = []
    edges.reserveCapacity(n * neighbours)
    var candidates: [(distance: Double, index: Int)] = []
    candidates.reserveCapacity(n)
    for i in 0..<n {
      candidates.removeAll(keepingCapacity: true)
      for j in 0..<n where j != i {
        let d = points[i] - points[j]
        candidates.append(((d * d).sum(), j))
      }
      // Partial selection of the k smallest (k ≤ 5).
      for slot in 0..<neighbours {
        var best = slot
        for m in (slot + 1)..<candidates.count
        where candidates[m].distance < candidates[best].distance
          || (candidates[m].distance == candidates[best].distance
            && candidates[m].index < candidates[best].index)
        {
          best = m
        }
        candidates.swapAt(slot, best)
        edges.append((i, candidates[slot].index))
      }
    }
    return SparseMatrix.symmetricAdjacency(nodeCount: n, edges: edges)
  }
}
