import TensorCore

/// The outcome of spectral clustering.
public struct SpectralClusteringResult: Sendable {
  /// The cluster (0..<K) of each node.
  public let labels: [Int]
  /// The K leading eigenvalues of Ã = D^-1/2 A D^-1/2, descending.
  public let eigenvalues: [Double]
  /// The n×K spectral embedding: the leading eigenvectors with each row
  /// scaled to unit L2 norm (zero rows stay zero).
  public let embedding: Matrix
  /// The k-means inertia of the kept restart.
  public let inertia: Double
}

/// Spectral clustering, the baseline of MinCutPool's Table 1 (METHODS §6):
///
/// 1. Ã = D^-1/2 A D^-1/2 for the symmetric adjacency A (raw: no self-loops
///    added; isolated nodes give zero rows), the matrix of
///    `SparseMatrix.symmetricallyNormalized()` but with entries formed in
///    Double: rounded to Float, the repeated eigenvalue 1 splits into a
///    cluster ~1e-8 wide that ARPACK cannot resolve at machine-precision
///    tolerance (Cora: no converged pair after 10·n restarts);
/// 2. U = the K eigenvectors of Ã of largest algebraic eigenvalue (ARPACK
///    Lanczos, `SymmetricEigensolver`);
/// 3. each row of U scaled to unit L2 norm (Ng, Jordan & Weiss 2001), zero
///    rows (isolated nodes, whose entries vanish in every eigenvector of a
///    non-zero eigenvalue) left at zero;
/// 4. k-means on the rows (k-means++ initialisation, `restarts` restarts).
///
/// One `RandomSource(seed:)` draws the Lanczos starting vector's seed and
/// then every k-means draw, so a seed fixes the result (for a given thread
/// count).
///
/// On graphs with many connected components (Citeseer: 438, 48 of them
/// isolated nodes; Cora: 78) the eigenvalue 1 of Ã has multiplicity equal to
/// the number of non-trivial components, far above K. ARPACK then returns
/// *some* orthonormal basis of part of that eigenspace (how many copies of 1
/// it finds depends on the starting vector), which mostly separates small
/// components from the rest; this is expected and is why published
/// spectral-clustering scores on these graphs are poor.
///
/// Cost: the normalisation O(n + nnz); the eigensolver O(r·((ncv − K)·nnz +
/// n·ncv²)) for r implicit Lanczos restarts, ncv = max(2K + 1, 20) (see
/// `SymmetricEigensolver`); k-means O(restarts · iterations · n·K²).
public struct SpectralClustering: Sendable {
  /// K, the number of clusters (and of eigenvectors).
  public var clusterCount: Int
  /// k-means restarts (10 in the protocol).
  public var restarts: Int
  /// The eigensolver's settings; its `seed` is replaced by one drawn from
  /// the run's seed.
  public var eigensolver: SymmetricEigensolver

  public init(
    clusterCount: Int, restarts: Int = 10, eigensolver: SymmetricEigensolver = .init()
  ) {
    precondition(clusterCount >= 1, "spectral clustering needs K ≥ 1")
    self.clusterCount = clusterCount
    self.restarts = restarts
    self.eigensolver = eigensolver
  }

  /// Clusters the nodes of the graph with symmetric binary adjacency
  /// `adjacency` (n×n, n ≥ K) with a generator seeded by `seed`. Throws the
  /// eigensolver's error when ARPACK fails. Cost: see the type.
  public func fit(adjacency: SparseMatrix, seed: UInt64) throws(EigensolverError)
    -> SpectralClusteringResult
  {
    var rng = RandomSource(seed: seed)
    return try fit(adjacency: adjacency, using: &rng)
  }

  /// Clusters the nodes of `adjacency` as `fit(adjacency:seed:)`, drawing
  /// the eigensolver's seed and then the k-means draws from `rng`.
  public func fit(adjacency: SparseMatrix, using rng: inout RandomSource)
    throws(EigensolverError) -> SpectralClusteringResult
  {
    precondition(adjacency.rows == adjacency.columns, "the adjacency matrix must be square")
    precondition(adjacency.isSymmetric, "the adjacency matrix must be symmetric")
    let n = adjacency.rows
    precondition(n >= clusterCount, "\(clusterCount) clusters of \(n) nodes")
    var solver = eigensolver
    solver.seed = rng.next()
    // Ã = D^-1/2 A D^-1/2 as SparseMatrix.symmetricallyNormalized defines it,
    // but with its entries formed in Double (see the type's note on Float).
    let pairs = try solver.largestEigenpairs(
      of: adjacency, symmetricScaling: adjacency.degreeScaling(), count: clusterCount)

    // Row-normalise in Double; keep zero rows at zero.
    var embedding = pairs.eigenvectors
    let k = clusterCount
    embedding.storage.withUnsafeMutableBufferPointer { e in
      for i in 0..<n {
        var s = 0.0
        for j in 0..<k { s += Double(e[i * k + j]) * Double(e[i * k + j]) }
        guard s > 0 else { continue }
        let scale = 1 / s.squareRoot()
        for j in 0..<k { e[i * k + j] = Float(Double(e[i * k + j]) * scale) }
      }
    }
    let clustering = KMeans(clusterCount: k, restarts: restarts).fit(embedding, using: &rng)
    return SpectralClusteringResult(
      labels: clustering.labels, eigenvalues: pairs.eigenvalues, embedding: embedding,
      inertia: clustering.inertia)
  }

  /// The cluster of each node of `adjacency` into `clusters` clusters, with
  /// `kmeansRestarts` k-means restarts and the default eigensolver, drawing
  /// from `random` (the run's generator). Cost: see the type.
  public static func cluster(
    adjacency: SparseMatrix, clusters: Int, kmeansRestarts: Int = 10,
    random: inout RandomSource
  ) throws(EigensolverError) -> [Int] {
    try SpectralClustering(clusterCount: clusters, restarts: kmeansRestarts)
      .fit(adjacency: adjacency, using: &random).labels
  }
}
