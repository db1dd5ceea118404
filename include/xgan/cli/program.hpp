#pragma once
// The running program's name, for messages that say what to type: argv[0]'s file name, set by
// cli::main ("xgan" for the xgan tool, "mygan" for a user's program built on the library).
#include <string>

namespace xgan::cli {

inline std::string& program_name() {
    static std::string name = "xgan";
    return name;
}
// "xgan train --resume runs/mlp" for command("train --resume runs/mlp").
inline std::string command(const std::string& rest) { return program_name() + " " + rest; }

}  // namespace xgan::cli
