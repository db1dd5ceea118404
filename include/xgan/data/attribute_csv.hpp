#pragma once
// Labels from a CelebA-style attribute table: a header row naming the columns, then one row per
// image whose first column is the file name and whose other columns are -1 or 1.
//   image_id,Blond_Hair,Smiling
//   000001.jpg,-1,1
// attribute_labels() gives every image of a folder dataset the label 0 (-1) or 1 (1) of one
// attribute. Every error names the CSV file, the line and the column.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"

namespace xgan::data {

namespace detail {
inline std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, ',')) {
        while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ')) cell.pop_back();
        while (!cell.empty() && cell.front() == ' ') cell.erase(cell.begin());
        cells.push_back(cell);
    }
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
}
}  // namespace detail

// files: the dataset's images, as ImageFolderReport::files lists them (paths relative to the
// folder); a CSV row matches by that path or by its file name alone.
inline std::vector<std::int32_t> attribute_labels(const std::filesystem::path& csv, const std::string& attribute,
                                                  const std::vector<std::string>& files) {
    std::ifstream in(csv);
    if (!in) throw FileError(csv, "cannot open the attribute table");
    std::string line;
    if (!std::getline(in, line)) throw FileError(csv, "empty: expected a header row naming the columns");
    const auto header = detail::split_csv_line(line);
    std::size_t column = 0;
    for (std::size_t c = 1; c < header.size(); ++c)
        if (header[c] == attribute) column = c;
    if (column == 0) {
        std::string known;
        for (std::size_t c = 1; c < header.size(); ++c) known += (c > 1 ? ", " : "") + header[c];
        throw FileError(csv, "line 1: no column '" + attribute + "' (columns: " + known + ")");
    }
    std::map<std::string, std::int32_t> by_name;
    for (std::size_t number = 2; std::getline(in, line); ++number) {
        if (line.empty() || line == "\r") continue;
        const auto cells = detail::split_csv_line(line);
        const std::string where = "line " + std::to_string(number);
        if (cells.size() != header.size())
            throw FileError(csv, where + ": " + std::to_string(cells.size()) + " columns, the header has " +
                                     std::to_string(header.size()));
        const std::string& v = cells[column];
        if (v != "-1" && v != "1")
            throw FileError(csv, where + ", column " + std::to_string(column + 1) + " (" + attribute + "): '" + v +
                                     "' is not -1 or 1");
        by_name[cells[0]] = v == "1" ? 1 : 0;
    }
    std::vector<std::int32_t> labels;
    labels.reserve(files.size());
    for (const auto& f : files) {
        auto it = by_name.find(f);
        if (it == by_name.end()) it = by_name.find(std::filesystem::path(f).filename().string());
        if (it == by_name.end()) throw FileError(csv, "has no row for the image '" + f + "'");
        labels.push_back(it->second);
    }
    // Rows naming files the folder does not have are errors too: a typo would otherwise go unseen.
    std::map<std::string, bool> present;
    for (const auto& f : files) present[f] = present[std::filesystem::path(f).filename().string()] = true;
    std::size_t number = 1;
    std::ifstream again(csv);
    std::getline(again, line);
    while (std::getline(again, line)) {
        ++number;
        if (line.empty() || line == "\r") continue;
        const auto name = detail::split_csv_line(line)[0];
        if (!present.count(name))
            throw FileError(csv, "line " + std::to_string(number) + ", column 1: '" + name + "' is not an image in the folder");
    }
    return labels;
}

}  // namespace xgan::data
