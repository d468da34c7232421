#if os(Linux)
  import CMalloc
#endif

/// How the process allocator treats the large matrices a training step
/// allocates and frees thousands of times.
public enum MemoryPolicy {
  /// Makes glibc's malloc serve every allocation from its heaps and never
  /// give freed memory back to the kernel (no mmap for large blocks, no heap
  /// trimming). A step's N×C temporaries are then reused from the heap
  /// instead of being mapped, zero-filled page by page and unmapped again:
  /// at 200,000 nodes that page-fault work was about 14% of a MinCutPool step
  /// (measured with `perf`). The cost is that the peak footprint stays
  /// reserved until the process exits, which is what a training run needs
  /// anyway. Call once at start-up; a no-op where glibc is not used.
  public static func reuseFreedMemory() {
    #if os(Linux)
      _ = mallopt(M_MMAP_MAX, 0)
      _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
    #endif
  }
}
