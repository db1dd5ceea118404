#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "temp_dir.hpp"
#include "xgan/cli/new_project.hpp"

namespace fs = std::filesystem;
using xgan::cli::write_new_project;

namespace {

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("new project: the four files, with the name and its C++ identifier filled in") {
    TempDir tmp("xgan_test_new_project_");
    const fs::path dir = tmp.path / "my-gan";
    write_new_project(dir, "");  // the name defaults to the directory's

    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
    CHECK(files == 4);  // and no temporary left behind
    const std::string cmake = read_text(dir / "CMakeLists.txt");
    const std::string main_cpp = read_text(dir / "main.cpp");
    const std::string model = read_text(dir / "model.hpp");
    const std::string readme = read_text(dir / "README.md");

    CHECK(contains(cmake, "project(my-gan LANGUAGES CXX)"));
    CHECK(contains(cmake, "find_package(xgan CONFIG REQUIRED)"));
    CHECK(contains(cmake, "add_executable(my-gan main.cpp)"));
    CHECK(contains(cmake, "target_link_libraries(my-gan PRIVATE xgan::xgan)"));
    CHECK(contains(main_cpp, "xgan::cli::main<"));
    CHECK(contains(main_cpp, "Model<\"my-gan\", my_gan_model::Gan, my_gan_model::training_defaults"));
    CHECK(contains(model, "namespace my_gan_model {"));
    CHECK(contains(model, "using Gan = xgan::Gan<G, D, Noise, Objective>;"));
    CHECK(contains(readme, "./build/my-gan train --data mnist --out runs/my-gan"));
    CHECK(contains(readme, "--resume runs/my-gan"));
    for (const auto& text : {cmake, main_cpp, model, readme}) {
        CHECK_FALSE(contains(text, "@NAME@"));
        CHECK_FALSE(contains(text, "@ID@"));
    }
}

TEST_CASE("new project: a given name, and an empty directory is used") {
    TempDir tmp("xgan_test_new_project_");
    write_new_project(tmp.path, "faces");  // TempDir made it: it exists, empty
    CHECK(contains(read_text(tmp.path / "main.cpp"), "Model<\"faces\", faces_model::Gan"));
    // "dir/" names the same directory as "dir".
    write_new_project(tmp.path / "sub" / "", "");
    CHECK(contains(read_text(tmp.path / "sub" / "CMakeLists.txt"), "project(sub LANGUAGES CXX)"));
}

TEST_CASE("new project: a directory that is not empty is refused and left as it was") {
    TempDir tmp("xgan_test_new_project_");
    const fs::path mine = tmp.path / "CMakeLists.txt";
    std::ofstream(mine) << "the user's own";
    CHECK_THROWS_AS(write_new_project(tmp.path, "mygan"), xgan::FileError);
    CHECK(read_text(mine) == "the user's own");
    CHECK(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator()) == 1);

    // A file in DIR's place is refused too.
    CHECK_THROWS_AS(write_new_project(mine, "mygan"), xgan::FileError);
    CHECK(read_text(mine) == "the user's own");
}

TEST_CASE("new project: names that are not a program, target and identifier are refused") {
    TempDir tmp("xgan_test_new_project_");
    for (const char* bad : {"1gan", "-gan", "_gan", "my gan", "my.gan", "my/gan", "gän", "all", "test", "install"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(write_new_project(tmp.path / "p", bad), xgan::Error);
        CHECK_FALSE(fs::exists(tmp.path / "p"));  // refused before anything is written
    }
    CHECK_THROWS_WITH_AS(write_new_project(tmp.path / "p", "1gan"),
                         doctest::Contains("letters, digits, '-' and '_', starting with a letter"), xgan::Error);
    CHECK_THROWS_AS(write_new_project(tmp.path / "9lives", ""), xgan::Error);  // the default name too
    write_new_project(tmp.path / "p", "G2_a-b");
    CHECK(contains(read_text(tmp.path / "p" / "main.cpp"), "G2_a_b_model::Gan"));
}
