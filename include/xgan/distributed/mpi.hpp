#pragma once
// MPI for data-parallel training: MpiSession starts and ends MPI for a program, and
// MpiCommunicator is distributed::Communicator over MPI_COMM_WORLD (or a communicator of the
// program's). Link MPI (CMake: the xgan::mpi target brings it). Run with
//   mpirun -np 2 ./my_gan train ...
// MPI's C interface only: its deprecated C++ bindings would need their own library.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "xgan/core/error.hpp"
#include "xgan/distributed/communicator.hpp"

namespace xgan::distributed {

// MPI_Init on construction (unless the program already did), MPI_Finalize on destruction.
class MpiSession {
public:
    MpiSession(int* argc = nullptr, char*** argv = nullptr) {
        int started = 0;
        MPI_Initialized(&started);
        if (started) return;
        int provided = 0;
        // Only the calling thread makes MPI calls (TBB's workers never do).
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) throw Error("MPI_Init_thread failed");
        owns_ = true;
    }
    ~MpiSession() {
        int finished = 0;
        MPI_Finalized(&finished);
        if (owns_ && !finished) MPI_Finalize();
    }
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

private:
    bool owns_ = false;
};

class MpiCommunicator final : public Communicator {
public:
    explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void sum(float* data, std::size_t n) override { reduce(data, n, MPI_FLOAT); }
    void sum(double* data, std::size_t n) override { reduce(data, n, MPI_DOUBLE); }
    [[noreturn]] void abort(int code) noexcept override {
        MPI_Abort(comm_, code);
        std::abort();  // MPI_Abort does not return
    }

private:
    void reduce(void* data, std::size_t n, MPI_Datatype type) {
        if (size_ == 1 || n == 0) return;
        // MPI counts are int: sum in pieces of at most 2^30 values.
        constexpr std::size_t piece = std::size_t(1) << 30;
        const std::size_t bytes = type == MPI_FLOAT ? sizeof(float) : sizeof(double);
        for (std::size_t at = 0; at < n; at += piece) {
            const int count = int(std::min(piece, n - at));
            const int rc = MPI_Allreduce(MPI_IN_PLACE, static_cast<char*>(data) + at * bytes, count, type, MPI_SUM, comm_);
            if (rc != MPI_SUCCESS) throw Error("MPI_Allreduce failed with code " + std::to_string(rc));
        }
    }

    MPI_Comm comm_;
    int rank_ = 0, size_ = 1;
};

}  // namespace xgan::distributed
