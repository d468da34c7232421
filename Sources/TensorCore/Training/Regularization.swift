/// The L2 penalty λ·Σ_W ‖W‖²_F over the listed weights, as an explicit loss
/// term (coupled to the gradient, unlike decoupled weight decay).
/// Cost O(#weights).
public func l2Penalty(_ weights: [Variable], lambda: Float) -> Variable {
  precondition(!weights.isEmpty, "l2Penalty over no weights")
  var total = sumOfSquares(weights[0])
  for w in weights.dropFirst() { total = total + sumOfSquares(w) }
  return total * lambda
}
