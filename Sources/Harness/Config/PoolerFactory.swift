import Pooling
import TensorCore

/// Builds the pooler a layer spec names: the only place that maps config
/// layer types to pooler types, so a new pooler is a new `Pooler` file, a
/// `LayerSpec` case and one line here.
public enum PoolerFactory {
  /// The pooler of `spec` reading `inputFeatures` features. K is the spec's
  /// `k`; else ⌈k_ratio · averageNodes⌉ (at least 1); else `classCount`.
  /// `spec` must be a pooling layer.
  public static func make(
    _ spec: LayerSpec, name: String, inputFeatures: Int, classCount: Int,
    averageNodes: Double = 0, random: inout RandomSource
  ) -> (pooler: any Pooler, clusterCount: Int) {
    func clusters(_ k: Int?, _ ratio: Double?) -> Int {
      if let k { return k }
      if let ratio { return max(1, Int((ratio * averageNodes).rounded(.up))) }
      return classCount
    }
    switch spec {
    case .mincut(let spec):
      let k = clusters(spec.k, spec.kRatio)
      return (
        MinCutPool(
          name: name, inputFeatures: inputFeatures, clusters: k, hiddenUnits: spec.mlpHidden,
          hiddenActivation: spec.mlpActivation, temperature: spec.temperature,
          poolEpsilon: spec.poolEpsilon ?? 1e-7, random: &random), k
      )
    case .diffpool(let spec):
      let k = clusters(spec.k, spec.kRatio)
      return (
        DiffPool(
          name: name, inputFeatures: inputFeatures, clusters: k, channels: spec.channels ?? 16,
          activation: spec.activation ?? .linear,
          divideLinkLossByNodeCountSquared: spec.normalizeLinkLoss, random: &random), k
      )
    case .gcs, .readout, .dense:
      preconditionFailure("PoolerFactory: '\(spec)' is not a pooling layer")
    }
  }
}
