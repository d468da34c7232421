import TensorCore

/// DiffPool (Ying et al., 2018) as in the MinCutPool paper's baselines
/// (Spektral 0.1.2), single-graph mode:
///
///   F   = normalise(A + I)                        (ε = 1e-7 after the √)
///   Z   = act(F X W_emb)        (N×C, no bias)
///   S   = softmax(F X W_pool)   (N×K, no bias)
///   L_LP = ‖A − SSᵀ‖_F  (optionally / N²),   L_E = mean_i(−Σ_k S_ik log(S_ik + 1e-7))
///   X'  = SᵀZ,  A' = SᵀAS  (no diagonal removal, no normalisation)
///
/// The link loss never forms the N×N matrix SSᵀ:
/// ‖A − SSᵀ‖²_F = ‖A‖²_F − 2 Tr(SᵀAS) + ‖SᵀS‖²_F, costing O(E·K + N·K²).
public struct DiffPool {
  public let embeddingKernel: Parameter
  public let poolingKernel: Parameter
  public let activation: Activation
  public let clusterCount: Int
  /// Divide L_LP by N² as PyG does (default false: the paper's code does not).
  public let divideLinkLossByNodeCountSquared: Bool

  public init(
    name: String, inputFeatures: Int, clusters: Int, channels: Int, activation: Activation,
    divideLinkLossByNodeCountSquared: Bool = false, initializer: Initializer = .glorotUniform,
    random: inout RandomSource
  ) {
    embeddingKernel = Parameter(
      name: "\(name)/kernel_embedding",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: channels, random: &random))
    poolingKernel = Parameter(
      name: "\(name)/kernel_pooling",
      value: initializer.matrix(fanIn: inputFeatures, fanOut: clusters, random: &random))
    self.activation = activation
    clusterCount = clusters
    self.divideLinkLossByNodeCountSquared = divideLinkLossByNodeCountSquared
  }

  public var parameters: [Parameter] { [embeddingKernel, poolingKernel] }

  /// The filter F = normalise(A + I) the layer convolves with; compute once
  /// per graph. Cost O(N + nnz).
  public static func filter(adjacency: SparseMatrix, epsilon: Float = 1e-7) -> SparseMatrix {
    adjacency.addingIdentity().normalizedWithEpsilon(epsilon)
  }

  /// L_LP = ‖A − SSᵀ‖_F via ‖A‖² − 2Tr(SᵀAS) + ‖SᵀS‖² (clamped at 0 against
  /// rounding). Cost O(E·K + N·K²).
  public static func linkPredictionLoss(
    assignments s: Variable, adjacency: SparseMatrix, divideByNodeCountSquared: Bool = false
  ) -> Variable {
    let squared =
      sumOfSquares(matmul(s, s, transposeA: true)) - 2 * traceOfQuadraticForm(adjacency, s)
      + adjacency.squaredFrobeniusNorm()
    let loss = sqrt(relu(squared))
    let n = Float(adjacency.rows)
    return divideByNodeCountSquared ? loss * (1 / (n * n)) : loss
  }

  /// L_E = mean_i(−Σ_k S_ik log(S_ik + 1e-7)). Cost O(N·K).
  public static func entropyLoss(assignments s: Variable) -> Variable {
    -sum(s * log(s + 1e-7)) * (1 / Float(s.rows))
  }

  /// L_LP on a dense (pooled) adjacency: ‖A − SSᵀ‖_F. Cost O(N²·K).
  public static func linkPredictionLoss(
    assignments s: Variable, denseAdjacency a: Variable, divideByNodeCountSquared: Bool = false
  ) -> Variable {
    let loss = frobeniusNorm(a - matmul(s, s, transposeB: true))
    let n = Float(a.rows)
    return divideByNodeCountSquared ? loss * (1 / (n * n)) : loss
  }
}

extension DiffPool: Pooler {
  public var penalisedKernels: [Parameter] { [embeddingKernel, poolingKernel] }

  public var lossKinds: [AuxiliaryLossKind] { [.linkPrediction, .entropy] }

  /// Pools each graph of the batch with F = normalise(A + I):
  /// S = softmax(F X W_pool), Z = act(F X W_emb), X'_g = S_gᵀZ_g,
  /// A'_g = S_gᵀA_gS_g (raw A, no normalisation), L_LP and L_E per graph,
  /// averaged over the graphs. A single graph takes the single-graph
  /// formulas (the node-clustering computation); a batch computes every
  /// graph's terms with whole-batch ops (`batched`). Cost per graph
  /// O(E_g·(K + C) + N_g·F·(K + C) + N_g·K²), O(N_g²·(K + C)) on dense input.
  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    if input.segments.count > 1 { return try batched(input, tape: tape) }
    let build = input.buildsPooledGraph
    let s: Variable
    let z: Variable?
    let linkLoss: Variable
    let pooledAdjacency: Variable?
    switch input.adjacency {
    case .sparse(let graph):
      (s, z) = sparseAssignments(graph, input.features, build: build, tape: tape)
      linkLoss = Self.linkPredictionLoss(
        assignments: s, adjacency: graph.adjacency,
        divideByNodeCountSquared: divideLinkLossByNodeCountSquared)
      pooledAdjacency = build ? matmul(s, matmul(graph.adjacency, s), transposeA: true) : nil
    case .denseBlocks(let a):
      guard case .dense(let x) = input.features else {
        throw PoolingError("DiffPool: dense pooled graphs come with dense features")
      }
      let filter = normalizePooledAdjacency(
        a + tape.constant(Matrix.identity(a.rows)), epsilon: 1e-7)
      s = softmax(matmul(filter, matmul(x, tape.parameter(poolingKernel))))
      z = build ? activation(matmul(filter, matmul(x, tape.parameter(embeddingKernel)))) : nil
      linkLoss = Self.linkPredictionLoss(
        assignments: s, denseAdjacency: a,
        divideByNodeCountSquared: divideLinkLossByNodeCountSquared)
      pooledAdjacency = build ? matmul(s, matmul(a, s), transposeA: true) : nil
    }
    return .soft(
      s, pooledFeatures: z.map { matmul(s, $0, transposeA: true) },
      pooledAdjacency: pooledAdjacency, clusterCount: clusterCount, graphCount: 1,
      losses: [
        AuxiliaryLoss(.linkPrediction, linkLoss),
        AuxiliaryLoss(.entropy, Self.entropyLoss(assignments: s)),
      ])
  }

  /// S = softmax(F X W_pool) and, when the pooled graph is built,
  /// Z = act(F X W_emb) with F the (block-diagonal) sparse filter.
  private func sparseAssignments(
    _ graph: SparseGraph, _ x: NodeFeatures, build: Bool, tape: Tape
  ) -> (Variable, Variable?) {
    let filter = graph.diffPoolFilter
    let s = softmax(matmul(filter, x.times(tape.parameter(poolingKernel))))
    let z = build ? activation(matmul(filter, x.times(tape.parameter(embeddingKernel)))) : nil
    return (s, z)
  }

  /// The batch of B > 1 graphs, each term for all graphs in one op. With
  /// F the block-diagonal filter (one sparse matrix, or `normalizedBlocks`
  /// of the dense blocks plus I), S and Z are one product each;
  /// L_LP,g = √(‖A_g‖² − 2 Σ_{i∈g}⟨s_i, (AS)_i⟩ + ‖S_gᵀS_g‖²) (clamped at 0),
  /// L_E,g = −(1/N_g) Σ_{i∈g} Σ_k s_ik log(s_ik + 1e-7), and (SᵀZ)_g, (SᵀAS)_g
  /// by `blockTransposeProduct`. Equal to the mean of the single-graph
  /// results up to rounding (tested).
  private func batched(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let segments = input.segments
    let (graphs, offsets) = (segments.count, segments.offsets)
    let nodeGraph = segments.segmentIDs
    let build = input.buildsPooledGraph
    let s: Variable
    let z: Variable?
    let propagated: Variable  // AS
    let adjacencySquaredNorms: Variable  // ‖A_g‖², B×1
    switch input.adjacency {
    case .sparse(let graph):
      (s, z) = sparseAssignments(graph, input.features, build: build, tape: tape)
      propagated = matmul(graph.adjacency, s)
      var norms = [Float](repeating: 0, count: graphs)
      let a = graph.adjacency
      for g in 0..<graphs {
        var total = 0.0
        for row in segments.range(of: g) {
          for p in Int(a.rowOffsets[row])..<Int(a.rowOffsets[row + 1]) {
            total += Double(a.values[p]) * Double(a.values[p])
          }
        }
        norms[g] = Float(total)
      }
      adjacencySquaredNorms = tape.constant(Matrix(rows: graphs, columns: 1, storage: norms))
    case .denseBlocks(let a):
      guard case .dense(let x) = input.features else {
        throw PoolingError("DiffPool: dense pooled graphs come with dense features")
      }
      var identities = Matrix(rows: a.rows, columns: a.columns)
      for g in 0..<graphs {
        for row in segments.range(of: g) {
          identities.storage[row * a.columns + row - offsets[g]] = 1
        }
      }
      let filter = normalizedBlocks(
        a + tape.constant(identities), offsets: offsets, epsilon: 1e-7, zeroingDiagonal: false)
      s = softmax(
        blockDiagonalProduct(filter, matmul(x, tape.parameter(poolingKernel)), offsets: offsets))
      z =
        build
        ? activation(
          blockDiagonalProduct(
            filter, matmul(x, tape.parameter(embeddingKernel)), offsets: offsets)) : nil
      propagated = blockDiagonalProduct(a, s, offsets: offsets)
      let norms = blockFrobeniusNorms(a, offsets: offsets)
      adjacencySquaredNorms = norms * norms
    }
    let k = clusterCount
    let pooledOffsets = (0...graphs).map { $0 * k }
    let assignmentNorms = blockFrobeniusNorms(
      blockTransposeProduct(s, s, offsets: offsets), offsets: pooledOffsets)
    let traces = sum(
      segmentSum(s * propagated, segments: nodeGraph, segmentCount: graphs), along: .columns)
    var link = sqrt(relu(adjacencySquaredNorms - 2 * traces + assignmentNorms * assignmentNorms))
    let sizes = (0..<graphs).map { Float(segments.range(of: $0).count) }
    if divideLinkLossByNodeCountSquared {
      link =
        link * tape.constant(Matrix(rows: graphs, columns: 1, storage: sizes.map { 1 / ($0 * $0) }))
    }
    let entropies =
      sum(segmentSum(s * log(s + 1e-7), segments: nodeGraph, segmentCount: graphs), along: .columns)
      * tape.constant(Matrix(rows: graphs, columns: 1, storage: sizes.map { -1 / $0 }))
    return .soft(
      s, pooledFeatures: z.map { blockTransposeProduct(s, $0, offsets: offsets) },
      pooledAdjacency: build ? blockTransposeProduct(s, propagated, offsets: offsets) : nil,
      clusterCount: k, graphCount: graphs,
      losses: [
        AuxiliaryLoss(.linkPrediction, mean(link)), AuxiliaryLoss(.entropy, mean(entropies)),
      ])
  }
}
