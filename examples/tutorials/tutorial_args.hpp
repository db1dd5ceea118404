#pragma once
// The tutorial programs' command line: an optional flag, then positional arguments; --help
// prints the usage, and anything else that starts with '-' is refused before a run directory
// is made (a mistyped option must not become one).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <xgan/core/error.hpp>

struct TutorialArgs {
    std::vector<std::string> positional;
    bool flag = false;  // the program's one flag, when it has one (seed3's --mlp)

    // Positional argument i, or `fallback` when fewer were given.
    std::string at(std::size_t i, const std::string& fallback) const { return i < positional.size() ? positional[i] : fallback; }

    // Positional argument i as an epoch count: a whole number from 1 (atoi would read "ten" as 0).
    int epochs(std::size_t i, int fallback) const {
        if (i >= positional.size()) return fallback;
        const std::string& s = positional[i];
        char* end = nullptr;
        const long v = std::strtol(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0' || v < 1 || v > 1'000'000)
            throw xgan::Error("EPOCHS must be a whole number from 1 to 1000000, not '" + s + "'");
        return int(v);
    }
};

// usage: the line after "usage: ". max_positional: how many positional arguments the program
// takes; flag: the one flag it accepts (or null), only before them.
inline TutorialArgs parse_tutorial_args(int argc, char** argv, const std::string& usage, std::size_t max_positional,
                                        const char* flag = nullptr) {
    TutorialArgs a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::printf("usage: %s\n", usage.c_str());
            std::exit(0);
        }
        if (flag && arg == flag && i == 1) {
            a.flag = true;
        } else if (!arg.empty() && arg[0] == '-') {
            throw xgan::Error("unknown option '" + arg + "'; usage: " + usage);
        } else {
            a.positional.push_back(arg);
        }
    }
    if (a.positional.size() > max_positional)
        throw xgan::Error("too many arguments; usage: " + usage);
    return a;
}
