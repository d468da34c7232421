// swift-tools-version: 6.0
import PackageDescription

/// Architecture (data flows one way):
///   system libraries (CBLAS, CLAPACKE, CARPACK, CHDF5, CLibSVM)
///     -> TensorCore (dense/CSR matrices, kernels, autodiff tape, Adam, RNG)
///     -> HDF5Store (typed HDF5 files), GraphData (datasets, formats, checksums)
///     -> Pooling (layers, poolers, losses)
///     -> Harness (training, checkpoints, benchmarks) -> gpool (command-line tool)
let package = Package(
  name: "GraphPooling",
  products: [
    .executable(name: "gpool", targets: ["gpool"]),
    .library(name: "TensorCore", targets: ["TensorCore"]),
    .library(name: "Pooling", targets: ["Pooling"]),
    .library(name: "Harness", targets: ["Harness"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
  ],
  targets: [
    // Thin system-library targets: the only places that import C.
    .systemLibrary(
      name: "CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CLAPACKE", pkgConfig: "lapacke",
      providers: [.apt(["liblapacke-dev"])]),
    .systemLibrary(
      name: "CARPACK", pkgConfig: "arpack",
      providers: [.apt(["libarpack2-dev"])]),
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5",
      providers: [.apt(["libhdf5-dev"])]),
    // libsvm's C-SVC (the WL kernel baseline); Debian ships no .pc file.
    .systemLibrary(name: "CLibSVM", providers: [.apt(["libsvm-dev"])]),
    // glibc's malloc.h (mallopt), part of libc: no package to install.
    .systemLibrary(name: "CMalloc"),

    .target(name: "TensorCore", dependencies: ["CBLAS", "CLAPACKE", "CARPACK", "CMalloc"]),
    .target(name: "HDF5Store", dependencies: ["CHDF5"]),
    .target(
      name: "GraphData",
      dependencies: [
        "TensorCore", "HDF5Store", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ]),
    .target(name: "Pooling", dependencies: ["TensorCore"]),
    .target(
      name: "Harness", dependencies: ["TensorCore", "HDF5Store", "GraphData", "Pooling", "CLibSVM"]),
    .target(
      name: "Fuzzing",
      dependencies: [
        "Harness", "GraphData", "TensorCore",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ]),
    .executableTarget(
      name: "gpool",
      dependencies: [
        "Harness", "GraphData", "Pooling", "TensorCore", "Fuzzing",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
    .testTarget(name: "HDF5StoreTests", dependencies: ["HDF5Store"]),
    .testTarget(name: "GraphDataTests", dependencies: ["GraphData", "TensorCore"]),
    .testTarget(name: "PoolingTests", dependencies: ["Pooling", "TensorCore"]),
    .testTarget(
      name: "HarnessTests",
      dependencies: ["Harness", "GraphData", "Pooling", "TensorCore", "HDF5Store"]),
    .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "GraphData"]),
    // Runs the built gpool executable on bad input (exit status, messages).
    .testTarget(name: "CommandLineTests", dependencies: ["Fuzzing"]),
  ],
  swiftLanguageModes: [.v6]
)
