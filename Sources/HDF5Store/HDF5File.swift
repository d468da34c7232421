import CHDF5
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An open HDF5 file: a small typed layer over the HDF5 C API for the few
/// things the harness stores (Float32 matrices, 1-D integer and Float64
/// arrays, scalar and string attributes).
///
/// Objects are named by slash-separated paths relative to the root group
/// (`"parameters/gcs1/kernel"`); writing creates the intermediate groups.
/// Every failure throws an `HDF5Error` naming the file and the object, and
/// HDF5's automatic error printing is switched off so nothing is written to
/// stderr. The file is closed by `close()` or, at the latest, on deinit.
///
/// The HDF5 library this links against is not thread-safe: use a file (and
/// HDF5 in general) from one thread at a time.
public final class HDF5File {
  /// The path the file was created or opened at; used in error messages.
  public let path: String
  /// Whether the file was created (writable) rather than opened read-only.
  public let isWritable: Bool
  /// The HDF5 file identifier, or -1 once closed.
  private var handle: hid_t

  private init(path: String, handle: hid_t, isWritable: Bool) {
    self.path = path
    self.handle = handle
    self.isWritable = isWritable
  }

  deinit {
    if handle >= 0 { _ = H5Fclose(handle) }
  }

  /// Creates a new file at `path`, replacing (truncating) any existing one,
  /// open for writing.
  public static func create(at path: String) throws -> HDF5File {
    silenceLibraryErrorPrinting()
    let accessList = try fileAccessList(path: path)
    defer { _ = H5Pclose(accessList) }
    let handle = H5Fcreate(path, gpool_h5f_acc_trunc(), gpool_h5p_default(), accessList)
    guard handle >= 0 else {
      throw HDF5Error.library(
        path: path, "cannot create (does the directory exist and is it writable?)")
    }
    return HDF5File(path: path, handle: handle, isWritable: true)
  }

  /// Opens the existing file at `path` read-only.
  public static func open(at path: String) throws -> HDF5File {
    silenceLibraryErrorPrinting()
    guard access(path, F_OK) == 0 else {
      throw HDF5Error(path: path, message: "cannot open (no such file)")
    }
    guard access(path, R_OK) == 0 else {
      throw HDF5Error(path: path, message: "cannot open (permission denied)")
    }
    let accessList = try fileAccessList(path: path)
    defer { _ = H5Pclose(accessList) }
    let handle = H5Fopen(path, gpool_h5f_acc_rdonly(), accessList)
    guard handle >= 0 else {
      throw HDF5Error.library(path: path, "cannot open (not an HDF5 file, or truncated)")
    }
    return HDF5File(path: path, handle: handle, isWritable: false)
  }

  /// Flushes and closes the file. Throws if HDF5 cannot finish writing it,
  /// which `deinit` could only ignore; call it before relying on the file
  /// being complete on disk. Closing twice is harmless; any other use after
  /// closing throws.
  public func close() throws {
    guard handle >= 0 else { return }
    let closing = handle
    handle = -1
    guard H5Fclose(closing) >= 0 else {
      throw HDF5Error.library(path: path, "cannot close (the file may be incomplete)")
    }
  }

  // MARK: - Datasets

  /// Writes a new rows×columns Float32 dataset from row-major `values`.
  /// Throws if an object with that name already exists.
  public func writeFloatMatrix(_ name: String, rows: Int, columns: Int, values: [Float]) throws {
    guard rows >= 0, columns >= 0, values.count == rows * columns else {
      throw HDF5Error(
        path: path,
        message: "cannot write dataset '\(display(name))': \(values.count) values "
          + "do not fill a \(rows)×\(columns) matrix")
    }
    try values.withUnsafeBytes { bytes in
      try writeDataset(
        name, dimensions: [rows, columns], type: gpool_h5t_native_float(), bytes: bytes)
    }
  }

  /// Reads a 2-D Float32 dataset as its shape and row-major values. Throws
  /// if it is missing, not 2-D, or not Float32.
  public func readFloatMatrix(_ name: String) throws -> (rows: Int, columns: Int, values: [Float]) {
    let (shape, values) = try readDataset(
      name, expecting: .float(bits: 32), rank: 2, memoryType: gpool_h5t_native_float(),
      zero: Float(0))
    return (shape[0], shape[1], values)
  }

  /// Writes a new 1-D Float32 dataset.
  public func writeFloatArray(_ name: String, _ values: [Float]) throws {
    try values.withUnsafeBytes { bytes in
      try writeDataset(
        name, dimensions: [values.count], type: gpool_h5t_native_float(), bytes: bytes)
    }
  }

  /// Reads a 1-D Float32 dataset. Throws if it is missing, not 1-D, or not
  /// Float32.
  public func readFloatArray(_ name: String) throws -> [Float] {
    try readDataset(
      name, expecting: .float(bits: 32), rank: 1, memoryType: gpool_h5t_native_float(),
      zero: Float(0)
    ).values
  }

  /// Writes a new 1-D UInt64 dataset.
  public func writeUInt64Array(_ name: String, _ values: [UInt64]) throws {
    try values.withUnsafeBytes { bytes in
      try writeDataset(
        name, dimensions: [values.count], type: gpool_h5t_native_uint64(), bytes: bytes)
    }
  }

  /// Reads a 1-D UInt64 dataset. Throws if it is missing, not 1-D, or not
  /// UInt64.
  public func readUInt64Array(_ name: String) throws -> [UInt64] {
    try readDataset(
      name, expecting: .unsignedInteger(bits: 64), rank: 1,
      memoryType: gpool_h5t_native_uint64(), zero: UInt64(0)
    ).values
  }

  /// Writes a new 1-D Int64 dataset.
  public func writeInt64Array(_ name: String, _ values: [Int64]) throws {
    try values.withUnsafeBytes { bytes in
      try writeDataset(
        name, dimensions: [values.count], type: gpool_h5t_native_int64(), bytes: bytes)
    }
  }

  /// Reads a 1-D Int32 dataset (e.g. USPS's labels). Throws if it is
  /// missing, not 1-D, or not Int32.
  public func readInt32Array(_ name: String) throws -> [Int32] {
    try readDataset(
      name, expecting: .signedInteger(bits: 32), rank: 1,
      memoryType: gpool_h5t_native_int32(), zero: Int32(0)
    ).values
  }

  /// Reads a 1-D Int64 dataset. Throws if it is missing, not 1-D, or not
  /// Int64.
  public func readInt64Array(_ name: String) throws -> [Int64] {
    try readDataset(
      name, expecting: .signedInteger(bits: 64), rank: 1,
      memoryType: gpool_h5t_native_int64(), zero: Int64(0)
    ).values
  }

  /// Writes a new 1-D Float64 dataset.
  public func writeDoubleArray(_ name: String, _ values: [Double]) throws {
    try values.withUnsafeBytes { bytes in
      try writeDataset(
        name, dimensions: [values.count], type: gpool_h5t_native_double(), bytes: bytes)
    }
  }

  /// Reads a 1-D Float64 dataset. Throws if it is missing, not 1-D, or not
  /// Float64.
  public func readDoubleArray(_ name: String) throws -> [Double] {
    try readDataset(
      name, expecting: .float(bits: 64), rank: 1, memoryType: gpool_h5t_native_double(),
      zero: Double(0)
    ).values
  }

  /// The dimensions of dataset `name` (empty for a scalar dataset), without
  /// reading its data.
  public func datasetShape(_ name: String) throws -> [Int] {
    let dataset = try openDataset(name)
    defer { _ = H5Dclose(dataset) }
    return try shape(of: dataset, name: name)
  }

  /// Whether `name` exists and is a dataset (not a group).
  public func hasDataset(_ name: String) -> Bool {
    guard (try? validateName(name, kind: "dataset")) != nil else { return false }
    return objectType(name) == H5I_DATASET
  }

  /// The paths of all datasets in group `group` (default: the whole file)
  /// and its subgroups, relative to the root and sorted, e.g.
  /// `["optimizer/first_moment/w", "parameters/w", "rng_state"]`. Empty when
  /// the group does not exist.
  public func listDatasets(under group: String = "/") -> [String] {
    guard handle >= 0, (try? validateObjectName(group)) != nil,
      objectType(group) == H5I_GROUP
    else { return [] }
    let start = display(group)
    let groupID = H5Gopen2(handle, start.isEmpty ? "/" : start, gpool_h5p_default())
    guard groupID >= 0 else { return [] }
    defer { _ = H5Gclose(groupID) }
    var found: [String] = []
    collectDatasets(in: groupID, prefix: start, depth: 0, into: &found)
    return found.sorted()
  }

  // MARK: - Attributes

  /// Writes (or replaces) the string attribute `name` on `object` (default:
  /// the root group). Stored as a variable-length UTF-8 string, which h5dump
  /// prints as text and h5py reads as `str`; any text round-trips exactly
  /// except text containing NUL, which such strings cannot hold (throws).
  public func writeAttribute(_ name: String, _ value: String, on object: String = "/") throws {
    guard !value.utf8.contains(0) else {
      throw HDF5Error(
        path: path,
        message: "cannot write \(attributeLabel(name, object)): the text contains a NUL "
          + "character, which HDF5 variable-length strings cannot hold")
    }
    let type = H5Tcopy(gpool_h5t_c_s1())
    guard type >= 0 else { throw HDF5Error.library(path: path, "cannot create a string type") }
    defer { _ = H5Tclose(type) }
    guard H5Tset_size(type, gpool_h5t_variable()) >= 0, H5Tset_cset(type, H5T_CSET_UTF8) >= 0
    else { throw HDF5Error.library(path: path, "cannot create a UTF-8 string type") }
    try writeAttribute(name, on: object, type: type) { attribute in
      value.withCString { text in
        // A variable-length string is written as a pointer to its C string.
        var pointer: UnsafePointer<CChar>? = text
        return withUnsafePointer(to: &pointer) { H5Awrite(attribute, type, $0) }
      }
    }
  }

  /// Writes (or replaces) the Int64 attribute `name` on `object`.
  public func writeAttribute(_ name: String, _ value: Int64, on object: String = "/") throws {
    try writeScalarAttribute(name, value, on: object, type: gpool_h5t_native_int64())
  }

  /// Writes (or replaces) the attribute `name` on `object` as an Int64.
  public func writeAttribute(_ name: String, _ value: Int, on object: String = "/") throws {
    try writeAttribute(name, Int64(value), on: object)
  }

  /// Writes (or replaces) the Float64 attribute `name` on `object`.
  public func writeAttribute(_ name: String, _ value: Double, on object: String = "/") throws {
    try writeScalarAttribute(name, value, on: object, type: gpool_h5t_native_double())
  }

  /// Writes (or replaces) the Float32 attribute `name` on `object`.
  public func writeAttribute(_ name: String, _ value: Float, on object: String = "/") throws {
    try writeScalarAttribute(name, value, on: object, type: gpool_h5t_native_float())
  }

  /// Reads the string attribute `name` on `object` (variable-length or
  /// fixed-length, as other tools may write either). Throws if it is
  /// missing, not a string, or not valid UTF-8.
  public func readStringAttribute(_ name: String, on object: String = "/") throws -> String {
    try withAttribute(name, on: object) { attribute, type, label in
      guard H5Tget_class(type) == H5T_STRING else {
        throw HDF5Error(
          path: path, message: "\(label) holds a \(ElementType(type)) value, expected a string")
      }
      // Reading with the file's own string type avoids any conversion.
      let memoryType = H5Tcopy(type)
      guard memoryType >= 0 else {
        throw HDF5Error.library(path: path, "cannot read \(label)")
      }
      defer { _ = H5Tclose(memoryType) }
      var bytes: [UInt8]
      if H5Tis_variable_str(type) > 0 {
        var pointer: UnsafeMutablePointer<CChar>? = nil
        let status = withUnsafeMutablePointer(to: &pointer) { H5Aread(attribute, memoryType, $0) }
        guard status >= 0 else { throw HDF5Error.library(path: path, "cannot read \(label)") }
        if let pointer {
          bytes = UnsafeBufferPointer(start: pointer, count: strlen(pointer)).map {
            UInt8(bitPattern: $0)
          }
          _ = H5free_memory(pointer)
        } else {
          bytes = []
        }
      } else {
        bytes = [UInt8](repeating: 0, count: H5Tget_size(type))
        let status = bytes.withUnsafeMutableBytes {
          H5Aread(attribute, memoryType, $0.baseAddress)
        }
        guard status >= 0 else { throw HDF5Error.library(path: path, "cannot read \(label)") }
        switch H5Tget_strpad(type) {
        case H5T_STR_NULLTERM: bytes = Array(bytes.prefix { $0 != 0 })
        case H5T_STR_SPACEPAD: while bytes.last == 0x20 { bytes.removeLast() }
        default: while bytes.last == 0 { bytes.removeLast() }
        }
      }
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw HDF5Error(path: path, message: "\(label) is not valid UTF-8 text")
      }
      return text
    }
  }

  /// Reads the Int64 attribute `name` on `object`. Throws if it is missing
  /// or not a single Int64.
  public func readInt64Attribute(_ name: String, on object: String = "/") throws -> Int64 {
    try readScalarAttribute(
      name, on: object, expecting: .signedInteger(bits: 64),
      memoryType: gpool_h5t_native_int64(), zero: Int64(0))
  }

  /// Reads the Float64 attribute `name` on `object`. Throws if it is missing
  /// or not a single Float64.
  public func readDoubleAttribute(_ name: String, on object: String = "/") throws -> Double {
    try readScalarAttribute(
      name, on: object, expecting: .float(bits: 64), memoryType: gpool_h5t_native_double(),
      zero: Double(0))
  }

  /// Reads the Float32 attribute `name` on `object`. Throws if it is missing
  /// or not a single Float32.
  public func readFloatAttribute(_ name: String, on object: String = "/") throws -> Float {
    try readScalarAttribute(
      name, on: object, expecting: .float(bits: 32), memoryType: gpool_h5t_native_float(),
      zero: Float(0))
  }

  /// Whether `object` (default: the root group) exists and has an attribute
  /// called `name`.
  public func hasAttribute(_ name: String, on object: String = "/") -> Bool {
    guard handle >= 0, (try? validateObjectName(object)) != nil, !name.isEmpty,
      !name.utf8.contains(0), objectType(object) != nil
    else { return false }
    return H5Aexists_by_name(handle, object, name, gpool_h5p_default()) > 0
  }
}

// MARK: - Implementation

extension HDF5File {
  /// The element type of a dataset or attribute, as far as the checks need.
  enum ElementType: Equatable, CustomStringConvertible {
    case float(bits: Int)
    case signedInteger(bits: Int)
    case unsignedInteger(bits: Int)
    case string
    case other(String)

    init(_ type: hid_t) {
      let bits = H5Tget_size(type) * 8
      switch H5Tget_class(type) {
      case H5T_FLOAT: self = .float(bits: bits)
      case H5T_INTEGER:
        self =
          H5Tget_sign(type) == H5T_SGN_NONE
          ? .unsignedInteger(bits: bits) : .signedInteger(bits: bits)
      case H5T_STRING: self = .string
      case H5T_COMPOUND: self = .other("compound")
      case H5T_ENUM: self = .other("enum")
      case H5T_ARRAY: self = .other("array")
      case H5T_VLEN: self = .other("variable-length sequence")
      case H5T_BITFIELD: self = .other("bitfield")
      case H5T_OPAQUE: self = .other("opaque")
      case H5T_REFERENCE: self = .other("reference")
      case H5T_TIME: self = .other("time")
      default: self = .other("unknown-type")
      }
    }

    var description: String {
      switch self {
      case .float(let bits): "float\(bits)"
      case .signedInteger(let bits): "int\(bits)"
      case .unsignedInteger(let bits): "uint\(bits)"
      case .string: "string"
      case .other(let name): name
      }
    }
  }

  /// The name as shown in messages: relative to the root, no leading slash.
  func display(_ name: String) -> String {
    name.hasPrefix("/") ? String(name.dropFirst()) : name
  }

  /// "3×4", "5", or "scalar" for a dataset shape.
  func describe(shape: [Int]) -> String {
    shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×")
  }

  func attributeLabel(_ name: String, _ object: String) -> String {
    display(object).isEmpty
      ? "root attribute '\(name)'" : "attribute '\(name)' of '\(display(object))'"
  }

  /// The open handle, or an error if the file was closed.
  func openHandle() throws -> hid_t {
    guard handle >= 0 else { throw HDF5Error(path: path, message: "the file is already closed") }
    return handle
  }

  /// The open handle, or an error if the file is closed or read-only.
  func writableHandle(for what: String) throws -> hid_t {
    let file = try openHandle()
    guard isWritable else {
      throw HDF5Error(path: path, message: "cannot write \(what): the file is open read-only")
    }
    return file
  }

  /// Rejects names HDF5 would silently reinterpret: empty, `a//b` (which
  /// it collapses), `.` components (the current group) and NUL bytes (which
  /// end a C string early).
  func validateName(_ name: String, kind: String) throws {
    let relative = display(name)
    let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
    guard !relative.isEmpty, !name.utf8.contains(0),
      parts.allSatisfy({ !$0.isEmpty && $0 != "." })
    else {
      throw HDF5Error(
        path: path,
        message: "invalid \(kind) name '\(name)' (empty, or with an empty or '.' path component)")
    }
  }

  /// Like `validateName` but also accepts the root group, `"/"`.
  func validateObjectName(_ name: String) throws {
    if name == "/" { return }
    try validateName(name, kind: "object")
  }

  /// The kind of object at `name`, or nil if there is none. Each link on
  /// the path is checked in turn because `H5Lexists` fails (rather than
  /// answering false) when an intermediate group is missing.
  func objectType(_ name: String) -> H5I_type_t? {
    guard handle >= 0 else { return nil }
    let relative = display(name)
    if relative.isEmpty { return H5I_GROUP }
    var prefix = ""
    for part in relative.split(separator: "/") {
      prefix += prefix.isEmpty ? String(part) : "/" + part
      guard H5Lexists(handle, prefix, gpool_h5p_default()) > 0 else { return nil }
    }
    let object = H5Oopen(handle, relative, gpool_h5p_default())
    guard object >= 0 else { return nil }
    defer { _ = H5Oclose(object) }
    return H5Iget_type(object)
  }

  static func silenceLibraryErrorPrinting() {
    // Failures are reported through thrown HDF5Errors instead, which carry
    // the library's message; the default handler would print whole stacks.
    _ = H5Eset_auto2(gpool_h5e_default(), nil, nil)
  }

  /// File access properties: a strong close degree, so closing the file
  /// really closes it even if some object were still open.
  static func fileAccessList(path: String) throws -> hid_t {
    let list = H5Pcreate(gpool_h5p_file_access())
    guard list >= 0 else {
      throw HDF5Error.library(path: path, "cannot create a file access property list")
    }
    guard H5Pset_fclose_degree(list, H5F_CLOSE_STRONG) >= 0 else {
      _ = H5Pclose(list)
      throw HDF5Error.library(path: path, "cannot set the file close degree")
    }
    return list
  }

  /// Link creation properties that create missing intermediate groups.
  func linkCreationList() throws -> hid_t {
    let list = H5Pcreate(gpool_h5p_link_create())
    guard list >= 0 else {
      throw HDF5Error.library(path: path, "cannot create a link creation property list")
    }
    guard H5Pset_create_intermediate_group(list, 1) >= 0 else {
      _ = H5Pclose(list)
      throw HDF5Error.library(path: path, "cannot enable intermediate group creation")
    }
    return list
  }

  /// Creation properties for a dataset or group (`kind`) without the
  /// object's modification time, so that equal contents give equal bytes
  /// (checkpoints of one state have one SHA-256).
  func untimedCreationList(_ kind: hid_t) throws -> hid_t {
    let list = H5Pcreate(kind)
    guard list >= 0 else {
      throw HDF5Error.library(path: path, "cannot create an object creation property list")
    }
    guard H5Pset_obj_track_times(list, false) >= 0 else {
      _ = H5Pclose(list)
      throw HDF5Error.library(path: path, "cannot turn off modification times")
    }
    return list
  }

  func writeDataset(
    _ name: String, dimensions: [Int], type: hid_t, bytes: UnsafeRawBufferPointer
  ) throws {
    let label = "dataset '\(display(name))'"
    let file = try writableHandle(for: label)
    try validateName(name, kind: "dataset")
    guard objectType(name) == nil else {
      throw HDF5Error(path: path, message: "cannot write \(label): an object with that name exists")
    }
    // HDF5's own message for a path through a dataset is obscure
    // ("message type not found"), so name the dataset in the way.
    var prefix = ""
    let groupProperties = try untimedCreationList(gpool_h5p_group_create())
    defer { _ = H5Pclose(groupProperties) }
    for part in display(name).split(separator: "/").dropLast() {
      prefix += prefix.isEmpty ? String(part) : "/" + part
      switch objectType(prefix) {
      case H5I_DATASET?:
        throw HDF5Error(
          path: path, message: "cannot write \(label): '\(prefix)' is a dataset, not a group")
      case nil:
        let group = H5Gcreate2(
          file, prefix, gpool_h5p_default(), groupProperties, gpool_h5p_default())
        guard group >= 0 else {
          throw HDF5Error.library(path: path, "cannot create group '\(prefix)' for \(label)")
        }
        _ = H5Gclose(group)
      default:
        continue
      }
    }
    let dims = dimensions.map { hsize_t($0) }
    let space = dims.withUnsafeBufferPointer {
      H5Screate_simple(Int32(dims.count), $0.baseAddress, nil)
    }
    guard space >= 0 else {
      throw HDF5Error.library(path: path, "cannot create the dataspace of \(label)")
    }
    defer { _ = H5Sclose(space) }
    let links = try linkCreationList()
    defer { _ = H5Pclose(links) }
    let datasetProperties = try untimedCreationList(gpool_h5p_dataset_create())
    defer { _ = H5Pclose(datasetProperties) }
    let dataset = H5Dcreate2(
      file, name, type, space, links, datasetProperties, gpool_h5p_default())
    guard dataset >= 0 else { throw HDF5Error.library(path: path, "cannot create \(label)") }
    defer { _ = H5Dclose(dataset) }
    // An empty dataset has nothing to write, and its buffer may have no address.
    guard !bytes.isEmpty else { return }
    let status = H5Dwrite(
      dataset, type, gpool_h5s_all(), gpool_h5s_all(), gpool_h5p_default(), bytes.baseAddress)
    guard status >= 0 else { throw HDF5Error.library(path: path, "cannot write \(label)") }
  }

  func openDataset(_ name: String) throws -> hid_t {
    let file = try openHandle()
    try validateName(name, kind: "dataset")
    let label = "dataset '\(display(name))'"
    guard let type = objectType(name) else {
      throw HDF5Error(path: path, message: "\(label) is missing")
    }
    guard type == H5I_DATASET else {
      throw HDF5Error(path: path, message: "'\(display(name))' is a group, not a dataset")
    }
    let dataset = H5Dopen2(file, name, gpool_h5p_default())
    guard dataset >= 0 else { throw HDF5Error.library(path: path, "cannot open \(label)") }
    return dataset
  }

  func shape(of dataset: hid_t, name: String) throws -> [Int] {
    let space = H5Dget_space(dataset)
    guard space >= 0 else {
      throw HDF5Error.library(path: path, "cannot read the shape of dataset '\(display(name))'")
    }
    defer { _ = H5Sclose(space) }
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank >= 0 else {
      throw HDF5Error.library(path: path, "cannot read the shape of dataset '\(display(name))'")
    }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    if rank > 0 {
      let status = dims.withUnsafeMutableBufferPointer {
        H5Sget_simple_extent_dims(space, $0.baseAddress, nil)
      }
      guard status >= 0 else {
        throw HDF5Error.library(path: path, "cannot read the shape of dataset '\(display(name))'")
      }
    }
    return dims.map { Int($0) }
  }

  /// Reads a whole dataset after checking its element type and rank.
  func readDataset<Element>(
    _ name: String, expecting expected: ElementType, rank: Int, memoryType: hid_t,
    zero: Element
  ) throws -> (shape: [Int], values: [Element]) {
    let label = "dataset '\(display(name))'"
    let dataset = try openDataset(name)
    defer { _ = H5Dclose(dataset) }
    let type = H5Dget_type(dataset)
    guard type >= 0 else {
      throw HDF5Error.library(path: path, "cannot read the type of \(label)")
    }
    defer { _ = H5Tclose(type) }
    let found = ElementType(type)
    guard found == expected else {
      throw HDF5Error(path: path, message: "\(label) holds \(found) values, expected \(expected)")
    }
    let shape = try shape(of: dataset, name: name)
    guard shape.count == rank else {
      throw HDF5Error(
        path: path,
        message: "\(label) has shape \(describe(shape: shape)), expected a \(rank)-D array")
    }
    // Sizes come from the file: a corrupted header can claim terabytes.
    // Check them against the file before allocating: an uncompressed
    // dataset (as this wrapper writes them) cannot be larger than the file;
    // a filtered (compressed) one, such as USPS's, cannot be larger than
    // DEFLATE's maximum ratio (1032:1) times the file.
    var count = 1
    for extent in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: extent)
      guard !overflow, extent >= 0 else {
        throw HDF5Error(
          path: path, message: "\(label) has an impossible shape \(describe(shape: shape))")
      }
      count = product
    }
    let fileBytes =
      (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? Int.max
    var filtered = false
    let creation = H5Dget_create_plist(dataset)
    if creation >= 0 {
      filtered = H5Pget_nfilters(creation) > 0
      _ = H5Pclose(creation)
    }
    let (capacity, capacityOverflow) = fileBytes.multipliedReportingOverflow(
      by: filtered ? 1032 : 1)
    let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
    guard !overflow, bytes <= (capacityOverflow ? Int.max : capacity) else {
      throw HDF5Error(
        path: path,
        message: "\(label) has shape \(describe(shape: shape)), more data than the "
          + "\(fileBytes)-byte file can hold\(filtered ? " even compressed" : "") (corrupted header?)"
      )
    }
    var values = [Element](repeating: zero, count: count)
    if count > 0 {
      let status = values.withUnsafeMutableBytes {
        H5Dread(
          dataset, memoryType, gpool_h5s_all(), gpool_h5s_all(), gpool_h5p_default(),
          $0.baseAddress)
      }
      guard status >= 0 else { throw HDF5Error.library(path: path, "cannot read \(label)") }
    }
    return (shape, values)
  }

  /// Appends the paths of the datasets below `group` to `found`.
  func collectDatasets(in group: hid_t, prefix: String, depth: Int, into found: inout [String]) {
    // Links can form cycles (a group linked below itself); no file we write
    // nests anywhere near this deep.
    guard depth < 64 else { return }
    var info = H5G_info_t()
    guard H5Gget_info(group, &info) >= 0 else { return }
    for index in 0..<info.nlinks {
      let length = H5Lget_name_by_idx(
        group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, gpool_h5p_default())
      guard length > 0 else { continue }
      var buffer = [CChar](repeating: 0, count: Int(length) + 1)
      let copied = H5Lget_name_by_idx(
        group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
        gpool_h5p_default())
      guard copied >= 0 else { continue }
      let linkName = String(
        decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let childPath = prefix.isEmpty ? linkName : prefix + "/" + linkName
      let child = H5Oopen(group, buffer, gpool_h5p_default())
      guard child >= 0 else { continue }
      defer { _ = H5Oclose(child) }
      switch H5Iget_type(child) {
      case H5I_DATASET: found.append(childPath)
      case H5I_GROUP: collectDatasets(in: child, prefix: childPath, depth: depth + 1, into: &found)
      default: break
      }
    }
  }

  /// Creates (replacing any existing one) a scalar attribute of file type
  /// `type` and fills it with `write`.
  func writeAttribute(
    _ name: String, on object: String, type: hid_t, write: (hid_t) -> herr_t
  ) throws {
    let label = attributeLabel(name, object)
    let file = try writableHandle(for: label)
    try validateObjectName(object)
    guard !name.isEmpty, !name.utf8.contains(0) else {
      throw HDF5Error(path: path, message: "invalid attribute name '\(name)'")
    }
    guard objectType(object) != nil else {
      throw HDF5Error(
        path: path, message: "cannot write \(label): there is no object '\(display(object))'")
    }
    if H5Aexists_by_name(file, object, name, gpool_h5p_default()) > 0 {
      guard H5Adelete_by_name(file, object, name, gpool_h5p_default()) >= 0 else {
        throw HDF5Error.library(path: path, "cannot replace \(label)")
      }
    }
    let space = H5Screate(H5S_SCALAR)
    guard space >= 0 else {
      throw HDF5Error.library(path: path, "cannot create the dataspace of \(label)")
    }
    defer { _ = H5Sclose(space) }
    let attribute = H5Acreate_by_name(
      file, object, name, type, space, gpool_h5p_default(), gpool_h5p_default(),
      gpool_h5p_default())
    guard attribute >= 0 else { throw HDF5Error.library(path: path, "cannot create \(label)") }
    defer { _ = H5Aclose(attribute) }
    guard write(attribute) >= 0 else {
      throw HDF5Error.library(path: path, "cannot write \(label)")
    }
  }

  func writeScalarAttribute<Value>(
    _ name: String, _ value: Value, on object: String, type: hid_t
  ) throws {
    try writeAttribute(name, on: object, type: type) { attribute in
      withUnsafeBytes(of: value) { H5Awrite(attribute, type, $0.baseAddress) }
    }
  }

  /// Opens attribute `name` on `object`, checks it holds a single value, and
  /// passes it, its type and its label to `body`.
  func withAttribute<Result>(
    _ name: String, on object: String,
    _ body: (_ attribute: hid_t, _ type: hid_t, _ label: String) throws -> Result
  ) throws -> Result {
    let label = attributeLabel(name, object)
    let file = try openHandle()
    try validateObjectName(object)
    guard objectType(object) != nil else {
      throw HDF5Error(
        path: path, message: "cannot read \(label): there is no object '\(display(object))'")
    }
    guard !name.isEmpty, !name.utf8.contains(0),
      H5Aexists_by_name(file, object, name, gpool_h5p_default()) > 0
    else { throw HDF5Error(path: path, message: "\(label) is missing") }
    let attribute = H5Aopen_by_name(
      file, object, name, gpool_h5p_default(), gpool_h5p_default())
    guard attribute >= 0 else { throw HDF5Error.library(path: path, "cannot open \(label)") }
    defer { _ = H5Aclose(attribute) }
    let space = H5Aget_space(attribute)
    guard space >= 0 else { throw HDF5Error.library(path: path, "cannot read \(label)") }
    defer { _ = H5Sclose(space) }
    let count = H5Sget_simple_extent_npoints(space)
    guard count == 1 else {
      throw HDF5Error(
        path: path, message: "\(label) holds \(count) values, expected a single value")
    }
    let type = H5Aget_type(attribute)
    guard type >= 0 else { throw HDF5Error.library(path: path, "cannot read \(label)") }
    defer { _ = H5Tclose(type) }
    return try body(attribute, type, label)
  }

  func readScalarAttribute<Value>(
    _ name: String, on object: String, expecting expected: ElementType, memoryType: hid_t,
    zero: Value
  ) throws -> Value {
    try withAttribute(name, on: object) { attribute, type, label in
      let found = ElementType(type)
      guard found == expected else {
        throw HDF5Error(
          path: path, message: "\(label) holds a \(found) value, expected \(expected)")
      }
      var value = zero
      let status = withUnsafeMutableBytes(of: &value) {
        H5Aread(attribute, memoryType, $0.baseAddress)
      }
      guard status >= 0 else { throw HDF5Error.library(path: path, "cannot read \(label)") }
      return value
    }
  }
}
