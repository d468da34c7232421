import Foundation
import Harness
import TensorCore
import XCTest

final class SpectralClusteringTests: XCTestCase {
  // MARK: - k-means

  /// Three Gaussian blobs (σ = 0.5) 10 apart: k-means recovers them exactly.
  func testKMeansRecoversWellSeparatedBlobs() {
    let (data, truth) = blobs(perBlob: 40, seed: 3)
    let result = KMeans(clusterCount: 3).fit(data, seed: 11)
    XCTAssertEqual(ClusteringScores(predicted: result.labels, truth: truth).accuracy, 1)
    XCTAssertEqual(result.centers.rows, 3)
    XCTAssertEqual(result.centers.columns, 2)
    // Each centre is near one of the true means.
    let means: [[Float]] = [[0, 0], [10, 0], [0, 10]]
    for j in 0..<3 {
      let nearest = means.map { m in hypot(result.centers[j, 0] - m[0], result.centers[j, 1] - m[1])
      }
      .min()!
      XCTAssertLessThan(nearest, 0.3)
    }
    // The inertia is Σ‖x − μ‖², recomputed here.
    var inertia = 0.0
    for i in 0..<data.rows {
      let j = result.labels[i]
      for f in 0..<2 {
        let d = Double(data[i, f]) - Double(result.centers[j, f])
        inertia += d * d
      }
    }
    XCTAssertEqual(result.inertia, inertia, accuracy: 1e-3 * inertia)
  }

  func testKMeansIsDeterministicForASeed() {
    // Overlapping blobs, so restarts and seeds actually matter.
    let (data, _) = blobs(perBlob: 50, seed: 5, spread: 3)
    let kmeans = KMeans(clusterCount: 4, restarts: 3)
    XCTAssertEqual(kmeans.fit(data, seed: 1), kmeans.fit(data, seed: 1))
    var a = RandomSource(seed: 9)
    var b = RandomSource(seed: 9)
    XCTAssertEqual(kmeans.fit(data, using: &a), kmeans.fit(data, using: &b))
    XCTAssertEqual(a, b, "the generator advanced identically")
  }

  /// Restarts keep the lowest inertia: never worse than a single run.
  func testMoreRestartsNeverIncreaseInertia() {
    let (data, _) = blobs(perBlob: 30, seed: 8, spread: 4)
    for seed in UInt64(0)..<5 {
      let one = KMeans(clusterCount: 5, restarts: 1).fit(data, seed: seed)
      let ten = KMeans(clusterCount: 5, restarts: 10).fit(data, seed: seed)
      XCTAssertLessThanOrEqual(ten.inertia, one.inertia + 1e-9)
    }
  }

  /// Degenerate inputs: k = n puts every point alone (inertia 0); identical
  /// points with k = 2 (an empty cluster at every step) do not crash.
  func testKMeansDegenerateInputs() {
    let points = Matrix([[0, 0], [1, 0], [0, 1], [5, 5]])
    let alone = KMeans(clusterCount: 4).fit(points, seed: 0)
    XCTAssertEqual(Set(alone.labels).count, 4)
    XCTAssertEqual(alone.inertia, 0)
    let same = Matrix(rows: 5, columns: 2, repeating: 1)
    let result = KMeans(clusterCount: 2).fit(same, seed: 0)
    XCTAssertEqual(result.inertia, 0)
    XCTAssertTrue(result.centers.isFinite)
  }

  // MARK: - Spectral clustering

  /// Three communities of 20 nodes (edge probability 0.5 inside) joined by
  /// three bridging edges: recovered with NMI > 0.99.
  func testSpectralClusteringRecoversCommunities() throws {
    var rng = RandomSource(seed: 21)
    var edges: [(Int, Int)] = []
    let size = 20
    for c in 0..<3 {
      for i in 0..<size {
        for j in (i + 1)..<size where rng.nextUniformDouble() < 0.5 {
          edges.append((c * size + i, c * size + j))
        }
      }
    }
    edges += [(0, size), (size + 1, 2 * size), (2 * size + 1, 1)]
    let adjacency = SparseMatrix.symmetricAdjacency(nodeCount: 3 * size, edges: edges)
    let truth = (0..<(3 * size)).map { $0 / size }
    // n = 60 > 20, so the default (automatic) eigensolver uses ARPACK.
    let sc = SpectralClustering(clusterCount: 3)
    let result = try sc.fit(adjacency: adjacency, seed: 0)
    XCTAssertGreaterThan(ClusteringScores(predicted: result.labels, truth: truth).nmi, 0.99)
    XCTAssertEqual(result.eigenvalues[0], 1, accuracy: 1e-6)  // Float entries
    XCTAssertEqual(result.eigenvalues, result.eigenvalues.sorted(by: >))
    // Same seed, same clusters; the static entry point agrees.
    XCTAssertEqual(try sc.fit(adjacency: adjacency, seed: 0).labels, result.labels)
    var random = RandomSource(seed: 0)
    XCTAssertEqual(
      try SpectralClustering.cluster(adjacency: adjacency, clusters: 3, random: &random),
      result.labels)
  }

  /// Three disjoint 12-cliques plus two isolated nodes: eigenvalue 1 has
  /// multiplicity 3 (ARPACK returns some basis of its eigenspace, which
  /// still separates the cliques), and the isolated nodes' embedding rows
  /// stay zero instead of becoming NaN.
  func testDisjointCliquesAndIsolatedNodes() throws {
    let size = 12
    var edges: [(Int, Int)] = []
    for c in 0..<3 {
      for i in 0..<size { for j in (i + 1)..<size { edges.append((c * size + i, c * size + j)) } }
    }
    let n = 3 * size + 2
    let adjacency = SparseMatrix.symmetricAdjacency(nodeCount: n, edges: edges)
    let sc = SpectralClustering(
      clusterCount: 3, eigensolver: SymmetricEigensolver(method: .lanczos))
    let result = try sc.fit(adjacency: adjacency, seed: 4)
    for value in result.eigenvalues { XCTAssertEqual(value, 1, accuracy: 1e-6) }
    XCTAssertTrue(result.embedding.isFinite)
    for i in (3 * size)..<n { XCTAssertEqual(result.embedding.row(i), [0, 0, 0]) }
    for i in 0..<(3 * size) {
      let norm = result.embedding.row(i).reduce(0) { $0 + $1 * $1 }
      XCTAssertEqual(norm, 1, accuracy: 1e-5)
    }
    let truth = (0..<(3 * size)).map { $0 / size }
    let cliqueLabels = Array(result.labels.prefix(3 * size))
    XCTAssertEqual(ClusteringScores(predicted: cliqueLabels, truth: truth).nmi, 1, accuracy: 1e-12)
  }

  // MARK: - Helpers

  /// `perBlob` points around each of (0, 0), (10, 0), (0, 10), Gaussian with
  /// standard deviation 0.5 · spread; labels 0, 1, 2.
  private func blobs(perBlob: Int, seed: UInt64, spread: Double = 1) -> (Matrix, [Int]) {
    var rng = RandomSource(seed: seed)
    let means: [(Double, Double)] = [(0, 0), (10, 0), (0, 10)]
    var rows: [[Float]] = []
    var labels: [Int] = []
    for (label, mean) in means.enumerated() {
      for _ in 0..<perBlob {
        rows.append([
          Float(mean.0 + 0.5 * spread * rng.nextGaussian()),
          Float(mean.1 + 0.5 * spread * rng.nextGaussian()),
        ])
        labels.append(label)
      }
    }
    // Interleave so that cluster order is not data order.
    let order = rng.permutation(rows.count)
    return (Matrix(order.map { rows[$0] }), order.map { labels[$0] })
  }
}
