#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "xgan/io/base64.hpp"
#include "xgan/io/png.hpp"
#include "xgan/io/report.hpp"

using namespace xgan::io;

TEST_CASE("base64: RFC 4648 test vectors, both ways") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        CHECK(base64_encode(std::string_view(plain)) == encoded);
        const auto back = base64_decode(encoded);
        CHECK(std::string(back.begin(), back.end()) == plain);
    }
    std::vector<std::uint8_t> all(256);
    for (int i = 0; i < 256; ++i) all[i] = std::uint8_t(i);
    CHECK(base64_decode(base64_encode(all)) == all);
    CHECK(base64_encode(std::vector<std::uint8_t>{0xFB, 0xFF}) == "+/8=");
    CHECK_THROWS_AS(base64_decode("Zm9"), xgan::Error);
    CHECK_THROWS_AS(base64_decode("Zm9!"), xgan::Error);
}

TEST_CASE("report: html escaping") {
    CHECK(html_escape("<a href=\"x\">Tom & Jerry's</a>") ==
          "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
}

TEST_CASE("report: images inlined, slider present, all text escaped") {
    const std::vector<std::uint8_t> px{0, 255, 255, 0};
    const auto png = encode_png(px, 2, 2, 1);
    ReportInput in;
    in.title = "run <1> & co";
    in.config_json = R"({"lr":0.0002,"note":"<script>"})";
    in.summaries = {{"Generator <G>", "Linear<100,256>\nReLU"}};
    in.loss_plot_png = png;
    in.grids = {{"epoch 1", png}, {"epoch \"2\"", png}, {"epoch 3", png}};
    in.final_metrics = {{"FID", "12.5"}, {"x<y", "a&b"}};
    in.warnings = {"D wins <always>"};
    const std::string html = render_report_html(in);

    const std::string data_url = "data:image/png;base64," + base64_encode(png);
    std::size_t images = 0;
    for (std::size_t at = html.find(data_url); at != std::string::npos; at = html.find(data_url, at + 1)) ++images;
    CHECK(images == 4);  // the loss plot and three grids

    CHECK(html.find("type=\"range\"") != std::string::npos);
    CHECK(html.find("max=\"2\"") != std::string::npos);
    CHECK(html.find("<script>") != std::string::npos);
    CHECK(html.find("id=\"grid-play\"") != std::string::npos);

    CHECK(html.find("<title>run &lt;1&gt; &amp; co</title>") != std::string::npos);
    CHECK(html.find("run <1>") == std::string::npos);
    CHECK(html.find("Generator &lt;G&gt;") != std::string::npos);
    CHECK(html.find("Linear&lt;100,256&gt;\nReLU") != std::string::npos);
    CHECK(html.find("data-label=\"epoch &quot;2&quot;\"") != std::string::npos);
    CHECK(html.find("x&lt;y") != std::string::npos);
    CHECK(html.find("a&amp;b") != std::string::npos);
    CHECK(html.find("D wins &lt;always&gt;") != std::string::npos);
    CHECK(html.find("&quot;note&quot;: &quot;&lt;script&gt;&quot;") != std::string::npos);  // pretty-printed, escaped
    // Exactly one script element: the config's "<script>" was escaped.
    CHECK(html.find("<script>") == html.rfind("<script>"));
    // Only the last grid is shown before any script runs.
    CHECK(html.find("data-label=\"epoch 3\" alt=\"samples, epoch 3\" src=") != std::string::npos);
    CHECK(html.find("data-label=\"epoch 1\" alt=\"samples, epoch 1\" hidden") != std::string::npos);
}

TEST_CASE("report: sparse input and writing the file") {
    ReportInput in;
    in.config_json = "not json {";
    const std::string html = render_report_html(in);
    CHECK(html.find("xgan run report") != std::string::npos);
    CHECK(html.find("not json {") != std::string::npos);
    CHECK(html.find("type=\"range\"") == std::string::npos);

    const auto path = std::filesystem::temp_directory_path() / ("xgan_test_report_" + std::to_string(::getpid()) + ".html");
    write_report(path, in);
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    CHECK(ss.str() == html);
    std::filesystem::remove(path);
}
