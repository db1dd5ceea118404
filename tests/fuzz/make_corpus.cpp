// Writes the fuzz harnesses' seed corpus: a few small valid inputs per harness, made with
// xgan's own writers where it has them, so the fuzzer starts from what real files look like.
//   make_corpus OUT   ->  OUT/<harness>/<name>, a few KB in all, the same bytes every time
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
#include <zlib.h>

#include <xgan/io/png.hpp>  // stb_image_write, compiled in

#include <xgan/cli/run_options.hpp>
#include "tiny_gan.hpp"

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

fs::path out_root;

void put(const std::string& harness, const std::string& name, const void* data, std::size_t size) {
    const fs::path dir = out_root / harness;
    fs::create_directories(dir);
    std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
    f.write(static_cast<const char*>(data), std::streamsize(size));
    if (!f) throw std::runtime_error("cannot write " + (dir / name).string());
}
void put(const std::string& harness, const std::string& name, const Bytes& b) { put(harness, name, b.data(), b.size()); }
void put(const std::string& harness, const std::string& name, const std::string& s) { put(harness, name, s.data(), s.size()); }

Bytes gzip(const Bytes& in) {
    z_stream zs{};
    if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("zlib");
    Bytes out(deflateBound(&zs, uLong(in.size())) + 32);
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = uInt(in.size());
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("zlib deflate");
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

Bytes idx(const std::vector<std::uint32_t>& dims) {
    Bytes b = {0, 0, 0x08, std::uint8_t(dims.size())};
    std::size_t n = 1;
    for (auto d : dims) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(d >> s));
        n *= d;
    }
    for (std::size_t i = 0; i < n; ++i) b.push_back(std::uint8_t(i * 29));
    return b;
}

void idx_corpus() {
    const Bytes images = idx({3, 4, 4}), labels = idx({3});
    put("idx", "images.idx", images);
    put("idx", "labels.idx", labels);
    put("idx", "images.idx.gz", gzip(images));
    // Two gzip members, as `cat a.gz b.gz` makes: one IDX file split after its header.
    Bytes two = gzip(Bytes(images.begin(), images.begin() + 16));
    const Bytes second = gzip(Bytes(images.begin() + 16, images.end()));
    two.insert(two.end(), second.begin(), second.end());
    put("idx", "two_members.gz", two);
}

Bytes read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), {});
}

void safetensors_corpus(const fs::path& tmp) {
    using xgan::DType;
    const std::vector<float> w = {0.5f, -1.0f, 2.0f, 0.0f, 1e-3f, 3.25f};
    const std::vector<std::int64_t> steps = {7, -1};
    xgan::io::write_safetensors(tmp / "a.safetensors",
                                {{"layer.weight", DType::F32, {2, 3}, w.data()}, {"step", DType::I64, {2}, steps.data()}},
                                {{"format", "pt"}, {"xgan.type", "Linear<3, 2>"}});
    put("safetensors", "two_tensors.safetensors", read(tmp / "a.safetensors"));
    xgan::io::write_safetensors(tmp / "b.safetensors", {{"empty", DType::F32, {0, 3}, nullptr}, {"x", DType::F32, {1}, w.data()}});
    put("safetensors", "empty_tensor.safetensors", read(tmp / "b.safetensors"));
    xgan::io::write_safetensors(tmp / "c.safetensors", {});
    put("safetensors", "no_tensors.safetensors", read(tmp / "c.safetensors"));
}

void attribute_csv_corpus() {
    // The harness's control line (attribute, then the folder's files, tab-separated), then the CSV.
    put("attribute_csv", "celeba.txt",
        "Smiling\t000001.jpg\t000002.jpg\tsub/000003.jpg\n"
        "image_id,Blond_Hair,Smiling\n000001.jpg,-1,1\n000002.jpg,1,-1\n000003.jpg,-1,-1\n");
    put("attribute_csv", "crlf_spaces.txt",
        "Blond_Hair\ta.png\tb.png\n"
        "image_id, Blond_Hair ,Smiling\r\na.png, 1 ,-1\r\n\r\nb.png,-1,1\r\n");
    put("attribute_csv", "trailing_comma.txt", "Last\tx.bmp\nname,Last,\nx.bmp,1,\n");
}

void run_config_corpus() {
    // config.json as `xgan train` writes it: every setting resolved (real_label and
    // noisy_labels -1: the model's default).
    xgan::cli::RunOptions o;
    o.epochs = 10;
    o.batch_size = 64;
    o.lr = 2e-4;
    o.beta1 = 0.5;
    o.beta2 = 0.999;
    o.critic_steps = 1;
    o.init = "pytorch";
    put("run_config", "mlp.json", xgan::cli::to_json(o).dump(2) + "\n");
    o.model = "mlp-tiny";
    o.limit = 640;
    o.max_steps = 60;
    o.checkpoint_every = 3;
    o.keep = 2;
    o.batch_size = 32;
    o.lr = 3e-4;
    auto j = xgan::cli::to_json(o);
    j["xgan_version"] = "0.1.0";
    put("run_config", "mlp_tiny.json", j.dump(2) + "\n");
    o.model = "dcgan";
    o.objective = "hinge";
    o.data = "folder:data/emoji";
    o.labels_csv = "attrs.csv";
    o.attribute = "Flags";
    o.eval_every = 100;
    o.real_label = 0.9;
    o.noisy_labels = 0.1;
    o.flip_labels = 0.05;
    o.instance_noise = 0.1;
    o.critic_steps = 3;
    put("run_config", "dcgan_hinge.json", xgan::cli::to_json(o).dump() + "\n");
}

// An RGB(A) or gray test pattern, rows of w * c bytes.
Bytes pattern(int w, int h, int c) {
    Bytes p(std::size_t(w) * h * c);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k)
                p[(std::size_t(y) * w + x) * c + k] = std::uint8_t(k == 3 ? (x * 255 / std::max(w - 1, 1)) : (x * 37 + y * 11 + k * 80));
    return p;
}

void append(void* ctx, void* data, int size) {
    auto* v = static_cast<Bytes*>(ctx);
    v->insert(v->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}

void image_corpus() {
    auto png = [](int w, int h, int c) { return xgan::io::encode_png(pattern(w, h, c), w, h, c); };
    put("image", "gray_28x28.png", png(28, 28, 1));
    put("image", "gray_alpha_9x7.png", png(9, 7, 2));
    put("image", "rgb_40x30.png", png(40, 30, 3));
    put("image", "rgba_12x20.png", png(12, 20, 4));
    Bytes b;
    const Bytes rgb = pattern(5, 4, 3), rgba = pattern(6, 3, 4), rgb8 = pattern(8, 8, 3);
    stbi_write_bmp_to_func(append, &b, 5, 4, 3, rgb.data());
    put("image", "rgb_5x4.bmp", b);
    b.clear();
    stbi_write_bmp_to_func(append, &b, 6, 3, 4, rgba.data());
    put("image", "rgba_6x3.bmp", b);
    b.clear();
    stbi_write_tga_to_func(append, &b, 5, 4, 3, rgb.data());
    put("image", "rle_5x4.tga", b);
    b.clear();
    stbi_write_jpg_to_func(append, &b, 8, 8, 3, rgb8.data(), 80);
    put("image", "rgb_8x8.jpg", b);
    const Bytes gray = pattern(5, 3, 1);
    std::string pgm = "P5\n# comment\n5 3\n255\n";
    pgm.append(gray.begin(), gray.end());
    put("image", "gray_5x3.pgm", pgm);
    std::string ppm = "P6 5 4 255\n";
    ppm.append(rgb.begin(), rgb.end());
    put("image", "rgb_5x4.ppm", ppm);
    // The smallest GIF: 1x1, one transparent pixel.
    const std::uint8_t gif[] = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0,
                                '!', 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';'};
    put("image", "pixel.gif", gif, sizeof gif);
}

void checkpoint_corpus(const fs::path& tmp) {
    for (int steps : {3, 5}) {  // 10 images, batch 4: after an epoch's last batch, and mid-epoch
        const fs::path ckpt = xgan_fuzz::write_tiny_checkpoint(tmp / ("run" + std::to_string(steps)), steps);
        put("checkpoint", "state_step" + std::to_string(steps) + ".safetensors", read(ckpt / "state.safetensors"));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_corpus OUT_DIR\n");
        return 2;
    }
    out_root = argv[1];
    const fs::path tmp = out_root / ".make_corpus_tmp";
    try {
        fs::remove_all(tmp);
        fs::create_directories(tmp);
        idx_corpus();
        safetensors_corpus(tmp);
        attribute_csv_corpus();
        run_config_corpus();
        image_corpus();
        checkpoint_corpus(tmp);
        fs::remove_all(tmp);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_corpus: %s\n", e.what());
        return 1;
    }
    return 0;
}
