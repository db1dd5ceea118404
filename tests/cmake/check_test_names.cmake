# ctest runs each doctest case by name (doctest_discover_tests), and a name with ';' is split as a
# CMake list: ctest then runs no case at all and reports a pass. Fail on such names.
#   cmake -DTESTS=<xgan_tests> -P check_test_names.cmake
execute_process(COMMAND ${TESTS} --list-test-cases --no-version RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TESTS} --list-test-cases failed (${rc})")
endif()
string(REGEX MATCHALL "[^\n]*;[^\n]*" bad "${out}")
if(bad)
  string(REPLACE ";" "\\;" bad "${bad}")
  message(FATAL_ERROR "doctest case names with ';' never run under ctest; rename them:\n${bad}")
endif()
