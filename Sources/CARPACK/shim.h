// ARPACK-NG's ISO C binding (reverse-communication Lanczos / Arnoldi).
#include <arpack.h>
