import GraphData
import TensorCore

/// The Weisfeiler-Lehman subtree kernel (Shervashidze et al. 2011), the WL
/// row of the MinCutPool paper's Table 2 (METHODS §3): start from node
/// labels ℓ₀ (the dataset's node labels, else the degree), and for
/// t = 1…h relabel every node by its label and the sorted multiset of its
/// neighbours' labels,
///
///   ℓ_t(v) = compress(ℓ_{t−1}(v), sort{ℓ_{t−1}(u) : u ∈ N(v)}),
///
/// with one compression dictionary per iteration shared by all graphs. A
/// graph's feature vector φ(G) counts each label of each iteration 0…h; the
/// kernel is K(G, G') = ⟨φ(G), φ(G')⟩, normalised to
/// K(G, G')/√(K(G, G) K(G', G')).
public enum WeisfeilerLehman {
  /// φ of every graph as a sparse n×L count matrix (L = labels of all
  /// iterations), for adjacencies `graphs` (self-loops ignored) and initial
  /// labels `labels` (one array per graph). Cost O(h · Σ (N_g + E_g log deg)).
  public static func features(
    graphs: [SparseMatrix], labels initial: [[Int]], iterations h: Int
  ) -> SparseMatrix {
    precondition(graphs.count == initial.count, "WeisfeilerLehman: one label array per graph")
    var entries: [(row: Int, column: Int, value: Float)] = []
    var offset = 0  // column of the current iteration's first label
    var current = initial
    for iteration in 0...h {
      var dictionary: [[Int]: Int] = [:]
      var next: [[Int]] = []
      for (g, a) in graphs.enumerated() {
        precondition(current[g].count == a.rows, "WeisfeilerLehman: graph \(g)'s labels")
        var relabelled: [Int] = []
        relabelled.reserveCapacity(a.rows)
        for v in 0..<a.rows {
          var signature = [current[g][v]]
          if iteration > 0 {
            var neighbours: [Int] = []
            for p in Int(a.rowOffsets[v])..<Int(a.rowOffsets[v + 1])
            where Int(a.columnIndices[p]) != v {
              neighbours.append(current[g][Int(a.columnIndices[p])])
            }
            signature += neighbours.sorted()
          }
          let label: Int
          if let known = dictionary[signature] {
            label = known
          } else {
            label = dictionary.count
            dictionary[signature] = label
          }
          relabelled.append(label)
        }
        next.append(relabelled)
      }
      for (g, labels) in next.enumerated() {
        var counts: [Int: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        for (label, count) in counts {
          entries.append((g, offset + label, Float(count)))
        }
      }
      offset += dictionary.count
      current = next
    }
    return SparseMatrix(rows: graphs.count, columns: offset, entries: entries)
  }

  /// The normalised kernel of the rows of `phi` (n×n, row-major, Double):
  /// K_ij = ⟨φ_i, φ_j⟩/√(⟨φ_i, φ_i⟩⟨φ_j, φ_j⟩), 0 where a graph has no
  /// features. Computed as the sparse product Φ·Φᵀ. Cost O(Σ_i Σ_{l∈φ_i}
  /// |graphs with label l|).
  public static func normalizedKernel(_ phi: SparseMatrix) -> [Double] {
    let n = phi.rows
    let gram = phi.multiply(phi.transposed())
    var kernel = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for p in Int(gram.rowOffsets[i])..<Int(gram.rowOffsets[i + 1]) {
        kernel[i * n + Int(gram.columnIndices[p])] = Double(gram.values[p])
      }
    }
    let diagonal = (0..<n).map { kernel[$0 * n + $0] }
    for i in 0..<n {
      for j in 0..<n {
        let scale = (diagonal[i] * diagonal[j]).squareRoot()
        kernel[i * n + j] = scale > 0 ? kernel[i * n + j] / scale : 0
      }
    }
    return kernel
  }

  /// The normalised WL kernel of a dataset's graphs with the paper's
  /// initial labels: the node labels where the dataset has them, else the
  /// degree (self-loops not counted). Cost: `features` plus
  /// `normalizedKernel`; n² doubles of memory.
  public static func kernel(of dataset: GraphClassificationDataset, iterations h: Int) -> [Double] {
    let labels = dataset.graphs.map { graph -> [Int] in
      if let nodeLabels = graph.nodeLabels { return nodeLabels }
      let a = graph.adjacency
      return (0..<a.rows).map { v in
        (Int(a.rowOffsets[v])..<Int(a.rowOffsets[v + 1])).filter { Int(a.columnIndices[$0]) != v }
          .count
      }
    }
    return normalizedKernel(
      features(graphs: dataset.graphs.map(\.adjacency), labels: labels, iterations: h))
  }
}
