# xgan's dependencies (Debian: see cmake/install-deps.sh), for the build and tests/fuzz alike;
# the installed package finds the same ones with find_dependency (xganConfig.cmake.in).
find_package(Threads REQUIRED)
find_package(xtensor REQUIRED)
find_package(xsimd REQUIRED)
find_package(xtensor-blas REQUIRED)
find_package(TBB REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(ZLIB REQUIRED)
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_path(XGAN_STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb REQUIRED)
set(XGAN_DEPENDENCY_TARGETS xtensor xsimd xtensor-blas TBB::tbb nlohmann_json::nlohmann_json ZLIB::ZLIB BLAS::BLAS
    Threads::Threads)
