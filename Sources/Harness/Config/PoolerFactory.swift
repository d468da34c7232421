import Pooling
import TensorCore

/// Builds the pooler a layer spec names, through its `PoolingLayerSpec`.
public enum PoolerFactory {
  /// The pooler of `spec` reading `inputFeatures` features, its K (0 for a
  /// per-graph ratio such as Top-K's) and the width of its output features.
  /// K is the spec's `k`; else ⌈k_ratio · averageNodes⌉ (at least 1); else
  /// `classCount`. `spec` must be a pooling layer.
  public static func make(
    _ spec: LayerSpec, name: String, inputFeatures: Int, classCount: Int,
    averageNodes: Double = 0, random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int, outputFeatures: Int) {
    guard let pooling = spec.pooling else {
      preconditionFailure("PoolerFactory: '\(spec)' is not a pooling layer")
    }
    return pooling.make(
      name: name, inputFeatures: inputFeatures, classCount: classCount,
      graphSizes: GraphSizes(average: averageNodes), random: &random)
  }
}
