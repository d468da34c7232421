import TensorCore

/// Node features entering a layer: a sparse constant (bag-of-words inputs
/// such as Cora's, kept in CSR so X·W costs O(nnz(X)·C)) or a dense variable
/// (the output of a previous layer).
public enum NodeFeatures {
  case sparse(SparseMatrix)
  case dense(Variable)

  /// Number of nodes (rows).
  public var nodeCount: Int {
    switch self {
    case .sparse(let x): x.rows
    case .dense(let x): x.rows
    }
  }

  /// Number of feature columns.
  public var featureCount: Int {
    switch self {
    case .sparse(let x): x.columns
    case .dense(let x): x.columns
    }
  }

  /// X as a dense variable on `tape` (a sparse X becomes a constant:
  /// features are data). Cost O(N·F) for sparse X, none for dense X.
  public func dense(on tape: Tape) -> Variable {
    switch self {
    case .dense(let x): x
    case .sparse(let x): tape.constant(x.toDense())
    }
  }

  /// X·W. Cost O(nnz(X)·C) for sparse X, O(N·F·C) for dense X.
  public func times(_ weights: Variable) -> Variable {
    switch self {
    case .sparse(let x): matmul(x, weights)
    case .dense(let x): matmul(x, weights)
    }
  }
}
