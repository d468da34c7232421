import ArgumentParser
import Foundation
import GraphData
import Harness
import TensorCore

/// `gpool neuncut`: one NeuNcut run on a vector dataset with the
/// out-of-sample protocol (train on a seeded subset, assign every sample).
struct NeuNcutCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "neuncut",
    abstract:
      "Train NeuNcut on a seeded subset of a vector dataset and score seen and unseen samples.",
    discussion: """
      Rows are L2-normalised; the MLP (→512→512→K) is trained with the NeuNcut
      loss on each mini-batch's Gaussian affinity (METHODS §5: σ 3, γ 80,
      batch 1000, N // 1000 batches per epoch as the reference, Adam 5e-3
      with weight decay 1e-4, cosine schedule) on --train-fraction of the
      samples (seeded), then every sample is assigned with one forward pass.
      Prints ACC (Hungarian), NMI (arithmetic and geometric) and ARI for the
      training subset and for the unseen rest, and the times; --baselines
      adds k-means++ and spectral clustering (ARPACK on the symmetric k-NN
      graph) on all samples. One run; `make reproduce-neuncut` runs the
      experiment (10 seeds, configs in Configs/neuncut/, tables in
      results/neuncut/).
      """)

  @OptionGroup var data: DataDirectoryOption

  @Option(
    help:
      "Vector dataset: \(VectorDataset.names.joined(separator: ", ")), or blobs (seeded Gaussian blobs: --count, --dimensions, --clusters)."
  )
  var dataset = "mnist-test"

  @Option(help: "blobs: number of points (1…10,000,000).")
  var count = 1_000_000

  @Option(help: "blobs: dimensions.")
  var dimensions = 32

  @Option(help: "blobs: clusters.")
  var clusters = 10

  @Option(help: "Train on this many samples instead of --train-fraction.")
  var trainCount: Int?

  @Option(help: "Fraction of the samples trained on, in (0, 1].")
  var trainFraction = 0.5

  @Option(help: "Seed of the subset, the weights and the batches.")
  var seed: UInt64 = 0

  @Option(help: "Training epochs (1…10000).")
  var epochs = 300

  @Option(help: "σ of the Gaussian affinity (METHODS §5: 3).")
  var sigma: Float = 3

  @Option(help: "Adam's learning rate (METHODS §5: 5e-3).")
  var learningRate: Float = 5e-3

  @Flag(
    help:
      "Also cluster all samples with k-means++ (10 restarts) and with spectral clustering on the symmetric k-NN graph (--neighbours, --knn-sigma)."
  )
  var baselines = false

  @Option(help: "Neighbours per point of the spectral baseline's k-NN graph.")
  var neighbours = 10

  @Option(help: "σ of the spectral baseline's Gaussian edge weights (rows are unit-norm).")
  var knnSigma: Float = 1

  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    guard VectorDataset.names.contains(dataset) || dataset == "blobs" else {
      throw ValidationError(
        "unknown dataset '\(dataset)'; known: \(VectorDataset.names.joined(separator: ", "))")
    }
    guard (1...10_000_000).contains(count), (1...4096).contains(dimensions),
      (2...1000).contains(clusters), trainCount.map({ $0 >= 2 }) ?? true
    else {
      throw ValidationError(
        "--count must be in 1…10,000,000, --dimensions in 1…4096, --clusters in 2…1000, --train-count ≥ 2"
      )
    }
    guard trainFraction > 0 && trainFraction <= 1 else {
      throw ValidationError("--train-fraction must be in (0, 1], got \(trainFraction)")
    }
    guard sigma > 0 && sigma <= 1e3, learningRate > 0 && learningRate <= 1 else {
      throw ValidationError("--sigma must be in (0, 1000] and --learning-rate in (0, 1]")
    }
    guard neighbours >= 1, knnSigma > 0 else {
      throw ValidationError("--neighbours must be ≥ 1 and --knn-sigma positive")
    }
    guard (1...10_000).contains(epochs) else {
      throw ValidationError("--epochs must be in 1…10000, got \(epochs)")
    }
  }

  func run() throws {
    Threading.setThreadCount(threadOptions.threads ?? 1)
    let clock = ContinuousClock()
    let start = clock.now
    let vectors =
      dataset == "blobs"
      ? SyntheticVectors.blobs(
        count: count, dimensions: dimensions, clusters: clusters, seed: seed)
      : try VectorDataset.load(dataset, dataDirectory: data.resolved)
    logToStandardError(
      String(format: "data ready in %.1f s", (clock.now - start).seconds))
    let x = NeuNcutTraining.normalizedRows(vectors.features)
    var random = RandomSource(seed: seed)
    var order = Array(0..<x.rows)
    order.shuffle(using: &random)
    let trained = min(
      x.rows, self.trainCount ?? max(2, Int((Double(x.rows) * trainFraction).rounded())))
    let train = Array(order[..<trained]).sorted()
    let unseen = Array(order[trained...]).sorted()
    print(
      "\(dataset): \(x.rows) samples × \(x.columns) features, \(vectors.classCount) classes; "
        + "training on \(train.count), \(unseen.count) unseen (seed \(seed))")
    let model = NeuNcutModel(
      inputFeatures: x.columns, clusters: vectors.classCount, random: &random)
    var options = NeuNcutTraining.Options()
    options.epochs = epochs
    options.sigma = sigma
    options.learningRate = learningRate
    let trainStart = clock.now
    let losses = NeuNcutTraining.train(
      model, on: x, rows: train, options: options, random: &random
    ) { epoch, loss in
      if epoch % max(1, epochs / 10) == 0 || epoch == epochs {
        logToStandardError(String(format: "epoch %d/%d: loss %.4f", epoch, epochs, loss))
      }
    }
    let trainSeconds = (clock.now - trainStart).seconds
    let assignStart = clock.now
    let predicted = model.clusters(of: x) { done in
      logToStandardError("assigned \(done) of \(x.rows) samples")
    }
    let assignSeconds = (clock.now - assignStart).seconds
    for (name, rows) in [("trained on", train), ("unseen", unseen)] where !rows.isEmpty {
      let table = ContingencyTable(
        predicted: rows.map { predicted[$0] }, truth: rows.map { vectors.labels[$0] })
      let scores = ClusteringScores(table)
      let info = InformationMeasures(table)
      print(
        String(
          format: "%@ (%d): ACC %.4f, NMI %.4f (geometric %.4f), ARI %.4f", name, rows.count,
          scores.accuracy, scores.nmi, info.geometricNormalizedMutualInformation,
          table.adjustedRandIndex))
    }
    if baselines {
      func report(_ name: String, _ labels: [Int], _ seconds: Double) {
        let table = ContingencyTable(predicted: labels, truth: vectors.labels)
        let scores = ClusteringScores(table)
        print(
          String(
            format: "%@ (all %d): ACC %.4f, NMI %.4f (geometric %.4f), ARI %.4f in %.1f s", name,
            labels.count, scores.accuracy, scores.nmi,
            InformationMeasures(table).geometricNormalizedMutualInformation,
            table.adjustedRandIndex, seconds))
      }
      var baselineRandom = RandomSource(seed: seed)
      let kmeansStart = clock.now
      let kmeans = KMeans(clusterCount: vectors.classCount).fit(x, using: &baselineRandom)
      report("k-means++", kmeans.labels, (clock.now - kmeansStart).seconds)
      let spectralStart = clock.now
      let graph = NearestNeighbourGraph.build(x, neighbours: neighbours, sigma: knnSigma)
      let spectral = try SpectralClustering.cluster(
        adjacency: graph, clusters: vectors.classCount, random: &baselineRandom)
      report(
        "spectral, \(neighbours)-NN graph σ \(knnSigma)", spectral,
        (clock.now - spectralStart).seconds)
    }
    print(
      String(
        format: "final loss %.4f; training %.1f s, assigning all %d samples %.2f s, total %.1f s; "
          + "peak RSS %d MiB", losses.last ?? .nan, trainSeconds, x.rows, assignSeconds,
        (clock.now - start).seconds, ComputeEnvironment.peakResidentBytes >> 20))
  }
}
