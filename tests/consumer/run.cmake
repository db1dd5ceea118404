# The install-consumer check: installs the build tree BUILD_DIR into a fresh prefix under
# WORK_DIR, configures and builds tests/consumer (SOURCE_DIR) against that prefix only, and runs
# the program; then builds the same program with the installed xgan.pc's flags alone (no CMake).
# Building BUILD_DIR's default target first: `cmake --install` needs everything it installs (the
# xgan tool included) to be built.
# Then `xgan new` writes a starter project, which is built against the prefix the same way and,
# when MNIST_DIR (optional: the folder holding mnist/) has MNIST, trains, samples and resumes.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCXX_COMPILER=... [-DMNIST_DIR=...] -P run.cmake
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run.cmake: ${var} is not set")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install_consumer: ${what} failed (${rc}):\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

run("building ${BUILD_DIR}" ${CMAKE_COMMAND} --build "${BUILD_DIR}")
run("installing" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
if(NOT EXISTS "${prefix}/include/xgan/xgan.hpp" OR NOT EXISTS "${prefix}/share/cmake/xgan/xganConfig.cmake")
  message(FATAL_ERROR "install_consumer: the install prefix lacks the headers or the package config")
endif()

# CMAKE_FIND_USE_PACKAGE_REGISTRY=OFF: find the installed package, never the build tree.
run("configuring the consumer" ${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
string(FIND "${last_output}" "in ${prefix}/share/cmake/xgan" found_at)
if(found_at EQUAL -1)
  message(FATAL_ERROR "install_consumer: xgan was not found in the install prefix:\n${last_output}")
endif()
run("building the consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("running the consumer" "${WORK_DIR}/build/xgan_consumer")
if(NOT last_output MATCHES "consumer ok")
  message(FATAL_ERROR "install_consumer: unexpected output:\n${last_output}")
endif()
message(STATUS "${last_output}")

# The same program built without CMake: g++ -std=c++20 main.cpp $(pkg-config --cflags --libs xgan).
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${prefix}/share/pkgconfig")
run("pkg-config --cflags --libs xgan" ${PKG_CONFIG} --cflags --libs xgan)
string(STRIP "${last_output}" pc_flags)
if(NOT pc_flags MATCHES "-I${prefix}/share/pkgconfig/../../include( |$)")
  message(FATAL_ERROR "install_consumer: xgan.pc does not point into the install prefix: ${pc_flags}")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run("building the consumer with pkg-config's flags" ${CXX_COMPILER} -std=c++20 -O1 "${SOURCE_DIR}/main.cpp" ${pc_flags}
    -o "${WORK_DIR}/xgan_consumer_pc")
run("running the pkg-config consumer" "${WORK_DIR}/xgan_consumer_pc")
if(NOT last_output MATCHES "consumer ok")
  message(FATAL_ERROR "install_consumer: unexpected output of the pkg-config build:\n${last_output}")
endif()
message(STATUS "pkg-config build: ${last_output}")

# `xgan new`: the installed tool writes a project whose main.cpp is one call into
# xgan::cli::main; it configures (default build type Release) and builds against the prefix only.
set(new_project "${WORK_DIR}/mygan")
run("xgan new" "${prefix}/bin/xgan" new "${new_project}")
foreach(f CMakeLists.txt main.cpp model.hpp README.md)
  if(NOT EXISTS "${new_project}/${f}")
    message(FATAL_ERROR "install_consumer: `xgan new` wrote no ${f}")
  endif()
endforeach()
run("configuring the new project" ${CMAKE_COMMAND} -S "${new_project}" -B "${new_project}/build" -G "${GENERATOR}"
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run("building the new project" ${CMAKE_COMMAND} --build "${new_project}/build")
set(mygan "${new_project}/build/mygan")
run("mygan summary" "${mygan}" summary --model mygan)
message(STATUS "xgan new: mygan built")

# Training needs MNIST: a few steps, a sample grid, and a resume that goes on from the checkpoint.
if(NOT MNIST_DIR OR NOT EXISTS "${MNIST_DIR}/mnist/train-images-idx3-ubyte")
  message(STATUS "xgan new: training mygan skipped: no MNIST_DIR with mnist/train-images-idx3-ubyte "
                 "(MNIST_DIR='${MNIST_DIR}'; sh cmake/fetch-mnist.sh fetches it)")
else()
  set(ENV{XGAN_DATA} "${MNIST_DIR}")
  set(run_dir "${WORK_DIR}/run")
  run("mygan train" "${mygan}" train --data mnist --limit 64 --batch-size 16 --max-steps 5 --out "${run_dir}" --quiet)
  foreach(f generator.safetensors checkpoints)
    if(NOT EXISTS "${run_dir}/${f}")
      message(FATAL_ERROR "install_consumer: mygan's run directory lacks ${f}")
    endif()
  endforeach()
  run("mygan sample" "${mygan}" sample --run "${run_dir}" --out "${WORK_DIR}/s.png")
  if(NOT EXISTS "${WORK_DIR}/s.png")
    message(FATAL_ERROR "install_consumer: mygan sample wrote no ${WORK_DIR}/s.png")
  endif()
  run("mygan train --resume" "${mygan}" train --resume "${run_dir}" --max-steps 8 --quiet)
  if(NOT IS_DIRECTORY "${run_dir}/checkpoints/step_0000008")
    file(GLOB checkpoints RELATIVE "${run_dir}/checkpoints" "${run_dir}/checkpoints/*")
    message(FATAL_ERROR "install_consumer: the resumed mygan run has no checkpoint step_0000008 (has: ${checkpoints})")
  endif()
  message(STATUS "xgan new: mygan trained 5 steps, sampled, resumed to step 8")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
