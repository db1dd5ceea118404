#pragma once
// The CPU backend, xgan::Cpu (float) and xgan::CpuF64 (double): backend/cpu/cpu_backend.hpp.
#include "xgan/backend/cpu/cpu_backend.hpp"
