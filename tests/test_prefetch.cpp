#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "xgan/data/loader.hpp"
#include "xgan/data/prefetch.hpp"

using xgan::Shape;
using xgan::Tensor;
using xgan::data::BatchLoader;
using xgan::data::ImageDataset;
using xgan::data::PrefetchingLoader;

namespace {

using S = Shape<1, 2, 3>;

// Sample i holds i, i + 0.25, ...; label i * 7 % 11.
ImageDataset numbered(std::size_t n) {
    ImageDataset ds{n, 1, 2, 3, {}, {}, {}, {}};
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = 0; k < 6; ++k) ds.images.push_back(float(i) + 0.25f * float(k));
        ds.labels.push_back(std::int32_t(i * 7 % 11));
    }
    return ds;
}

struct Batch {
    std::vector<float> values;
    std::vector<std::int32_t> labels;
    bool operator==(const Batch&) const = default;
};

// `epochs` epochs of BatchLoader, an empty Batch marking each epoch end.
std::vector<Batch> reference(const ImageDataset& ds, std::size_t batch, std::uint64_t seed, bool drop_last,
                             int epochs) {
    BatchLoader loader(ds, batch, seed, drop_last);
    Tensor<S, xgan::Cpu> t;
    std::vector<std::int32_t> labels;
    std::vector<Batch> out;
    for (int e = 0; e < epochs; ++e) {
        while (loader.next(t, &labels)) out.push_back({{t.values().begin(), t.values().end()}, labels});
        out.push_back({});
    }
    return out;
}

std::vector<Batch> prefetched(PrefetchingLoader<S>& loader, int epochs) {
    std::vector<Batch> out;
    for (int e = 0; e < epochs; ++e) {
        while (const Tensor<S, xgan::Cpu>* t = loader.next()) out.push_back({{t->values().begin(), t->values().end()}, loader.labels()});
        out.push_back({});
    }
    return out;
}

}  // namespace

TEST_CASE("prefetch: the same batches, labels and epoch ends as BatchLoader") {
    const ImageDataset ds = numbered(23);
    for (const bool drop_last : {false, true})
        for (const std::size_t batch : {1u, 4u, 5u, 23u, 30u}) {
            CAPTURE(drop_last);
            CAPTURE(batch);
            PrefetchingLoader<S> loader(ds, batch, 42, drop_last);
            CHECK(loader.batches_per_epoch() == BatchLoader(ds, batch, 42, drop_last).batches_per_epoch());
            CHECK(prefetched(loader, 3) == reference(ds, batch, 42, drop_last, 3));
        }
}

TEST_CASE("prefetch: two buffers, reused after the first batches") {
    const ImageDataset ds = numbered(50);
    PrefetchingLoader<S> loader(ds, 8, 1);
    std::set<const float*> seen;
    for (int e = 0; e < 3; ++e)
        while (const Tensor<S, xgan::Cpu>* t = loader.next()) seen.insert(t->data());
    CHECK(seen.size() == 2);
}

TEST_CASE("prefetch: loader() rewinds to the consumer's position, for checkpoints") {
    const ImageDataset ds = numbered(23);
    const auto expected = reference(ds, 4, 9, false, 3);
    for (std::size_t stop : {0u, 3u, 6u, 7u, 9u}) {  // batches consumed before saving (6 ends epoch 0)
        CAPTURE(stop);
        PrefetchingLoader<S> a(ds, 4, 9);
        std::vector<Batch> got;
        for (std::size_t i = 0; i < stop; ++i) {
            const Tensor<S, xgan::Cpu>* t = a.next();
            got.push_back(t ? Batch{{t->values().begin(), t->values().end()}, a.labels()} : Batch{});
        }
        BatchLoader& saved = a.loader();
        const auto epoch = saved.epoch(), cursor = saved.cursor();
        const auto order = saved.order();
        const auto rng = saved.rng().state();

        PrefetchingLoader<S> b(ds, 4, 12345);  // another seed: everything comes from the restore
        b.loader().restore(epoch, cursor, order, rng);
        while (got.size() < expected.size()) {
            const Tensor<S, xgan::Cpu>* t = b.next();
            got.push_back(t ? Batch{{t->values().begin(), t->values().end()}, b.labels()} : Batch{});
        }
        CHECK(got == expected);
        // The first loader continues as if nothing happened.
        std::vector<Batch> rest;
        for (std::size_t i = stop; i < expected.size(); ++i) {
            const Tensor<S, xgan::Cpu>* t = a.next();
            rest.push_back(t ? Batch{{t->values().begin(), t->values().end()}, a.labels()} : Batch{});
        }
        CHECK(std::equal(rest.begin(), rest.end(), expected.begin() + std::ptrdiff_t(stop)));
    }
}

TEST_CASE("prefetch: a shape that does not fit the data set is an error") {
    const ImageDataset ds = numbered(5);
    CHECK_THROWS_AS((PrefetchingLoader<Shape<1, 28, 28>>(ds, 2, 0)), xgan::Error);
}
