#pragma once
// The one place xgan includes xsimd (xtensor's SIMD library, a dependency of libxtensor-dev):
// explicit vector code for the loops compilers leave scalar (sqrt and tanh keep errno
// semantics, so GCC does not vectorise them on its own).
#include <xsimd/xsimd.hpp>
