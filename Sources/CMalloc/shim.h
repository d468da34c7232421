// glibc's allocator tuning (mallopt and its M_* parameters), which Swift's
// Glibc module does not expose. Used by TensorCore's MemoryPolicy only.
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
