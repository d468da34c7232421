/// The pinned SHA-256 of every benchmark file the loaders read, so a
/// corrupt or different copy is caught before it is parsed.
///
/// Values for files in the offline mirror are copied from its `SHA256SUMS`
/// (produced with `sha256sum`); files the mirror lacks are listed without a
/// pinned sum and are read unchecked.
public enum DataManifest {
  /// One known file: its path under the data directory and its pinned sum.
  public struct Entry: Hashable, Sendable {
    /// Path relative to the data directory, e.g. `planetoid/cora/ind.cora.x`.
    public let relativePath: String
    /// Lower-case hex SHA-256, or `nil` when no trusted copy was available
    /// to pin.
    public let sha256: String?

    /// The last path component (`ind.cora.x`).
    public var fileName: String {
      relativePath.split(separator: "/").last.map(String.init) ?? relativePath
    }
  }

  /// Every known file.
  public static let entries: [Entry] = [
    // Cora (tkipf/gcn @39a4089 gcn/data/, identical in kimiyoung/planetoid data/).
    Entry(
      relativePath: "planetoid/cora/ind.cora.x",
      sha256: "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab"),
    Entry(
      relativePath: "planetoid/cora/ind.cora.y",
      sha256: "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1"),
    Entry(
      relativePath: "planetoid/cora/ind.cora.tx",
      sha256: "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a"),
    Entry(
      relativePath: "planetoid/cora/ind.cora.ty",
      sha256: "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad"),
    Entry(
      relativePath: "planetoid/cora/ind.cora.allx",
      sha256: "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543"),
    Entry(
      relativePath: "planetoid/cora/ind.cora.ally",
      sha256: "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71"),
    Entry(
      relativePath: "planetoid/cora/ind.cora.graph",
      sha256: "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d"),
    Entry(
      relativePath: "planetoid/cora/ind.cora.test.index",
      sha256: "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875"),
    // Citeseer.
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.x",
      sha256: "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6"),
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.y",
      sha256: "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924"),
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.tx",
      sha256: "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21"),
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.ty",
      sha256: "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce"),
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.allx",
      sha256: "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668"),
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.ally",
      sha256: "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95"),
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.graph",
      sha256: "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7"),
    Entry(
      relativePath: "planetoid/citeseer/ind.citeseer.test.index",
      sha256: "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4"),
    // Pubmed. The offline mirror lacks ind.pubmed.allx; its sum is the one published
    // with the mirror (shared/data/README.md), and the substitute below stands in for it.
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.x",
      sha256: "fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33"),
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.y",
      sha256: "e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3"),
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.tx",
      sha256: "4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d"),
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.ty",
      sha256: "ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd"),
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.allx",
      sha256: "508e538e2abdccdd54c4d3e9f49d638b4af7107d85845f66ddea5a5152658b7e"),
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.ally",
      sha256: "0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e"),
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.graph",
      sha256: "5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9"),
    Entry(
      relativePath: "planetoid/pubmed/ind.pubmed.test.index",
      sha256: "b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5"),
    // The substitute for ind.pubmed.allx: the same rows rounded to 6 significant
    // digits, as CSR arrays in an npz (see `substitutes`).
    Entry(
      relativePath: "planetoid/pubmed/pubmed-allx-6sig.npz",
      sha256: "bd97b22b8bd4813b0c54bafc3d1df001df9ca94a799c6cbaf3c4c60a182daf02"),
    // TU Dortmund archives, 2016 release (bknyaz/graph_nn @72eaa1c data/).
    Entry(
      relativePath: "tu/PROTEINS.zip",
      sha256: "fe9d19741637486ea1fd285bf669fce0b117e10b03cdd379f6a5e6197fc830ae"),
    Entry(
      relativePath: "tu/Mutagenicity.zip",
      sha256: "eedcb94a7f19eabfeda39236c719c2e25e1f0eca9a391e67a4d440bdc0f349ef"),
    Entry(
      relativePath: "tu/MUTAG.zip",
      sha256: "20f52db82d6d85d5f67d2fa42c3fb705d05934be44329314ab17b05d0c012f7e"),
    Entry(
      relativePath: "tu/NCI1.zip",
      sha256: "eae6b0c076d59e667c67de0039cfc3214eefb91a8dddc2fa3099126da02d4376"),
    // GIN/DGCNN text archives (yeweiysh/IHGNN @b172146 data/).
    Entry(
      relativePath: "gin/DD.zip",
      sha256: "0ce3eca1f096ce77ff6fb2287b2b45d0d6991ca1f15734fc873a1003ac79c34d"),
    Entry(
      relativePath: "gin/COLLAB.zip",
      sha256: "9ecf84c958ac765b9e0f878f4bd002fec20926e0c3d037cb753ab251f59b41f3"),
    Entry(
      relativePath: "gin/REDDIT-BINARY.zip",
      sha256: "c45536bdd84db7a4913fd6a45ae7616a12a02bf1f444a4effbce903524d62121"),
    // Bench small versions (FilippoMB/Benchmark_dataset_for_graph_classification @d834ecf
    // datasets/); the full versions are generated (BenchGenerator), never pinned.
    Entry(
      relativePath: "bench/easy_small.npz",
      sha256: "d7e6b211e866668c66229c6566efb0d6f2102be8d7ec36f3894da7928024fbac"),
    Entry(
      relativePath: "bench/hard_small.npz",
      sha256: "d9a91ce97c21f7a8c17ad3a5e470e9d16dc0f7f98c01787100b2f4ca23e54385"),
    // Vector datasets for NeuNcut: the MNIST test set (lijie2020/vae @6aa58ab,
    // byte-identical to the original distribution) and USPS as HDF5
    // (niuers/Learning-From-Data-A-Short-Course @879a698).
    Entry(
      relativePath: "vectors/mnist/t10k-images-idx3-ubyte.gz",
      sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    Entry(
      relativePath: "vectors/mnist/t10k-labels-idx1-ubyte.gz",
      sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    Entry(
      relativePath: "vectors/usps/usps.h5",
      sha256: "734f88c541104a956d88be2c95d03b4a463ffd74ccc2ba9c80841fb98e3fcb36"),
  ]

  /// A stand-in for a file that cannot be obtained offline.
  public struct Substitute: Hashable, Sendable {
    /// Relative path of the genuine file (which wins wherever it exists).
    public let original: String
    /// Relative path of the stand-in.
    public let substitute: String
    /// How the stand-in differs, for footnotes and logs.
    public let note: String
  }

  /// Files with a stand-in: Pubmed's `ind.pubmed.allx` (not in the offline
  /// mirror) is replaced by the same 18,717 × 500 rows rounded to 6
  /// significant digits (shared/data/README.md, "Pubmed substitute").
  public static let substitutes: [Substitute] = [
    Substitute(
      original: "planetoid/pubmed/ind.pubmed.allx",
      substitute: "planetoid/pubmed/pubmed-allx-6sig.npz",
      note: "features from pubmed-allx-6sig.npz, a substitute for ind.pubmed.allx rounded to "
        + "6 significant digits, not byte-identical to the original")
  ]

  /// The stand-in of a file name or relative path, if it has one.
  public static func substitute(for name: String) -> Substitute? {
    let fileName = name.split(separator: "/").last.map(String.init) ?? name
    return substitutes.first { $0.original.hasSuffix("/" + fileName) }
  }

  /// Entries by file name (`ind.cora.x`); the names are unique.
  private static let byName: [String: Entry] = Dictionary(
    entries.map { ($0.fileName, $0) }, uniquingKeysWith: { first, _ in first })

  /// The entry for a file name (`ind.cora.x`) or a relative path
  /// (`planetoid/cora/ind.cora.x`); `nil` if the file is unknown. Cost O(1).
  public static func entry(for name: String) -> Entry? {
    let fileName = name.split(separator: "/").last.map(String.init) ?? name
    return byName[fileName]
  }

  /// The pinned SHA-256 of a file name or relative path, `nil` if the file
  /// is unknown or has no pinned sum. Cost O(1).
  public static func pinnedSHA256(for name: String) -> String? {
    entry(for: name)?.sha256
  }

  /// Checks an already computed digest against the pinned sum of
  /// `expectedName`. Files without a pinned sum pass. Cost O(1).
  ///
  /// - Throws: `DatasetError.checksumMismatch` when the sums differ.
  public static func verify(digest: String, expectedName: String) throws {
    guard let pinned = pinnedSHA256(for: expectedName) else { return }
    let actual = digest.lowercased()
    guard actual == pinned else {
      let fileName = expectedName.split(separator: "/").last.map(String.init) ?? expectedName
      throw DatasetError.checksumMismatch(file: fileName, expected: pinned, actual: actual)
    }
  }

  /// Hashes the file at path `file` (streaming, 1 MiB chunks) and checks it
  /// against the pinned sum of `expectedName` (`ind.cora.x`). Files without
  /// a pinned sum pass. Returns the computed hex digest. Cost O(file size).
  ///
  /// - Throws: `DatasetError.checksumMismatch` when the sums differ,
  ///   `.fileNotFound` / `.unreadable` when the file cannot be read.
  @discardableResult
  public static func verify(file: String, expectedName: String) throws -> String {
    let digest = try SHA256.hexDigest(ofFileAt: file)
    try verify(digest: digest, expectedName: expectedName)
    return digest
  }
}
