import Foundation
import TensorCore

/// Seeded synthetic clustering data (NeuNcut's scale test and sanity
/// checks); the same seed gives the same points. Cost O(N·D).
public enum SyntheticVectors {
  /// `count` points in `dimensions` dimensions around `clusters` centres
  /// drawn uniformly in [−10, 10]^D, each point its centre plus Gaussian
  /// noise of standard deviation `spread`; labels = the centre, assigned
  /// round-robin (so the clusters have equal sizes up to one).
  public static func blobs(
    count: Int, dimensions: Int, clusters: Int, spread: Double = 1, seed: UInt64
  ) -> VectorDataset {
    precondition(count > 0 && dimensions > 0 && clusters > 0, "blobs: positive sizes")
    var random = RandomSource(seed: seed)
    let centres = (0..<(clusters * dimensions)).map { _ in 20 * random.nextUniformDouble() - 10 }
    var storage = [Float](repeating: 0, count: count * dimensions)
    var labels = [Int](repeating: 0, count: count)
    for i in 0..<count {
      let c = i % clusters
      labels[i] = c
      for d in 0..<dimensions {
        storage[i * dimensions + d] = Float(
          centres[c * dimensions + d] + spread * random.nextGaussian())
      }
    }
    return VectorDataset(
      name: "blobs", features: Matrix(rows: count, columns: dimensions, storage: storage),
      labels: labels, classCount: clusters, fileChecksums: [:])
  }

  /// Two interleaving half circles (scikit-learn's `make_moons`): class 0 on
  /// (cos t, sin t), class 1 on (1 − cos t, ½ − sin t), t uniform in [0, π],
  /// plus Gaussian noise `noise`.
  public static func moons(count: Int, noise: Double = 0.05, seed: UInt64) -> VectorDataset {
    var random = RandomSource(seed: seed)
    var storage: [Float] = []
    var labels: [Int] = []
    for i in 0..<count {
      let t = Double.pi * random.nextUniformDouble()
      let (x, y) = i % 2 == 0 ? (cos(t), sin(t)) : (1 - cos(t), 0.5 - sin(t))
      storage += [
        Float(x + noise * random.nextGaussian()), Float(y + noise * random.nextGaussian()),
      ]
      labels.append(i % 2)
    }
    return VectorDataset(
      name: "moons", features: Matrix(rows: count, columns: 2, storage: storage), labels: labels,
      classCount: 2, fileChecksums: [:])
  }

  /// Two concentric circles (scikit-learn's `make_circles`): radius 1
  /// (class 0) and `factor` (class 1), plus Gaussian noise `noise`.
  public static func circles(count: Int, factor: Double = 0.5, noise: Double = 0.05, seed: UInt64)
    -> VectorDataset
  {
    var random = RandomSource(seed: seed)
    var storage: [Float] = []
    var labels: [Int] = []
    for i in 0..<count {
      let t = 2 * Double.pi * random.nextUniformDouble()
      let r = i % 2 == 0 ? 1 : factor
      storage += [
        Float(r * cos(t) + noise * random.nextGaussian()),
        Float(r * sin(t) + noise * random.nextGaussian()),
      ]
      labels.append(i % 2)
    }
    return VectorDataset(
      name: "circles", features: Matrix(rows: count, columns: 2, storage: storage),
      labels: labels, classCount: 2, fileChecksums: [:])
  }
}
