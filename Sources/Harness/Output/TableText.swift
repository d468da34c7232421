/// Text placed in the cells of the CSV and markdown tables, escaped so that
/// a name with a comma or a bar (e.g. a method "NeuNcut (W = A, GCS
/// encoder)") stays in its column.
public enum TableText {
  /// A CSV field (RFC 4180), quoted when it holds a comma, a quote or a line break.
  public static func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  /// A markdown table cell: bars escaped, line breaks as spaces.
  public static func markdownCell(_ text: String) -> String {
    String(text.map { $0.isNewline ? " " : $0 }).replacingOccurrences(of: "|", with: "\\|")
  }
}
