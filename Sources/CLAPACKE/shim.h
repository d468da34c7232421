// LAPACK's C interface (dense eigen-decompositions, factorisations).
#include <lapacke.h>
