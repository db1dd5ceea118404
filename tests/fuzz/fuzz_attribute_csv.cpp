// libFuzzer harness: xgan::data::attribute_labels (include/xgan/data/attribute_csv.hpp).
// Input: a control line "ATTRIBUTE\tFILE\tFILE..." (the column asked for and the folder's image
// files), then the CSV file's bytes.
#include <cstdlib>
#include <string>
#include <vector>

#include <xgan/data/attribute_csv.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::size_t eol = text.find('\n');
    const std::string control = text.substr(0, eol);
    const std::string csv = eol == std::string::npos ? std::string() : text.substr(eol + 1);
    std::vector<std::string> fields;
    for (std::size_t at = 0;;) {
        const std::size_t tab = control.find('\t', at);
        fields.push_back(control.substr(at, tab - at));
        if (tab == std::string::npos) break;
        at = tab + 1;
    }
    const std::string attribute = fields.front();
    const std::vector<std::string> files(fields.begin() + 1, fields.end());
    const auto file = xgan_fuzz::write_input("attributes.csv", reinterpret_cast<const std::uint8_t*>(csv.data()), csv.size());
    xgan_fuzz::run_one([&] {
        const auto labels = xgan::data::attribute_labels(file, attribute, files);
        if (labels.size() != files.size()) std::abort();
        for (auto l : labels)
            if (l != 0 && l != 1) std::abort();
    });
    return 0;
}
