/// A define-by-run tape for reverse-mode automatic differentiation.
///
/// Every differentiable op computes its forward value eagerly and records,
/// next to it, a *pullback*: a closure that maps the gradient of the loss with
/// respect to the op's output to the gradients with respect to its inputs.
/// `gradients(of:)` walks the records backwards (the recording order is a
/// topological order) and sums the gradients flowing into each node.
///
/// A tape is built for one forward pass and then discarded; it is not
/// thread-safe and must stay on one thread.
public final class Tape {
  /// Maps the output gradient to one gradient per input, in input order.
  /// `needsGradient[k]` is false when input `k` needs none, so the op may
  /// skip that work and return `nil` in its place.
  public typealias Pullback = (_ outputGradient: Matrix, _ needsGradient: [Bool]) -> [Matrix?]

  struct Node {
    let value: Matrix
    let inputs: [Int]
    let pullback: Pullback?
    let requiresGradient: Bool
    /// For a row slice (`recordRowSlice`): the first row of the input that
    /// the value's rows are; the gradient is added there in place. A `var`
    /// with a default so the memberwise initialiser may leave it out.
    var firstSliceRow: Int? = nil
  }

  private(set) var nodes: [Node] = []
  private var nodeOfParameter: [ObjectIdentifier: Int] = [:]
  private var parameters: [Parameter] = []

  public init() {}

  /// Number of recorded nodes.
  public var count: Int { nodes.count }

  /// A value that is not differentiated (data, masks, labels).
  public func constant(_ value: Matrix) -> Variable {
    nodes.append(Node(value: value, inputs: [], pullback: nil, requiresGradient: false))
    return Variable(tape: self, id: nodes.count - 1)
  }

  /// A trainable value. Registering the same parameter twice returns the
  /// same node, so its gradient is the sum over all its uses.
  public func parameter(_ parameter: Parameter) -> Variable {
    let key = ObjectIdentifier(parameter)
    if let id = nodeOfParameter[key] { return Variable(tape: self, id: id) }
    nodes.append(
      Node(value: parameter.value, inputs: [], pullback: nil, requiresGradient: true))
    nodeOfParameter[key] = nodes.count - 1
    parameters.append(parameter)
    return Variable(tape: self, id: nodes.count - 1)
  }

  /// Records the result of an op. The pullback is kept only if some input
  /// requires a gradient.
  public func record(_ value: Matrix, inputs: [Variable], pullback: @escaping Pullback)
    -> Variable
  {
    let ids = inputs.map { input in
      precondition(input.tape === self, "Variables from different tapes were combined")
      return input.id
    }
    let requires = ids.contains { nodes[$0].requiresGradient }
    nodes.append(
      Node(
        value: value, inputs: ids, pullback: requires ? pullback : nil,
        requiresGradient: requires))
    return Variable(tape: self, id: nodes.count - 1)
  }

  /// Records `value` = rows `firstRow ..< firstRow + value.rows` of `input`.
  /// Its gradient is added into those rows of the input's gradient in place,
  /// so slicing B graphs out of a batch costs O(batch) in the backward pass
  /// instead of B zero-padded, batch-sized gradients. The sums are those of
  /// the zero-padded pullbacks, up to the sign of a gradient entry that is
  /// exactly zero (0 + (−0) is +0).
  func recordRowSlice(_ value: Matrix, of input: Variable, firstRow: Int) -> Variable {
    precondition(input.tape === self, "Variables from different tapes were combined")
    let requires = nodes[input.id].requiresGradient
    nodes.append(
      Node(
        value: value, inputs: [input.id], pullback: nil, requiresGradient: requires,
        firstSliceRow: requires ? firstRow : nil))
    return Variable(tape: self, id: nodes.count - 1)
  }

  func value(of id: Int) -> Matrix { nodes[id].value }

  /// Gradients of the scalar `loss` (a 1×1 variable) with respect to every
  /// node that requires one. Cost: one pullback per recorded op, i.e. about
  /// the cost of the forward pass again.
  public func gradients(of loss: Variable) -> Gradients {
    precondition(loss.tape === self, "loss belongs to another tape")
    let lossValue = nodes[loss.id].value
    precondition(
      lossValue.rows == 1 && lossValue.columns == 1,
      "gradients(of:) needs a scalar loss, got \(lossValue.rows)×\(lossValue.columns)")
    var grads = [Matrix?](repeating: nil, count: nodes.count)
    grads[loss.id] = Matrix(scalar: 1)
    for id in stride(from: loss.id, through: 0, by: -1) {
      guard let g = grads[id] else { continue }
      if let firstRow = nodes[id].firstSliceRow {
        let input = nodes[id].inputs[0]
        if grads[input] == nil {
          grads[input] = Matrix(rows: nodes[input].value.rows, columns: nodes[input].value.columns)
        }
        grads[input]!.addRows(g, from: firstRow)
        grads[id] = nil
        continue
      }
      guard let pullback = nodes[id].pullback else { continue }
      let inputs = nodes[id].inputs
      let needs = inputs.map { nodes[$0].requiresGradient }
      let inputGrads = pullback(g, needs)
      precondition(inputGrads.count == inputs.count, "pullback returned the wrong count")
      for (k, input) in inputs.enumerated() where needs[k] {
        guard let gk = inputGrads[k] else { continue }
        precondition(
          gk.hasSameShape(as: nodes[input].value),
          "pullback gradient \(gk.rows)×\(gk.columns) for a "
            + "\(nodes[input].value.rows)×\(nodes[input].value.columns) input")
        if grads[input] == nil { grads[input] = gk } else { grads[input]!.add(gk) }
      }
      if !nodes[id].inputs.isEmpty { grads[id] = nil }  // free intermediate gradients early
    }
    return Gradients(byNode: grads, nodeOfParameter: nodeOfParameter, parameters: parameters)
  }
}

/// A node on a tape: the value of a constant, parameter or op result.
public struct Variable {
  public let tape: Tape
  public let id: Int

  /// The forward value.
  public var value: Matrix { tape.value(of: id) }
  public var rows: Int { value.rows }
  public var columns: Int { value.columns }
}

/// The gradients computed by `Tape.gradients(of:)`.
public struct Gradients {
  let byNode: [Matrix?]
  let nodeOfParameter: [ObjectIdentifier: Int]
  /// The parameters registered on the tape, in registration order.
  public let parameters: [Parameter]

  /// Gradient with respect to a leaf variable (constant or parameter);
  /// `nil` if the loss does not depend on it.
  public subscript(_ variable: Variable) -> Matrix? { byNode[variable.id] }

  /// Gradient with respect to a parameter; `nil` if it was not used.
  public subscript(_ parameter: Parameter) -> Matrix? {
    nodeOfParameter[ObjectIdentifier(parameter)].flatMap { byNode[$0] }
  }
}
