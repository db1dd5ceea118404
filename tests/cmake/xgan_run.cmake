# Helpers for the ctest -P scripts that drive the xgan tool (XGAN: the tool's path).

# Runs xgan with ARGN, fails unless it exits with expect_rc; out_var gets stdout and stderr.
function(xgan_run expect_rc out_var)
  execute_process(COMMAND ${XGAN} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT "${rc}" STREQUAL "${expect_rc}")
    message(FATAL_ERROR "xgan ${ARGN}\n exited ${rc}, expected ${expect_rc}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

function(require_contains text pattern)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "expected output matching '${pattern}', got:\n${text}")
  endif()
endfunction()

# Fails unless numbers a and b agree to the relative tolerance rel: |a - b| <= rel * max(|a|, |b|).
# For results of two code paths, which may differ in the last bits (summation order, SIMD width).
function(require_close a b rel what)
  if(a STREQUAL "" OR b STREQUAL "")
    message(FATAL_ERROR "${what}: a number is missing ('${a}' vs '${b}')")
  endif()
  execute_process(COMMAND awk -v a=${a} -v b=${b} -v r=${rel}
                          "BEGIN { d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a; n = b < 0 ? -b : b; if (n > m) m = n; exit !(d <= r * m) }"
                  RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${what} differ beyond a relative ${rel}: ${a} vs ${b}")
  endif()
endfunction()
