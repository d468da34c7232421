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
  /// averaged over the graphs. On a sparse (block-diagonal) input F is one
  /// sparse product for the whole batch; on dense pooled graphs each graph
  /// has its own F_g. Cost per graph O(E_g·(K + C) + N_g·F·(K + C) +
  /// N_g·K²), O(N_g²·(K + C)) on dense input.
  public func callAsFunction(_ input: PoolingInput, tape: Tape) throws -> PoolingOutput {
    let batch = input.segments.count
    let build = input.buildsPooledGraph
    let pooling = tape.parameter(poolingKernel)
    let embedding = build ? tape.parameter(embeddingKernel) : nil
    var assignmentsPerGraph: [Variable] = []
    var embeddingsPerGraph: [Variable] = []
    var linkLosses: [Variable] = []
    var entropies: [Variable] = []
    var pooledFeatures: [Variable] = []
    var pooledAdjacencies: [Variable] = []
    switch input.adjacency {
    case .sparse(let graph):
      let filter = graph.diffPoolFilter
      let s = softmax(matmul(filter, input.features.times(pooling)))
      let z = embedding.map { activation(matmul(filter, input.features.times($0))) }
      for g in 0..<batch {
        let range = input.segments.range(of: g)
        let sg = batch == 1 ? s : rows(s, range)
        let a = batch == 1 ? graph.adjacency : graph.adjacency.diagonalBlock(range)
        linkLosses.append(
          Self.linkPredictionLoss(
            assignments: sg, adjacency: a,
            divideByNodeCountSquared: divideLinkLossByNodeCountSquared))
        entropies.append(Self.entropyLoss(assignments: sg))
        if let z {
          pooledFeatures.append(matmul(sg, batch == 1 ? z : rows(z, range), transposeA: true))
          pooledAdjacencies.append(matmul(sg, matmul(a, sg), transposeA: true))
        }
      }
      assignmentsPerGraph = [s]
    case .densePerGraph(let adjacencies):
      guard case .dense(let x) = input.features else {
        throw PoolingError("DiffPool: dense pooled graphs come with dense features")
      }
      for g in 0..<batch {
        let range = input.segments.range(of: g)
        let a = adjacencies[g]
        let n = a.rows
        let filter = normalizePooledAdjacency(
          a + tape.constant(Matrix.identity(n)), epsilon: 1e-7)
        let xg = batch == 1 ? x : rows(x, range)
        let sg = softmax(matmul(filter, matmul(xg, pooling)))
        assignmentsPerGraph.append(sg)
        linkLosses.append(
          Self.linkPredictionLoss(
            assignments: sg, denseAdjacency: a,
            divideByNodeCountSquared: divideLinkLossByNodeCountSquared))
        entropies.append(Self.entropyLoss(assignments: sg))
        if let embedding {
          let zg = activation(matmul(filter, matmul(xg, embedding)))
          embeddingsPerGraph.append(zg)
          pooledFeatures.append(matmul(sg, zg, transposeA: true))
          pooledAdjacencies.append(matmul(sg, matmul(a, sg), transposeA: true))
        }
      }
    }
    let s =
      assignmentsPerGraph.count == 1 ? assignmentsPerGraph[0] : concatenateRows(assignmentsPerGraph)
    let losses = [
      AuxiliaryLoss(.linkPrediction, meanOverGraphs(linkLosses)),
      AuxiliaryLoss(.entropy, meanOverGraphs(entropies)),
    ]
    return .soft(
      s, pooledFeatures: pooledFeatures, pooledAdjacencies: pooledAdjacencies,
      clusterCount: clusterCount, losses: losses)
  }
}
