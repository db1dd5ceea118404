#pragma once
// The processes a program was started as: one, or N under `mpirun -np N` when the program is
// built with MPI (it links xgan::mpi, which defines XGAN_WITH_MPI). `train` then runs
// data-parallel (train::RunSettings::communicator); without MPI, a program started by a
// launcher with several processes says how to build it with MPI instead of training N copies.
#include <cstdlib>
#include <optional>
#include <string>

#include "xgan/core/error.hpp"
#include "xgan/distributed/communicator.hpp"
#if XGAN_WITH_MPI
#include "xgan/distributed/mpi.hpp"
#endif

namespace xgan::cli {

// The process count a launcher announces (Open MPI, MPICH/Hydra, Slurm's srun); 1 if none.
inline int launched_processes() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"})
        if (const char* v = std::getenv(name)) {
            const int n = std::atoi(v);
            if (n > 0) return n;
        }
    return 1;
}

#if XGAN_WITH_MPI
// MPI is started only under a launcher of several processes: one process runs without it.
class Processes {
public:
    Processes(int* argc, char*** argv) {
        if (launched_processes() < 2) return;
        session_.emplace(argc, argv);
        comm_.emplace();
    }
    // Data-parallel training's communicator; nullptr for one process.
    distributed::Communicator* communicator() { return comm_ && comm_->size() > 1 ? &*comm_ : nullptr; }

private:
    std::optional<distributed::MpiSession> session_;
    std::optional<distributed::MpiCommunicator> comm_;
};
#else
class Processes {
public:
    Processes(int*, char***) {
        if (launched_processes() > 1)
            throw Error("this program was built without MPI, so it cannot train as " + std::to_string(launched_processes()) +
                        " processes: install Open MPI (Debian: libopenmpi-dev openmpi-bin) and build it again (CMake "
                        "finds MPI and links xgan::mpi), or run it as one process");
    }
    distributed::Communicator* communicator() { return nullptr; }
};
#endif

}  // namespace xgan::cli
