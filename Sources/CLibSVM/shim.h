// libsvm (Debian libsvm-dev ships no pkg-config file; the header and the
// library are at the system paths).
#include <libsvm/svm.h>
