import Foundation
import GraphData
import TensorCore

/// An upper-end estimate of the memory one node-clustering run needs, made
/// from the config and the data before anything is allocated, so that a
/// size that cannot fit (`units: 1e6` on Pubmed) is an error naming the key
/// instead of an allocation failure mid-run.
///
/// Per node, the tape keeps each layer's forward values and, in the
/// backward pass, gradients of the same shapes; in floats: a GCS layer of
/// u units 4u (X·[Θ_m|Θ_s], the aggregate, the output), an MLP layer of h
/// units 2h, a pooler of K clusters 6K (logits, S, A·S and their
/// gradients' temporaries), a DiffPool embedding of C channels 3C. Each
/// parameter is held four times (value, gradient, two Adam moments); the
/// dataset's sparse features and adjacency (values and indices) once.
/// Measured (release, 3 iterations of `gpool run` on Pubmed, GCS u units +
/// MinCut with `mlp_hidden: [u]`): u = 1024 estimates 1.01 GB for a peak
/// RSS of 0.81 GB, u = 4096 4.2 GB for 3.41 GB, so it errs on the safe side
/// by about a quarter.
public struct MemoryEstimate: Sendable, Equatable {
  /// Estimated bytes of the run.
  public var bytes: Int
  /// The key whose layer contributes most (`model[0].units`) and its value.
  public var largestKey: String
  public var largestValue: Int

  /// The estimate for `layers` on a graph of `nodes` nodes with
  /// `inputFeatures` features (`featureNonzeros` stored) and
  /// `adjacencyNonzeros` edges entries; K defaults to `classCount`.
  /// Saturates at `Int.max` instead of overflowing. Cost O(layers).
  public static func nodeClustering(
    layers: [LayerSpec], nodes: Int, inputFeatures: Int, featureNonzeros: Int,
    adjacencyNonzeros: Int, classCount: Int
  ) -> MemoryEstimate {
    func product(_ values: Int...) -> Int {
      var result = 1
      for value in values {
        let (next, overflow) = result.multipliedReportingOverflow(by: max(0, value))
        if overflow { return Int.max }
        result = next
      }
      return result
    }
    func sum(_ a: Int, _ b: Int) -> Int {
      let (total, overflow) = a.addingReportingOverflow(b)
      return overflow ? Int.max : total
    }
    let float = MemoryLayout<Float>.size
    var bytes = product(sum(featureNonzeros, adjacencyNonzeros), 2 * float)  // values + indices
    var largest = (key: "", value: 0, bytes: -1)
    var width = inputFeatures
    func add(key: String, value: Int, perNodeFloats: Int, parameters: Int) {
      let layerBytes = sum(
        product(2, nodes, perNodeFloats, float),  // forward values and their gradients
        product(4, parameters, float))
      bytes = sum(bytes, layerBytes)
      if layerBytes > largest.bytes { largest = (key, value, layerBytes) }
    }
    // A pooler whose S comes from an MLP (mincut, acc, dmon).
    func addSoftPooler(_ index: Int, hidden: [Int], k: Int) {
      var inWidth = width
      for (h, units) in hidden.enumerated() {
        add(
          key: "model[\(index)].mlp_hidden[\(h)]", value: units,
          perNodeFloats: product(2, units), parameters: sum(product(inWidth, units), units))
        inWidth = units
      }
      add(
        key: "model[\(index)].k", value: k, perNodeFloats: product(6, k),
        parameters: sum(product(inWidth, k), k))
    }
    for (index, layer) in layers.enumerated() {
      if let spec = layer.messagePassing {
        add(
          key: "model[\(index)].units", value: spec.units,
          perNodeFloats: product(spec.floatsPerNodeAndUnit, spec.units),
          parameters: spec.parameterCount(inputFeatures: width))
        width = spec.units
        continue
      }
      switch layer {
      case .mincut(let spec):
        addSoftPooler(index, hidden: spec.mlpHidden, k: spec.k ?? classCount)
      case .acc(let spec), .dmon(let spec), .neuncut(let spec):
        addSoftPooler(index, hidden: spec.mlpHidden, k: spec.k ?? classCount)
      case .diffpool(let spec):
        let k = spec.k ?? classCount
        if let channels = spec.channels {
          add(
            key: "model[\(index)].channels", value: channels,
            perNodeFloats: product(3, channels), parameters: product(width, channels))
        }
        add(
          key: "model[\(index)].k", value: k, perNodeFloats: product(6, k),
          parameters: product(width, k))
      case .dense(let spec):
        let units = spec.units ?? classCount
        add(
          key: "model[\(index)].units", value: units, perNodeFloats: product(2, units),
          parameters: sum(product(width, units), units))
        width = units
      case .readout:
        break  // one row per graph: small next to the node rows
      default:
        break  // poolers that cannot cluster nodes: node-clustering configs reject them
      }
    }
    return MemoryEstimate(bytes: bytes, largestKey: largest.key, largestValue: largest.value)
  }

  /// The memory one of `jobs` parallel runs may use: 80% of the machine's
  /// physical memory, shared between the runs.
  public static func budget(jobs: Int) -> Int {
    ComputeEnvironment.physicalMemoryBytes / 10 * 8 / max(1, jobs)
  }

  /// `bytes` as a person reads it ("1.3 GB", "71 MB").
  public static func text(_ bytes: Int) -> String {
    bytes >= 1_000_000_000
      ? String(format: "%.1f GB", Double(bytes) / 1e9)
      : String(format: "%.0f MB", Double(bytes) / 1e6)
  }
}
