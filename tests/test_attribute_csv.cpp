// Attribute tables (CelebA-style CSV) as labels for folder datasets.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "xgan/data/attribute_csv.hpp"

namespace fs = std::filesystem;
using xgan::data::attribute_labels;

namespace {
fs::path write_csv(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("xgan_attr_" + name + ".csv");
    std::ofstream(p) << text;
    return p;
}
std::string error_of(const fs::path& csv, const std::string& attribute, const std::vector<std::string>& files) {
    try {
        attribute_labels(csv, attribute, files);
    } catch (const xgan::FileError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("attribute csv: labels follow the folder's order, by relative path or file name") {
    const auto csv = write_csv("ok", "image_id,Smiling,Blond_Hair\n000002.png,1,-1\n000001.png,-1,1\r\nsub/3.png,1,1\n");
    const auto labels = attribute_labels(csv, "Blond_Hair", {"000001.png", "000002.png", "sub/3.png"});
    CHECK(labels == std::vector<std::int32_t>{1, 0, 1});
    CHECK(attribute_labels(csv, "Smiling", {"000001.png", "000002.png", "sub/3.png"}) == std::vector<std::int32_t>{0, 1, 1});
    fs::remove(csv);
}

TEST_CASE("attribute csv: errors name the file, the line and the column") {
    const auto missing = write_csv("col", "image_id,Smiling\n1.png,1\n");
    const auto e1 = error_of(missing, "Blond_Hair", {"1.png"});
    CHECK(e1.find(missing.string()) != std::string::npos);
    CHECK(e1.find("line 1: no column 'Blond_Hair' (columns: Smiling)") != std::string::npos);

    const auto bad = write_csv("value", "image_id,Smiling\n1.png,1\n2.png,0\n");
    CHECK(error_of(bad, "Smiling", {"1.png", "2.png"}).find("line 3, column 2 (Smiling): '0' is not -1 or 1") !=
          std::string::npos);

    const auto short_row = write_csv("short", "image_id,Smiling,Young\n1.png,1\n");
    CHECK(error_of(short_row, "Smiling", {"1.png"}).find("line 2: 2 columns, the header has 3") != std::string::npos);

    const auto stranger = write_csv("stranger", "image_id,Smiling\n1.png,1\nghost.png,-1\n");
    CHECK(error_of(stranger, "Smiling", {"1.png"}).find("line 3, column 1: 'ghost.png' is not an image in the folder") !=
          std::string::npos);

    const auto unlabelled = write_csv("unlabelled", "image_id,Smiling\n1.png,1\n");
    CHECK(error_of(unlabelled, "Smiling", {"1.png", "2.png"}).find("has no row for the image '2.png'") != std::string::npos);

    CHECK(error_of(fs::temp_directory_path() / "xgan_attr_nowhere.csv", "Smiling", {}).find("cannot open") !=
          std::string::npos);
    for (const auto& p : {missing, bad, short_row, stranger, unlabelled}) fs::remove(p);
}
