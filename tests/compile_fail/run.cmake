# Compile-fail check: compiles SOURCE, expects the compiler to reject it, and expects its output
# to match NAME_REGEX (the type that names the culprit, e.g. shape_mismatch<Linear<784, 256>, ...>)
# and MESSAGE_REGEX (the static_assert's advice). Any other failure (a missing header, a typo in
# the test) fails the check, which WILL_FAIL alone would not.
#   cmake -DCOMPILER=... -DSOURCE=... -DINCLUDE_DIRS="a;b" -DNAME_REGEX=... -DMESSAGE_REGEX=... -P run.cmake
foreach(var COMPILER SOURCE NAME_REGEX MESSAGE_REGEX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run.cmake: ${var} is not set")
  endif()
endforeach()
set(includes "")
foreach(dir IN LISTS INCLUDE_DIRS)
  list(APPEND includes "-I${dir}")
endforeach()
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only ${includes} ${SOURCE}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must be rejected")
endif()
if(NOT out MATCHES "${NAME_REGEX}")
  message(FATAL_ERROR "${SOURCE} was rejected, but the output does not name the culprit "
                      "(no match for '${NAME_REGEX}'):\n${out}")
endif()
if(NOT out MATCHES "${MESSAGE_REGEX}")
  message(FATAL_ERROR "${SOURCE} was rejected, but without the expected message "
                      "(no match for '${MESSAGE_REGEX}'):\n${out}")
endif()
string(LENGTH "${out}" length)
message(STATUS "${SOURCE} rejected as expected (${length} characters of diagnostics)")
