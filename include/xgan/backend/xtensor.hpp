#pragma once
// The one place xgan includes xtensor and xtensor-blas.
// Debian ships xtensor 0.24.3 and xtensor-blas 0.20 with flat header paths
// (`xtensor/xtensor.hpp`); xtensor 0.26+ moved them into folders (`xtensor/containers/...`).
// Keeping every xtensor include here means a move to a newer xtensor changes one file.
// xtensor-blas calls LAPACK (e.g. dsyevd for xt::linalg::eigh): Debian's libopenblas exports
// the LAPACK symbols, so linking -lopenblas (CMake's BLAS::BLAS with BLA_VENDOR OpenBLAS) is enough.
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor-blas/xlinalg.hpp>
