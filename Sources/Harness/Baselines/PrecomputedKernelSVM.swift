import CLibSVM

/// A C-support-vector classifier on a precomputed kernel, through libsvm
/// (`svm_train` / `svm_predict` with `PRECOMPUTED` kernels; one-vs-one for
/// more than two classes, as libsvm does). Deterministic: no probability
/// estimates, so no random cross-validation inside libsvm.
public enum PrecomputedKernelSVM {
  /// libsvm prints its progress to stdout; results go through our tables.
  private static let silenced: Void = svm_set_print_string_function { _ in }

  /// Trains on the samples `train` (their labels in `labels`, indexed by
  /// sample) with the kernel `kernel` (n×n, row-major, over all samples)
  /// and penalty `c`, then predicts the samples `predict`. Throws when
  /// libsvm rejects the parameters. Cost: libsvm's training, about
  /// O(|train|²) kernel reads per pass, and O(|train|) per prediction.
  public static func trainAndPredict(
    kernel: [Double], sampleCount n: Int, labels: [Int], train: [Int], c: Double, predict: [Int]
  ) throws -> [Int] {
    precondition(kernel.count == n * n && labels.count == n, "PrecomputedKernelSVM: sizes")
    _ = silenced
    let l = train.count
    // Row i of the problem: [0: serial i + 1, 1…l: K(train_i, train_j), -1].
    let nodes = UnsafeMutablePointer<svm_node>.allocate(capacity: l * (l + 2))
    defer { nodes.deallocate() }
    let rows = UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>.allocate(capacity: l)
    defer { rows.deallocate() }
    let targets = UnsafeMutablePointer<Double>.allocate(capacity: l)
    defer { targets.deallocate() }
    for (r, i) in train.enumerated() {
      let row = nodes + r * (l + 2)
      row[0] = svm_node(index: 0, value: Double(r + 1))
      for (q, j) in train.enumerated() {
        row[q + 1] = svm_node(index: Int32(q + 1), value: kernel[i * n + j])
      }
      row[l + 1] = svm_node(index: -1, value: 0)
      rows[r] = row
      targets[r] = Double(labels[i])
    }
    var problem = svm_problem(l: Int32(l), y: targets, x: rows)
    var parameter = svm_parameter()
    parameter.svm_type = Int32(C_SVC)
    parameter.kernel_type = Int32(PRECOMPUTED)
    parameter.C = c
    parameter.eps = 1e-3
    parameter.cache_size = 100
    parameter.shrinking = 1
    parameter.probability = 0
    parameter.nr_weight = 0
    if let error = svm_check_parameter(&problem, &parameter) {
      throw PrecomputedKernelSVMError(message: String(cString: error))
    }
    var trained: UnsafeMutablePointer<svm_model>? = svm_train(&problem, &parameter)
    guard let model = trained else {
      throw PrecomputedKernelSVMError(message: "svm_train returned no model")
    }
    defer { svm_free_and_destroy_model(&trained) }
    let query = UnsafeMutablePointer<svm_node>.allocate(capacity: l + 2)
    defer { query.deallocate() }
    return predict.map { t in
      query[0] = svm_node(index: 0, value: 0)
      for (q, j) in train.enumerated() {
        query[q + 1] = svm_node(index: Int32(q + 1), value: kernel[t * n + j])
      }
      query[l + 1] = svm_node(index: -1, value: 0)
      return Int(svm_predict(model, query).rounded())
    }
  }
}

/// libsvm refused a problem or its parameters.
public struct PrecomputedKernelSVMError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { "libsvm: \(message)" }
}
