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
