import TensorCore

/// Node decimation (NDP; Bianchi, Grattarola, Livi, Alippi 2020), as
/// METHODS §3 describes the Table 2 baseline. Per graph and level:
///
/// 1. Per connected component with more than one node, v = the unit
///    eigenvector of the largest eigenvalue of the component's symmetric
///    Laplacian L_s = I − D^-1/2 A D^-1/2 (self-loops ignored and an
///    isolated node given a zero row, as in SciPy's normalised Laplacian
///    that the NDP code uses). Entries
///    within 1e-6·max|v| of 0 count as 0 (their sign is rounding), and the
///    sign of v is fixed so that its first nonzero entry is positive (the
///    NDP code takes whatever sign its solver returns; a fixed rule makes
///    the kept half reproducible, also when entries tie in magnitude).
/// 2. Keep the nodes with v_i ≥ 0 (and every isolated node): z_i = +1
///    kept, −1 dropped. Per component because on a disconnected graph the
///    top eigenvector of the whole L_s lives on one component: the NDP
///    code's single eigenvector (ARPACK from v0 = 1) then splits the other
///    components by the signs of its Lanczos residue, which approximate
///    those components' own top eigenvectors only by accident, and a
///    converged solver leaves them at 0 — all kept, and the cut check falls
///    back to a random split (on Bench-hard, whose graphs have about three
///    components, for 95% of the graphs). Each component's own eigenvector
///    is that split made deterministic.
/// 3. If the cut zᵀLz / (2·ΣA) — the fraction of the edge weight between
///    the two sides, self-loops left out of ΣA — is below 0.5, or the graph
///    has no edge, use a random
///    split instead (each node kept with probability ½, from `random`).
/// 4. At most one node kept: the coarse graph is one node (the first kept,
///    else node 0) without edges.
/// 5. Otherwise the Kron reduction L' = L_pp − L_pn L_nn⁻¹ L_np
///    (`KronReduction`, 1e-6·I added to a singular L_nn); A' = −L' with a
///    zero diagonal; entries with |a'_ij| ≤ `sparsifyThreshold` dropped.
///
/// The features of the kept nodes pass through unchanged (`Coarsening`'s
/// cluster c is the c-th kept node; dropped nodes map to −1). Not
/// trainable: computed once per graph and level. Cost: the eigenvector
/// (LAPACK for n ≤ 20, else ARPACK Lanczos: O(nnz) per iteration) plus the
/// dense Kron reduction, O(n³) in the worst case.
public enum NodeDecimation {
  /// How one graph was decimated, for reports.
  public struct Outcome: Sendable, Equatable {
    public var coarsening: Coarsening
    /// The spectral split was replaced by a random one.
    public var usedRandomSplit: Bool
    /// L_nn was singular and shifted by 1e-6·I.
    public var regularised: Bool
    /// The eigensolver failed and a random ±1 vector replaced v (the NDP
    /// code's fallback).
    public var eigensolverFailed: Bool
  }

  public static let defaultSparsifyThreshold: Float = 1e-2

  /// One level. `random` draws the fallback split (and nothing else).
  public static func decimate(
    _ a: SparseMatrix, sparsifyThreshold: Float = defaultSparsifyThreshold,
    random: inout RandomSource
  ) throws(KronReductionError) -> Outcome {
    let n = a.rows
    precondition(a.columns == n, "NDP: the adjacency must be square")
    guard n > 1 else {
      return Outcome(
        coarsening: Coarsening(
          clusterOf: Array(0..<n), clusterCount: n,
          adjacency: SparseMatrix(rows: n, columns: n, entries: [])),
        usedRandomSplit: false, regularised: false, eigensolverFailed: false)
    }
    var eigensolverFailed = false
    var keep = [Bool](repeating: true, count: n)
    for component in connectedComponents(a) where component.count > 1 {
      let block = a.selectingRows(component).selectingColumns(component)
      if let v = try? largestLaplacianEigenvector(block) {
        let zero = 1e-6 * (v.map(abs).max() ?? 0)
        let sign: Float = (v.first { abs($0) > zero } ?? 1) < 0 ? -1 : 1
        for (local, node) in component.enumerated() { keep[node] = sign * v[local] >= -zero }
      } else {
        eigensolverFailed = true
        for node in component { keep[node] = random.next() & 1 == 0 }
      }
    }
    var usedRandomSplit = false
    let cut = cutFraction(a, keep: keep)
    if cut.map({ $0 < 0.5 }) ?? true {
      usedRandomSplit = true
      for i in 0..<n { keep[i] = random.next() & 1 == 0 }
    }
    let kept = (0..<n).filter { keep[$0] }
    if kept.count <= 1 {
      var clusterOf = [Int](repeating: -1, count: n)
      clusterOf[kept.first ?? 0] = 0
      return Outcome(
        coarsening: Coarsening(
          clusterOf: clusterOf, clusterCount: 1,
          adjacency: SparseMatrix(rows: 1, columns: 1, entries: [])),
        usedRandomSplit: usedRandomSplit, regularised: false,
        eigensolverFailed: eigensolverFailed)
    }
    let reduced = try KronReduction.reduce(adjacency: a, keeping: kept)
    let p = kept.count
    var entries: [(row: Int, column: Int, value: Float)] = []
    for i in 0..<p {
      for j in 0..<p where j != i {
        let weight = Float(-reduced.laplacian[i * p + j])
        if abs(weight) > sparsifyThreshold { entries.append((i, j, weight)) }
      }
    }
    var clusterOf = [Int](repeating: -1, count: n)
    for (index, node) in kept.enumerated() { clusterOf[node] = index }
    return Outcome(
      coarsening: Coarsening(
        clusterOf: clusterOf, clusterCount: p,
        adjacency: SparseMatrix(rows: p, columns: p, entries: entries)),
      usedRandomSplit: usedRandomSplit, regularised: reduced.regularised,
      eigensolverFailed: eigensolverFailed)
  }

  /// The connected components of the graph (edges in either direction,
  /// self-loops ignored), each as its ascending node list, ordered by their
  /// first node. Cost O(N + nnz).
  static func connectedComponents(_ a: SparseMatrix) -> [[Int]] {
    let n = a.rows
    var neighbours = [[Int]](repeating: [], count: n)
    for i in 0..<n {
      for p in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
        let j = Int(a.columnIndices[p])
        if j != i && a.values[p] != 0 {
          neighbours[i].append(j)
          neighbours[j].append(i)
        }
      }
    }
    var component = [Int](repeating: -1, count: n)
    var result: [[Int]] = []
    for start in 0..<n where component[start] < 0 {
      var members = [start]
      component[start] = result.count
      var head = 0
      while head < members.count {
        for j in neighbours[members[head]] where component[j] < 0 {
          component[j] = result.count
          members.append(j)
        }
        head += 1
      }
      result.append(members.sorted())
    }
    return result
  }

  /// v of step 1: the eigenvector of L_s's largest eigenvalue, from L = D − A
  /// scaled by D^-1/2 in Double.
  static func largestLaplacianEigenvector(_ a: SparseMatrix) throws(EigensolverError) -> [Float] {
    let n = a.rows
    let degrees = a.rowSums()
    var entries: [(row: Int, column: Int, value: Float)] = []
    entries.reserveCapacity(a.nonzeroCount + n)
    var scaling = [Double](repeating: 0, count: n)
    for i in 0..<n {
      var selfLoop: Float = 0
      for q in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
        let j = Int(a.columnIndices[q])
        if j == i { selfLoop += a.values[q] } else { entries.append((i, j, -a.values[q])) }
      }
      entries.append((i, i, degrees[i] - selfLoop))
      // D without self-loops, as SciPy's normalised Laplacian ignores them.
      let degree = Double(degrees[i]) - Double(selfLoop)
      scaling[i] = degree > 0 ? 1 / degree.squareRoot() : 0
    }
    let laplacian = SparseMatrix(rows: n, columns: n, entries: entries)
    let pairs = try SymmetricEigensolver().largestEigenpairs(
      of: laplacian, symmetricScaling: scaling, count: 1)
    return (0..<n).map { pairs.eigenvectors[$0, 0] }
  }

  /// zᵀLz / (2·ΣA) for z = ±1 (kept / dropped): the fraction of the edge
  /// weight across the split; nil for a graph without edge weight.
  /// Self-loops are left out of ΣA: they cancel in L and can never be cut,
  /// so counting them (our TU graphs carry A + I) would push graphs into
  /// the random fallback for no reason.
  static func cutFraction(_ a: SparseMatrix, keep: [Bool]) -> Double? {
    var total = 0.0
    var across = 0.0
    for i in 0..<a.rows {
      for q in Int(a.rowOffsets[i])..<Int(a.rowOffsets[i + 1]) {
        let j = Int(a.columnIndices[q])
        guard j != i else { continue }
        let w = Double(a.values[q])
        total += w
        if keep[i] != keep[j] { across += w }
      }
    }
    // zᵀLz = Σ_ij a_ij (z_i − z_j)²/2 = 2·across (ordered pairs).
    return total > 0 ? 2 * across / (2 * total) : nil
  }

  /// `levels` successive levels, each decimating the previous coarse graph.
  public static func pyramid(
    _ a: SparseMatrix, levels: Int, sparsifyThreshold: Float = defaultSparsifyThreshold,
    random: inout RandomSource
  ) throws(KronReductionError) -> [Outcome] {
    var graph = a
    var result: [Outcome] = []
    for _ in 0..<levels {
      let level = try decimate(graph, sparsifyThreshold: sparsifyThreshold, random: &random)
      result.append(level)
      graph = level.coarsening.adjacency
    }
    return result
  }
}
