# Checks of the compiler that builds xgan's own programs (tests, tool, benchmarks).
include(CheckCXXSourceRuns)

# GCC 12.2 (Debian 12's) miscompiles, for AVX-512 targets (-march=native on an AVX-512 CPU,
# x86-64-v4), a copy of a struct whose doubles are the constants {1, 1, 0, 0}: the SLP
# vectoriser broadcasts the first constant to all four (xgan's LabelOptions came out as real
# and fake targets all 1). This runs that pattern under FLAGS and sets OUT to TRUE when the
# result is wrong.
function(xgan_slp_constant_bug flags out)
  set(CMAKE_REQUIRED_FLAGS "-O2 ${flags}")
  set(CMAKE_REQUIRED_QUIET ON)
  check_cxx_source_runs([=[
    struct Labels { double real_low = 1, real_high = 1, fake_low = 0, fake_high = 0, flip = 0; };
    struct Defaults { int batch = 64; double lr = 2e-4, beta1 = 0.5, beta2 = 0.999; int epochs = 10; int init = 0; Labels labels{}; int steps = 1; };
    struct Options { double x = 0; Labels labels{}; double noise = 0; int init = 0; };
    static Defaults defaults() { Defaults d; d.batch = 64; d.beta2 = 0.9; d.init = 1; d.steps = 3; return d; }
    __attribute__((noinline)) Options options() { const Defaults d = defaults(); Options o; o.init = d.init; o.labels = d.labels; return o; }
    int main() { const Options o = options(); return o.labels.fake_low == 0 && o.labels.fake_high == 0 ? 0 : 1; }
  ]=] XGAN_SLP_CONSTANTS_RIGHT)
  if(XGAN_SLP_CONSTANTS_RIGHT)
    set(${out} FALSE PARENT_SCOPE)
  else()
    set(${out} TRUE PARENT_SCOPE)
  endif()
  unset(XGAN_SLP_CONSTANTS_RIGHT CACHE)
endfunction()
