#pragma once
// xgan's version; CMakeLists.txt parses these lines.
#define XGAN_VERSION_MAJOR 0
#define XGAN_VERSION_MINOR 1
#define XGAN_VERSION_PATCH 0
