import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The outcome of a k-means fit.
public struct KMeansResult: Sendable, Equatable {
  /// The cluster (0..<k) of each row of the data.
  public let labels: [Int]
  /// k×d cluster centres (the mean of each cluster's rows).
  public let centers: Matrix
  /// Σ_i ‖x_i − μ_{label(i)}‖², in Double.
  public let inertia: Double
  /// Lloyd iterations run by the restart that was kept.
  public let iterations: Int
}

/// k-means clustering of the rows of an n×d matrix, following
/// scikit-learn's `KMeans(init="k-means++", n_init=restarts)`:
///
/// 1. greedy k-means++ seeding (Arthur & Vassilvitskii 2007): the first
///    centre is a uniformly random row; each next one is the best (lowest
///    resulting potential Σ_i min_j ‖x_i − μ_j‖²) of `localTrials` rows drawn
///    with probability ∝ D(x)², the squared distance to the nearest centre
///    chosen so far;
/// 2. Lloyd iterations: assign each row to its nearest centre, move each
///    centre to its cluster's mean; stop when the labels no longer change or
///    the total squared centre shift Σ_j ‖μ_j' − μ_j‖² ≤ tolerance · mean_f
///    Var(x_f) (sklearn's relative tolerance), or after `maxIterations`;
///    labels are then recomputed from the final centres;
/// 3. `restarts` independent runs, keeping the one of lowest inertia
///    (the first on ties).
///
/// An empty cluster is re-seeded with the row farthest from its own centre
/// (then the next farthest, for several empty clusters), as sklearn does.
/// All arithmetic is in Double; the stream of the `RandomSource` fully
/// determines the result. Cost O(restarts · (k·localTrials·n·d +
/// iterations·n·k·d)) time, O(n·d + k·d) memory.
public struct KMeans: Sendable {
  /// k, the number of clusters.
  public var clusterCount: Int
  /// Independent seedings; the lowest-inertia run is kept.
  public var restarts: Int
  /// Maximum Lloyd iterations per run.
  public var maxIterations: Int
  /// Relative tolerance on the total squared centre shift.
  public var tolerance: Double
  /// Candidates per greedy k-means++ step; nil = 2 + ⌊ln k⌋ (sklearn).
  public var localTrials: Int?

  public init(
    clusterCount: Int, restarts: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4,
    localTrials: Int? = nil
  ) {
    precondition(clusterCount >= 1, "k-means needs at least one cluster")
    precondition(restarts >= 1 && maxIterations >= 1, "k-means needs restarts, iterations ≥ 1")
    self.clusterCount = clusterCount
    self.restarts = restarts
    self.maxIterations = maxIterations
    self.tolerance = tolerance
    self.localTrials = localTrials
  }

  /// Clusters the rows of `data` (n×d, n ≥ k) with a generator seeded by
  /// `seed`. Cost: see the type.
  public func fit(_ data: Matrix, seed: UInt64) -> KMeansResult {
    var rng = RandomSource(seed: seed)
    return fit(data, using: &rng)
  }

  /// Clusters the rows of `data` (n×d, n ≥ k), drawing from `rng`.
  public func fit(_ data: Matrix, using rng: inout RandomSource) -> KMeansResult {
    precondition(
      data.rows >= clusterCount, "k-means with k = \(clusterCount) needs at least k rows")
    let points = Points(data)
    let threshold = tolerance * points.meanVariance()
    var best: KMeansResult?
    for _ in 0..<restarts {
      let seeds = seedPlusPlus(points, using: &rng)
      let run = lloyd(points, centers: seeds, shiftThreshold: threshold)
      if best == nil || run.inertia < best!.inertia { best = run }
    }
    return best!
  }

  // MARK: - Seeding

  private func seedPlusPlus(_ x: Points, using rng: inout RandomSource) -> [Double] {
    let n = x.n
    let d = x.d
    let k = clusterCount
    let trials = localTrials ?? (2 + Int(log(Double(k))))
    var centers = [Double](repeating: 0, count: k * d)
    let first = rng.nextInt(below: n)
    for f in 0..<d { centers[f] = x.values[first * d + f] }
    var closest = (0..<n).map { x.squaredDistance($0, first) }
    var potential = closest.reduce(0, +)
    for c in 1..<k {
      // D² sampling: candidates at cumulative-potential positions.
      var cumulative = closest
      for i in 1..<n { cumulative[i] += cumulative[i - 1] }
      var bestCandidate = -1
      var bestPotential = Double.infinity
      var bestClosest: [Double] = []
      for _ in 0..<max(1, trials) {
        let candidate: Int
        if potential > 0 {
          let r = rng.nextUniformDouble() * potential
          // First index whose cumulative sum exceeds r (binary search).
          var lo = 0
          var hi = n - 1
          while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > r { hi = mid } else { lo = mid + 1 }
          }
          candidate = lo
        } else {
          // Every row coincides with a centre: any row is as good.
          candidate = rng.nextInt(below: n)
        }
        var trialClosest = closest
        var trialPotential = 0.0
        for i in 0..<n {
          trialClosest[i] = min(trialClosest[i], x.squaredDistance(i, candidate))
          trialPotential += trialClosest[i]
        }
        if trialPotential < bestPotential {
          bestPotential = trialPotential
          bestCandidate = candidate
          bestClosest = trialClosest
        }
      }
      for f in 0..<d { centers[c * d + f] = x.values[bestCandidate * d + f] }
      closest = bestClosest
      potential = bestPotential
    }
    return centers
  }

  // MARK: - Lloyd iterations

  private func lloyd(_ x: Points, centers initial: [Double], shiftThreshold: Double)
    -> KMeansResult
  {
    let n = x.n
    let d = x.d
    let k = clusterCount
    var centers = initial
    var labels = [Int](repeating: -1, count: n)
    var distances = [Double](repeating: 0, count: n)
    var iterations = 0
    var labelsAreCurrent = false
    for _ in 0..<maxIterations {
      iterations += 1
      var changed = false
      for i in 0..<n {
        let (j, dist) = x.nearest(i, centers: centers, count: k)
        if j != labels[i] { changed = true }
        labels[i] = j
        distances[i] = dist
      }
      if !changed {
        // Strict convergence: the centres are already the means.
        labelsAreCurrent = true
        break
      }
      let updated = updateCenters(x, labels: &labels, distances: distances, old: centers)
      var shift = 0.0
      for t in 0..<(k * d) {
        let delta = updated[t] - centers[t]
        shift += delta * delta
      }
      centers = updated
      if shift <= shiftThreshold { break }
    }
    if !labelsAreCurrent {
      // Make the labels consistent with the final centres.
      for i in 0..<n {
        let (j, dist) = x.nearest(i, centers: centers, count: k)
        labels[i] = j
        distances[i] = dist
      }
    }
    let inertia = distances.reduce(0, +)
    return KMeansResult(
      labels: labels,
      centers: Matrix(rows: k, columns: d, storage: centers.map { Float($0) }),
      inertia: inertia, iterations: iterations)
  }

  /// Cluster means; an empty cluster takes the row farthest from its own
  /// centre (the worst-represented point), which also leaves its old
  /// cluster. Far rows are used in order, each at most once.
  private func updateCenters(
    _ x: Points, labels: inout [Int], distances: [Double], old: [Double]
  ) -> [Double] {
    let n = x.n
    let d = x.d
    let k = clusterCount
    var sizes = [Int](repeating: 0, count: k)
    for l in labels { sizes[l] += 1 }
    let empty = (0..<k).filter { sizes[$0] == 0 }
    if !empty.isEmpty {
      // Farthest first; ties broken by index for determinism.
      let far = (0..<n).sorted { (distances[$0], $1) > (distances[$1], $0) }
      var next = 0
      for j in empty {
        // Skip rows whose cluster would become empty by moving them.
        while next < n && sizes[labels[far[next]]] <= 1 { next += 1 }
        guard next < n else { break }
        let i = far[next]
        sizes[labels[i]] -= 1
        labels[i] = j
        sizes[j] = 1
        next += 1
      }
    }
    var sums = [Double](repeating: 0, count: k * d)
    for i in 0..<n {
      let j = labels[i]
      for f in 0..<d { sums[j * d + f] += x.values[i * d + f] }
    }
    for j in 0..<k {
      if sizes[j] == 0 {
        // Only possible with fewer distinct rows than clusters: keep it.
        for f in 0..<d { sums[j * d + f] = old[j * d + f] }
      } else {
        for f in 0..<d { sums[j * d + f] /= Double(sizes[j]) }
      }
    }
    return sums
  }
}

/// The data in Double, row-major.
private struct Points {
  let n: Int
  let d: Int
  let values: [Double]

  init(_ m: Matrix) {
    n = m.rows
    d = m.columns
    values = m.storage.map(Double.init)
  }

  func squaredDistance(_ i: Int, _ j: Int) -> Double {
    var s = 0.0
    for f in 0..<d {
      let delta = values[i * d + f] - values[j * d + f]
      s += delta * delta
    }
    return s
  }

  /// The nearest of `count` centres (row-major k×d) to row i and the squared
  /// distance to it; ties go to the lower index.
  func nearest(_ i: Int, centers: [Double], count: Int) -> (Int, Double) {
    var best = 0
    var bestDistance = Double.infinity
    for j in 0..<count {
      var s = 0.0
      for f in 0..<d {
        let delta = values[i * d + f] - centers[j * d + f]
        s += delta * delta
      }
      if s < bestDistance {
        bestDistance = s
        best = j
      }
    }
    return (best, bestDistance)
  }

  /// mean_f Var(x_f), the scale of sklearn's relative tolerance.
  func meanVariance() -> Double {
    var total = 0.0
    for f in 0..<d {
      var mean = 0.0
      for i in 0..<n { mean += values[i * d + f] }
      mean /= Double(n)
      var v = 0.0
      for i in 0..<n {
        let delta = values[i * d + f] - mean
        v += delta * delta
      }
      total += v / Double(n)
    }
    return d == 0 ? 0 : total / Double(d)
  }
}
