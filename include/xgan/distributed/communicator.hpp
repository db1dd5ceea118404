#pragma once
// Communicator: what data-parallel training needs of the processes it runs on: this
// process's rank among `size`, and in-place sums over all of them. GanTrainer and fit() take
// one (a null pointer: one process); distributed/mpi.hpp implements it over MPI.
//
// Every call is collective: all ranks make the same calls in the same order, or the job hangs.
// Every rank must get the same sums (MPI's all-reduce does), so the ranks' weights stay equal.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "xgan/core/error.hpp"

namespace xgan::distributed {

class Communicator {
public:
    virtual ~Communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // data[i] = the sum of data[i] over all ranks.
    virtual void sum(float* data, std::size_t n) = 0;
    virtual void sum(double* data, std::size_t n) = 0;
    // Ends every process of the job with `code`; a rank that fails alone calls it, as the
    // others would otherwise wait for it in their next sum.
    [[noreturn]] virtual void abort(int code) noexcept = 0;

    // Whether `flag` is set on any rank.
    bool any(bool flag) {
        double v = flag ? 1 : 0;
        sum(&v, 1);
        return v > 0;
    }
    bool writes() const { return rank() == 0; }  // rank 0 writes the run's files
};

// Rank r's rows of a global batch of `global` samples: contiguous, the first global % size
// ranks take one more.
struct Shard {
    std::size_t begin = 0;
    std::size_t count = 0;
    std::size_t global = 0;
};

inline Shard shard_of(std::size_t global, int rank, int size) {
    if (size < 1 || rank < 0 || rank >= size)
        throw Error("shard_of: rank " + std::to_string(rank) + " of " + std::to_string(size) + " processes");
    const std::size_t base = global / std::size_t(size), extra = global % std::size_t(size), r = std::size_t(rank);
    return {r * base + std::min(r, extra), base + (r < extra ? 1 : 0), global};
}

}  // namespace xgan::distributed
