#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "test_data.hpp"

const char* xgan_test::data_dir() { return XGAN_TEST_DATA_DIR; }
