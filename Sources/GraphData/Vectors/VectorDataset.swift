import Foundation
import HDF5Store
import TensorCore

/// A labelled set of vectors (NeuNcut's data): one row per sample.
public struct VectorDataset: Sendable {
  public var name: String
  /// N×F features, as stored (MNIST: bytes / 255; USPS: [0, 1]).
  public var features: Matrix
  /// N labels in 0..<classCount.
  public var labels: [Int]
  public var classCount: Int
  /// The SHA-256 of each file read, by path relative to the data directory.
  public var fileChecksums: [String: String]
  /// When the dataset comes with a train/test split: the first this many
  /// rows are its training split, the rest its test split (USPS: 7,291).
  public var predefinedTrainCount: Int?

  public init(
    name: String, features: Matrix, labels: [Int], classCount: Int,
    fileChecksums: [String: String], predefinedTrainCount: Int? = nil
  ) {
    self.name = name
    self.features = features
    self.labels = labels
    self.classCount = classCount
    self.fileChecksums = fileChecksums
    self.predefinedTrainCount = predefinedTrainCount
  }

  /// The datasets `load` knows.
  public static let names = ["mnist-test", "usps"]

  /// Reads `name` from `dataDirectory`, every file checked against its
  /// pinned SHA-256 first:
  /// - `mnist-test`: the MNIST test set, 10,000 images of 28×28 bytes from
  ///   `vectors/mnist/t10k-{images-idx3,labels-idx1}-ubyte.gz`, scaled by
  ///   1/255 (784 features).
  /// - `usps`: USPS from `vectors/usps/usps.h5`, its 7,291 training and
  ///   2,007 test images (16×16 in [0, 1], 256 features) in that order,
  ///   9,298 samples (clustering uses no split).
  /// Cost O(file sizes).
  public static func load(
    _ name: String, dataDirectory: String, limits: ReaderLimits = .standard
  ) throws -> VectorDataset {
    switch name {
    case "mnist-test": return try loadMNISTTest(dataDirectory: dataDirectory, limits: limits)
    case "usps": return try loadUSPS(dataDirectory: dataDirectory)
    default:
      throw DatasetError.invalidContent(
        file: name, found: "an unknown vector dataset",
        expected: "one of \(names.joined(separator: ", "))")
    }
  }

  /// The bytes of `relative` under `directory`, checked against its pinned
  /// SHA-256, and the digest.
  static func checkedBytes(_ relative: String, in directory: String) throws -> (
    bytes: [UInt8], sha256: String
  ) {
    let path = "\(directory)/\(relative)"
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError.fileNotFound(path: path)
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DatasetError.unreadable(path: path, reason: "cannot open it")
    }
    let bytes = [UInt8](data)
    let digest = SHA256.hexDigest(of: bytes)
    try DataManifest.verify(digest: digest, expectedName: relative)
    return (bytes, digest)
  }

  static func loadMNISTTest(dataDirectory: String, limits: ReaderLimits) throws -> VectorDataset {
    let imagesFile = "vectors/mnist/t10k-images-idx3-ubyte.gz"
    let labelsFile = "vectors/mnist/t10k-labels-idx1-ubyte.gz"
    let images = try checkedBytes(imagesFile, in: dataDirectory)
    let labels = try checkedBytes(labelsFile, in: dataDirectory)
    let limit = limits.maximumUncompressedBytes
    let imageData = try IDXReader.read(
      try GzipReader.decompress(images.bytes, file: imagesFile, limit: limit), file: imagesFile)
    let labelData = try IDXReader.read(
      try GzipReader.decompress(labels.bytes, file: labelsFile, limit: limit), file: labelsFile)
    guard imageData.dimensions.count == 3 else {
      throw DatasetError.invalidContent(
        file: imagesFile, found: "dimensions \(imageData.dimensions)",
        expected: "N × rows × columns images")
    }
    let n = imageData.dimensions[0]
    guard labelData.dimensions == [n] else {
      throw DatasetError.invalidContent(
        file: labelsFile, found: "dimensions \(labelData.dimensions)",
        expected: "\(n) labels, one per image of \(imagesFile)")
    }
    if let bad = labelData.values.first(where: { $0 > 9 }) {
      throw DatasetError.invalidContent(
        file: labelsFile, found: "label \(bad)", expected: "digits 0-9")
    }
    let features = imageData.values.count / max(1, n)
    return VectorDataset(
      name: "mnist-test",
      features: Matrix(
        rows: n, columns: features, storage: imageData.values.map { Float($0) / 255 }),
      labels: labelData.values.map(Int.init), classCount: 10,
      fileChecksums: [imagesFile: images.sha256, labelsFile: labels.sha256])
  }

  static func loadUSPS(dataDirectory: String) throws -> VectorDataset {
    let relative = "vectors/usps/usps.h5"
    let (_, digest) = try checkedBytes(relative, in: dataDirectory)
    let path = "\(dataDirectory)/\(relative)"
    var rows: [Float] = []
    var labels: [Int] = []
    var width = 0
    var trainCount = 0
    let file = try HDF5File.open(at: path)
    for part in ["train", "test"] {
      let data: (rows: Int, columns: Int, values: [Float])
      let target: [Int32]
      do {
        data = try file.readFloatMatrix("/\(part)/data")
        target = try file.readInt32Array("/\(part)/target")
      } catch {
        throw DatasetError.invalidContent(
          file: relative, found: "\(error)",
          expected: "/\(part)/data (N×256 float32) and /\(part)/target (N int32)")
      }
      guard target.count == data.rows, width == 0 || width == data.columns else {
        throw DatasetError.invalidContent(
          file: relative,
          found: "\(data.rows)×\(data.columns) /\(part)/data, \(target.count) targets",
          expected: "one target per row and equal widths")
      }
      guard target.allSatisfy({ (0...9).contains($0) }),
        data.values.allSatisfy({ $0.isFinite })
      else {
        throw DatasetError.invalidContent(
          file: relative, found: "a target outside 0-9 or a non-finite value in /\(part)",
          expected: "digits 0-9 and finite pixels")
      }
      width = data.columns
      rows += data.values
      labels += target.map(Int.init)
      if part == "train" { trainCount = labels.count }
    }
    return VectorDataset(
      name: "usps", features: Matrix(rows: labels.count, columns: width, storage: rows),
      labels: labels, classCount: 10, fileChecksums: [relative: digest],
      predefinedTrainCount: trainCount)
  }
}
