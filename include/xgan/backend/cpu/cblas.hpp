#pragma once
// The one place xgan declares the C BLAS interface. xtensor-blas (used for LAPACK in metrics/)
// brings its own cblas declarations (xflens), whose enum types differ from those of OpenBLAS's
// <cblas.h>; the two cannot meet in one translation unit. So xgan uses xtensor-blas's
// declarations everywhere; they bind to the same OpenBLAS symbols.
#include <xflens/cxxblas/drivers/cblas.h>

// OpenBLAS's own thread count (xgan sets it to 1 and parallelises GEMMs over TBB: backend/cpu.hpp).
extern "C" void openblas_set_num_threads(int);
