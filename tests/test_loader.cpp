// BatchLoader (data/loader.hpp): epochs, shuffling, drop_last, resuming, shape checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "xgan/backend/cpu.hpp"
#include "xgan/core/error.hpp"
#include "xgan/data/loader.hpp"

using namespace xgan;
using data::BatchLoader;
using data::ImageDataset;

namespace {

// count samples of 1x2x2; every value of sample i is i (so a batch tells which samples it holds).
ImageDataset numbered(std::size_t count) {
    ImageDataset ds;
    ds.count = count;
    ds.channels = 1;
    ds.height = 2;
    ds.width = 2;
    for (std::size_t i = 0; i < count; ++i) {
        for (int k = 0; k < 4; ++k) ds.images.push_back(float(i));
        ds.labels.push_back(std::int32_t(100 + i));
    }
    return ds;
}

using Sample = Shape<1, 2, 2>;

// The sample ids of every batch of one epoch (next() until it returns false).
std::vector<std::vector<int>> epoch(BatchLoader& loader) {
    std::vector<std::vector<int>> batches;
    Tensor<Sample, Cpu> t;
    std::vector<std::int32_t> labels;
    while (loader.next(t, &labels)) {
        std::vector<int> ids;
        REQUIRE(labels.size() == t.batch());
        for (std::size_t i = 0; i < t.batch(); ++i) {
            const int id = int(t.sample(i)[0]);
            CHECK(t.sample(i)[3] == float(id));
            CHECK(labels[i] == 100 + id);
            ids.push_back(id);
        }
        batches.push_back(ids);
    }
    return batches;
}

std::vector<int> flat(const std::vector<std::vector<int>>& batches) {
    std::vector<int> out;
    for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
    return out;
}

}  // namespace

TEST_CASE("BatchLoader: every sample exactly once per epoch, batches of batch_size and a last partial one") {
    const auto ds = numbered(10);
    BatchLoader loader(ds, 3, 42);
    CHECK(loader.batches_per_epoch() == 4);
    for (std::size_t e = 0; e < 3; ++e) {
        CHECK(loader.epoch() == e);
        const auto batches = epoch(loader);
        REQUIRE(batches.size() == 4);
        CHECK(batches[0].size() == 3);
        CHECK(batches[2].size() == 3);
        CHECK(batches[3].size() == 1);
        auto ids = flat(batches);
        std::sort(ids.begin(), ids.end());
        std::vector<int> all(10);
        for (int i = 0; i < 10; ++i) all[std::size_t(i)] = i;
        CHECK(ids == all);
    }
    CHECK(loader.epoch() == 3);
}

TEST_CASE("BatchLoader: shuffled, differently each epoch - the same seed gives the same order") {
    const auto ds = numbered(50);
    BatchLoader a(ds, 8, 7), b(ds, 8, 7), c(ds, 8, 8);
    const auto a0 = flat(epoch(a)), a1 = flat(epoch(a)), a2 = flat(epoch(a));
    std::vector<int> identity(50);
    for (int i = 0; i < 50; ++i) identity[std::size_t(i)] = i;
    CHECK(a0 != identity);
    CHECK(a0 != a1);
    CHECK(a1 != a2);
    CHECK(flat(epoch(b)) == a0);
    CHECK(flat(epoch(b)) == a1);
    CHECK(flat(epoch(c)) != a0);
}

TEST_CASE("BatchLoader: drop_last leaves out the last partial batch") {
    const auto ds = numbered(10);
    BatchLoader loader(ds, 4, 1, /*drop_last=*/true);
    CHECK(loader.batches_per_epoch() == 2);
    std::vector<int> seen;
    for (int e = 0; e < 3; ++e) {
        const auto batches = epoch(loader);
        REQUIRE(batches.size() == 2);
        for (const auto& b : batches) CHECK(b.size() == 4);
        auto ids = flat(batches);
        std::sort(ids.begin(), ids.end());
        CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());  // no repeats within an epoch
        seen.insert(seen.end(), ids.begin(), ids.end());
    }
    // Across epochs the dropped samples change, so more than 8 distinct samples are seen.
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    CHECK(seen.size() > 8);

    BatchLoader exact(ds, 5, 1, true);  // 10 = 2 x 5: nothing dropped
    CHECK(flat(epoch(exact)).size() == 10);
}

TEST_CASE("BatchLoader: a restored position continues identically") {
    const auto ds = numbered(23);
    BatchLoader a(ds, 4, 99);
    epoch(a);
    Tensor<Sample, Cpu> t;
    REQUIRE(a.next(t));
    REQUIRE(a.next(t));
    const auto saved_epoch = a.epoch();
    const auto saved_cursor = a.cursor();
    const auto saved_order = a.order();
    const auto saved_rng = a.rng().state();
    CHECK(saved_cursor == 8);
    const auto rest_a = epoch(a);
    const auto next_a = epoch(a);

    BatchLoader b(ds, 4, 12345);
    epoch(b);
    b.restore(saved_epoch, saved_cursor, saved_order, saved_rng);
    CHECK(b.epoch() == saved_epoch);
    CHECK(epoch(b) == rest_a);  // the rest of the interrupted epoch
    CHECK(epoch(b) == next_a);  // and the next epoch's shuffle

    CHECK_THROWS_AS(b.restore(0, 0, std::vector<std::size_t>(5), saved_rng), Error);
    CHECK_THROWS_AS(b.restore(0, 24, saved_order, saved_rng), Error);
}

TEST_CASE("BatchLoader: wrong sample size, empty data set or zero batch is an Error") {
    const auto ds = numbered(6);
    BatchLoader loader(ds, 2, 0);
    Tensor<Shape<5>, Cpu> wrong;
    CHECK_THROWS_AS(loader.next(wrong), Error);
    Tensor<Shape<2, 2, 1>, Cpu> same_size_other_shape;  // 4 values per sample: accepted
    CHECK(loader.next(same_size_other_shape));
    CHECK_THROWS_AS(BatchLoader(ds, 0, 0), Error);
    const ImageDataset empty;
    CHECK_THROWS_AS(BatchLoader(empty, 2, 0), Error);
    // Without labels the loader still works; unlabelled data sets give -1.
    ImageDataset unlabelled = numbered(3);
    unlabelled.labels.clear();
    BatchLoader u(unlabelled, 2, 0);
    Tensor<Sample, Cpu> t;
    std::vector<std::int32_t> labels;
    REQUIRE(u.next(t, &labels));
    CHECK(labels == std::vector<std::int32_t>{-1, -1});
}

TEST_CASE("BatchLoader: shards of 2 and 3 processes hold each global batch's rows in order, and a last batch smaller than the processes is dropped") {
    const ImageDataset ds = numbered(23);  // batches of 8: 8, 8, 7
    for (int ranks : {2, 3}) {
        CAPTURE(ranks);
        BatchLoader whole(ds, 8, 5);
        const auto expected = epoch(whole);
        std::vector<std::vector<std::vector<int>>> shards;
        for (int r = 0; r < ranks; ++r) {
            BatchLoader part(ds, 8, 5);
            part.set_shard(r, ranks);
            shards.push_back(epoch(part));
            CHECK(part.epoch() == 1);  // positions agree with one process's
        }
        for (std::size_t b = 0; b < expected.size(); ++b) {
            std::vector<int> joined;
            for (int r = 0; r < ranks; ++r) {
                REQUIRE(shards[std::size_t(r)].size() == expected.size());
                const auto& rows = shards[std::size_t(r)][b];
                CHECK(rows.size() == distributed::shard_of(expected[b].size(), r, ranks).count);
                joined.insert(joined.end(), rows.begin(), rows.end());
            }
            CHECK(joined == expected[b]);
        }
    }
    // 9 images in batches of 4 over 2 processes: 4, 4, then 1 image for 2 processes is dropped.
    const ImageDataset nine = numbered(9);
    BatchLoader part(nine, 4, 1);
    part.set_shard(1, 2);
    CHECK(epoch(part).size() == 2);
    CHECK_THROWS_AS(part.set_shard(2, 2), Error);
    CHECK_THROWS_AS(part.set_shard(0, 5), Error);  // a batch of 4 for 5 processes
}

TEST_CASE("shard_of: contiguous rows, the first global % size ranks one more, all rows once") {
    for (std::size_t global : {1u, 7u, 64u, 65u})
        for (int size : {1, 2, 3, 4}) {
            std::size_t next = 0;
            for (int r = 0; r < size; ++r) {
                const auto s = distributed::shard_of(global, r, size);
                CHECK(s.begin == next);
                CHECK(s.global == global);
                CHECK(s.count == global / std::size_t(size) + (std::size_t(r) < global % std::size_t(size) ? 1 : 0));
                next += s.count;
            }
            CHECK(next == global);
        }
    CHECK_THROWS_AS(distributed::shard_of(8, 2, 2), Error);
    CHECK_THROWS_AS(distributed::shard_of(8, 0, 0), Error);
}

TEST_CASE("loader: a data set held as 8-bit samples gives the batches of its float copy") {
    ImageDataset bytes;
    bytes.count = 10;
    bytes.height = bytes.width = 2;
    for (std::size_t i = 0; i < 40; ++i) bytes.bytes.push_back(std::uint8_t(i * 37 % 256));
    const ImageDataset floats = data::with_float_samples(bytes);
    BatchLoader a(bytes, 4, 9), b(floats, 4, 9);
    Tensor<Sample, Cpu> ta, tb;
    for (int step = 0; step < 7; ++step) {  // over an epoch's end
        const bool got = a.next(ta);
        REQUIRE(got == b.next(tb));
        if (!got) continue;
        REQUIRE(ta.batch() == tb.batch());
        for (std::size_t k = 0; k < ta.size(); ++k) CHECK(ta.data()[k] == tb.data()[k]);
    }
}
