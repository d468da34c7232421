import Foundation
import GraphData
import XCTest

final class SHA256Tests: XCTestCase {
  // FIPS 180-4 / NIST example vectors.
  func testStandardVectors() {
    XCTAssertEqual(
      SHA256.hexDigest(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(
      SHA256.hexDigest(of: Array("abc".utf8)),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hexDigest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(
      SHA256.hexDigest(
        of: Array(
          ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
            + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8)),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
  }

  func testOneMillionAs() {
    XCTAssertEqual(
      SHA256.hexDigest(of: [UInt8](repeating: 0x61, count: 1_000_000)),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  func testChunkedUpdatesMatchOneShot() {
    // Lengths around the 55/56/64-byte padding boundaries, fed in odd chunks.
    for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
      let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
      let oneShot = SHA256.hexDigest(of: message)
      for chunk in [1, 3, 63, 64, 65] {
        var hasher = SHA256()
        var start = 0
        while start < message.count {
          let end = min(start + chunk, message.count)
          hasher.update(Array(message[start..<end]))
          start = end
        }
        XCTAssertEqual(hasher.finalizeHex(), oneShot, "length \(length), chunk \(chunk)")
      }
    }
  }

  func testFileDigestStreamsInChunks() throws {
    let directory = try temporaryDirectory(self)
    let message = [UInt8](repeating: 0x61, count: 1_000_000)
    try writeFile(message, directory, "a.bin")
    let path = (directory as NSString).appendingPathComponent("a.bin")
    let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    XCTAssertEqual(try SHA256.hexDigest(ofFileAt: path), expected)
    XCTAssertEqual(try SHA256.hexDigest(ofFileAt: path, chunkSize: 4099), expected)
    XCTAssertThrowsError(try SHA256.hexDigest(ofFileAt: path + ".missing")) { error in
      XCTAssertTrue("\(error)".contains("a.bin.missing not found"), "\(error)")
    }
  }

  func testDataFileMatchesSha256sumAndManifest() throws {
    let path = (try planetoidDirectory("cora") as NSString).appendingPathComponent("ind.cora.x")
    let digest = try SHA256.hexDigest(ofFileAt: path, chunkSize: 1000)
    XCTAssertEqual(digest, "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab")
    XCTAssertEqual(digest, DataManifest.pinnedSHA256(for: "ind.cora.x"))
    XCTAssertEqual(try DataManifest.verify(file: path, expectedName: "ind.cora.x"), digest)
    // The system tool, when present, agrees.
    let tool = "/usr/bin/sha256sum"
    guard FileManager.default.isExecutableFile(atPath: tool) else { return }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(
      String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init), digest)
  }

  func testManifestVerification() throws {
    // The genuine allx is pinned to its published sum though the mirror lacks it.
    XCTAssertEqual(
      DataManifest.pinnedSHA256(for: "ind.pubmed.allx"),
      "508e538e2abdccdd54c4d3e9f49d638b4af7107d85845f66ddea5a5152658b7e")
    XCTAssertEqual(
      DataManifest.substitute(for: "ind.pubmed.allx")?.substitute,
      "planetoid/pubmed/pubmed-allx-6sig.npz")
    XCTAssertNil(DataManifest.substitute(for: "ind.cora.allx"))
    XCTAssertEqual(
      Set(DataManifest.entries.map(\.fileName)).count, DataManifest.entries.count,
      "file names must be unique: entries are looked up by name")
    // Unknown files pass whatever their content.
    XCTAssertNoThrow(try DataManifest.verify(digest: "00", expectedName: "not-in-the-manifest"))
    XCTAssertThrowsError(try DataManifest.verify(digest: "00", expectedName: "ind.cora.y")) {
      error in
      XCTAssertEqual(
        "\(error)",
        "checksum mismatch for ind.cora.y: expected "
          + "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1, got 00 "
          + "(the file is corrupt or a different version; delete it and run `make data`)")
    }
  }

  func testManifestPinsEveryFileOfTheMirrorWithItsPublishedSum() throws {
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let sums = packageRoot.appendingPathComponent("../shared/data/SHA256SUMS").standardized.path
    guard let text = try? String(contentsOfFile: sums, encoding: .utf8) else {
      throw XCTSkip("no data mirror with SHA256SUMS beside the package")
    }
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count == 2 else { continue }
      let path = String(fields[1].drop { $0 == "." || $0 == "/" })
      if path == "SHA256SUMS" { continue }
      XCTAssertEqual(DataManifest.entry(for: path)?.sha256, String(fields[0]), path)
    }
  }
}
