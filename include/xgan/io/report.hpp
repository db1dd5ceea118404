#pragma once
// A run report as one self-contained HTML file: title, warnings, final metrics, the loss
// plot, the sample grids with a slider (and a play button) to step through training, text
// summaries and the configuration. Images are inlined as base64 data: URLs, so the file can
// be mailed or archived alone; all text is HTML-escaped.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/io/atomic_file.hpp"
#include "xgan/io/base64.hpp"

namespace xgan::io {

struct ReportInput {
    std::string title;
    std::string config_json;  // shown pretty-printed when it parses, as given otherwise
    std::vector<std::pair<std::string, std::string>> summaries;  // (heading, preformatted text)
    std::vector<std::uint8_t> loss_plot_png;
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>> grids;  // (label like "epoch 3", png), in time order
    std::vector<std::pair<std::string, std::string>> final_metrics;  // (name, value)
    std::vector<std::string> warnings;
};

inline std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace report_detail {

inline std::string png_data_url(const std::vector<std::uint8_t>& png) {
    return "data:image/png;base64," + base64_encode(png);
}

inline std::string pretty_json(const std::string& text) {
    const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? text : parsed.dump(2);
}

inline constexpr std::string_view style = R"(
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
img { max-width: 100%; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 13px; }
table { border-collapse: collapse; }
td, th { padding: .25em 1.2em .25em 0; text-align: left; border-bottom: 1px solid #eee; }
td.value { font-family: ui-monospace, monospace; }
.warnings { background: #fff4d6; border: 1px solid #e8c15a; padding: .6em 1em; }
.warnings li { margin: .2em 0; }
#grids img { width: 512px; max-width: 100%; image-rendering: pixelated; display: block; margin-bottom: .6em; }
#grids img[hidden] { display: none; }
.controls { display: flex; align-items: center; gap: 1em; }
.controls input { flex: 1; max-width: 420px; }
#grid-label { font-weight: 600; min-width: 8em; }
)";

// Shows one grid at a time; starts on the last (the state at the end of training).
inline constexpr std::string_view script = R"(
(function () {
  const frames = document.querySelectorAll('#grids .frame');
  const slider = document.getElementById('grid-slider');
  const label = document.getElementById('grid-label');
  const play = document.getElementById('grid-play');
  if (!slider) return;
  function show(i) {
    frames.forEach((f, k) => { f.hidden = k !== i; });
    label.textContent = frames[i].dataset.label;
    slider.value = i;
  }
  slider.addEventListener('input', () => show(Number(slider.value)));
  let timer = null;
  play.addEventListener('click', () => {
    if (timer) { clearInterval(timer); timer = null; play.textContent = 'Play'; return; }
    play.textContent = 'Pause';
    timer = setInterval(() => show((Number(slider.value) + 1) % frames.length), 500);
  });
  show(frames.length - 1);
})();
)";

}  // namespace report_detail

inline std::string render_report_html(const ReportInput& in) {
    using namespace report_detail;
    const std::string title = html_escape(in.title.empty() ? "xgan run report" : in.title);
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + title + "</title>\n";
    h += "<style>" + std::string(style) + "</style>\n</head>\n<body>\n<h1>" + title + "</h1>\n";

    if (!in.warnings.empty()) {
        h += "<div class=\"warnings\"><strong>Warnings</strong>\n<ul>\n";
        for (const auto& w : in.warnings) h += "<li>" + html_escape(w) + "</li>\n";
        h += "</ul></div>\n";
    }
    if (!in.final_metrics.empty()) {
        h += "<h2>Final metrics</h2>\n<table>\n";
        for (const auto& [name, value] : in.final_metrics)
            h += "<tr><th>" + html_escape(name) + "</th><td class=\"value\">" + html_escape(value) + "</td></tr>\n";
        h += "</table>\n";
    }
    if (!in.loss_plot_png.empty())
        h += "<h2>Losses</h2>\n<img alt=\"loss curves\" src=\"" + png_data_url(in.loss_plot_png) + "\">\n";
    if (!in.grids.empty()) {
        const std::size_t last = in.grids.size() - 1;
        h += "<h2>Samples</h2>\n<div id=\"grids\">\n";
        for (std::size_t i = 0; i < in.grids.size(); ++i) {
            const std::string label = html_escape(in.grids[i].first);
            h += "<img class=\"frame\" data-label=\"" + label + "\" alt=\"samples, " + label + "\"" +
                 (i == last ? "" : " hidden") + " src=\"" + png_data_url(in.grids[i].second) + "\">\n";
        }
        h += "<div class=\"controls\">";
        if (in.grids.size() > 1)
            h += "<button id=\"grid-play\" type=\"button\">Play</button><input id=\"grid-slider\" type=\"range\" "
                 "min=\"0\" max=\"" + std::to_string(last) + "\" value=\"" + std::to_string(last) +
                 "\" aria-label=\"sample grid\">";
        h += "<span id=\"grid-label\">" + html_escape(in.grids[last].first) + "</span></div>\n</div>\n";
    }
    for (const auto& [heading, text] : in.summaries)
        h += "<h2>" + html_escape(heading) + "</h2>\n<pre>" + html_escape(text) + "</pre>\n";
    if (!in.config_json.empty())
        h += "<h2>Configuration</h2>\n<pre>" + html_escape(pretty_json(in.config_json)) + "</pre>\n";

    h += "<script>" + std::string(script) + "</script>\n</body>\n</html>\n";
    return h;
}

inline void write_report(const std::filesystem::path& path, const ReportInput& input) {
    write_file_atomically(path, render_report_html(input));
}

}  // namespace xgan::io
