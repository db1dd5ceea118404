#pragma once
// The folder of the committed test data (goldens, PyTorch files), tests/data of the source tree.
// Defined in main.cpp alone: the one translation unit that holds the source tree's path, so
// the others compile the same in any checkout (and compiler caches share them).
namespace xgan_test {
const char* data_dir();
}
