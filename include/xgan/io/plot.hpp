#pragma once
// Loss curves as a PNG, drawn on a plain RGB raster (no plotting library): axes with round
// tick values, grid, title, axis labels and a legend; each series' raw points as a thin faint
// line and its smoothed curve bold on top. Text comes from stb_easy_font, scaled up by
// drawing its quads as filled rectangles.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/io/atomic_file.hpp"
#include "xgan/io/png.hpp"

#ifndef XGAN_STB_EASY_FONT_INCLUDED
#define XGAN_STB_EASY_FONT_INCLUDED
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_easy_font.h>
#pragma GCC diagnostic pop
#endif

namespace xgan::io {

struct Series {
    std::string label;
    std::vector<double> x, y;  // same length; points with a non-finite x or y are skipped
    std::array<std::uint8_t, 3> color{31, 119, 180};
};

struct PlotOptions {
    int width = 900;
    int height = 500;
    std::string title;
    std::string x_label = "step";
    std::string y_label = "loss";
    // TensorBoard's smoothing: an exponential moving average over the points in order,
    // s_i = w*s_(i-1) + (1-w)*y_i, divided by (1 - w^i) so the start is not pulled to zero.
    // 0 draws only the raw line (bold).
    double smoothing = 0.9;
    // Like TensorBoard's "ignore outliers": the y range spans the 1st..99th percentile of
    // the raw values (the whole range when a series is short), so one early spike does not
    // flatten the rest of the curve. Clipped points run off the plot edge.
    bool ignore_outliers = true;
};

// TensorBoard-style debiased EMA (see PlotOptions::smoothing); non-finite values stay as
// they are and do not enter the average.
inline std::vector<double> smooth_ema(std::span<const double> y, double weight) {
    std::vector<double> out(y.begin(), y.end());
    double last = 0;
    int count = 0;
    for (double& v : out) {
        if (!std::isfinite(v)) continue;
        last = last * weight + (1 - weight) * v;
        ++count;
        const double debias = 1 - std::pow(weight, count);
        v = debias > 0 ? last / debias : v;
    }
    return out;
}

namespace plot_detail {

using Rgb = std::array<std::uint8_t, 3>;

// An RGB raster with a clip rectangle; every drawing call is clipped to it.
struct Canvas {
    int width, height;
    std::vector<std::uint8_t> rgb;
    int clip_x0 = 0, clip_y0 = 0, clip_x1, clip_y1;  // half-open

    Canvas(int w, int h, Rgb background) : width(w), height(h), rgb(std::size_t(w) * h * 3), clip_x1(w), clip_y1(h) {
        for (std::size_t i = 0; i < rgb.size(); i += 3) std::copy(background.begin(), background.end(), &rgb[i]);
    }
    void clip(int x0, int y0, int x1, int y1) {
        clip_x0 = std::max(x0, 0), clip_y0 = std::max(y0, 0);
        clip_x1 = std::min(x1, width), clip_y1 = std::min(y1, height);
    }
    void unclip() { clip(0, 0, width, height); }

    void fill_rect(int x, int y, int w, int h, Rgb c) {
        const int xa = std::max(x, clip_x0), xb = std::min(x + w, clip_x1);
        const int ya = std::max(y, clip_y0), yb = std::min(y + h, clip_y1);
        for (int yy = ya; yy < yb; ++yy)
            for (int xx = xa; xx < xb; ++xx) std::copy(c.begin(), c.end(), &rgb[(std::size_t(yy) * width + xx) * 3]);
    }

    // Bresenham between pixel centres, each step a thickness x thickness square. The segment
    // is first cut to the clip rectangle (Liang-Barsky), so far-off points cost nothing.
    void line(double x0, double y0, double x1, double y1, int thickness, Rgb c) {
        const double pad = thickness;
        // Snap to 1/64 pixel so that rounding noise in the data cannot flip a pixel.
        auto snap = [](double v) { return std::round(v * 64) / 64; };
        x0 = snap(x0), y0 = snap(y0), x1 = snap(x1), y1 = snap(y1);
        double t0 = 0, t1 = 1;
        const double dx = x1 - x0, dy = y1 - y0;
        const double p[4] = {-dx, dx, -dy, dy};
        const double q[4] = {x0 - (clip_x0 - pad), (clip_x1 + pad) - x0, y0 - (clip_y0 - pad), (clip_y1 + pad) - y0};
        for (int i = 0; i < 4; ++i) {
            if (p[i] == 0) {
                if (q[i] < 0) return;
                continue;
            }
            const double t = q[i] / p[i];
            if (p[i] < 0) t0 = std::max(t0, t);
            else t1 = std::min(t1, t);
        }
        if (t0 > t1) return;
        int xa = int(std::lround(x0 + t0 * dx)), ya = int(std::lround(y0 + t0 * dy));
        const int xb = int(std::lround(x0 + t1 * dx)), yb = int(std::lround(y0 + t1 * dy));
        const int sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1;
        const int ex = std::abs(xb - xa), ey = -std::abs(yb - ya);
        const int half = thickness / 2;
        for (int err = ex + ey;;) {
            fill_rect(xa - half, ya - half, thickness, thickness, c);
            if (xa == xb && ya == yb) break;
            const int e2 = 2 * err;
            if (e2 >= ey) err += ey, xa += sx;
            if (e2 <= ex) err += ex, ya += sy;
        }
    }

    // stb_easy_font indexes a table by character, so anything outside printable ASCII
    // becomes '?'.
    static std::string printable(std::string_view s) {
        std::string out(s);
        for (char& ch : out)
            if (ch < 32 || ch > 126) ch = '?';
        return out;
    }
    static int text_width(std::string_view s, int scale) {
        std::string t = printable(s);
        return stb_easy_font_width(t.data()) * scale;
    }
    static constexpr int text_height(int scale) { return 8 * scale; }  // cap height + 1, no descenders

    // (x, y) is the top left of the text. Vertical text reads bottom to top and (x, y) is
    // then its bottom left.
    void text(int x, int y, std::string_view s, int scale, Rgb c, bool vertical = false) {
        std::string t = printable(s);
        std::vector<float> quads(t.size() * 64 * 4 + 16);  // 4 vertices of 4 floats per quad
        const int n = stb_easy_font_print(0, 0, t.data(), nullptr, quads.data(), int(quads.size() * sizeof(float)));
        for (int q = 0; q < n; ++q) {
            const float* v = &quads[std::size_t(q) * 16];  // vertices 0 and 2 are opposite corners
            const int u0 = int(std::lround(std::min(v[0], v[8]))), u1 = int(std::lround(std::max(v[0], v[8])));
            const int w0 = int(std::lround(std::min(v[1], v[9]))), w1 = int(std::lround(std::max(v[1], v[9])));
            if (vertical) fill_rect(x + w0 * scale, y - u1 * scale, (w1 - w0) * scale, (u1 - u0) * scale, c);
            else fill_rect(x + u0 * scale, y + w0 * scale, (u1 - u0) * scale, (w1 - w0) * scale, c);
        }
    }
};

inline Rgb blend(Rgb c, Rgb background, double alpha) {
    Rgb out;
    for (int i = 0; i < 3; ++i) out[i] = std::uint8_t(std::lround(alpha * c[i] + (1 - alpha) * background[i]));
    return out;
}

struct Ticks {
    double first, step;
    int count;
};

// Round tick values (1, 2 or 5 times a power of ten) inside [lo, hi], about `target` of them.
inline Ticks nice_ticks(double lo, double hi, int target, bool integer) {
    const double raw = (hi - lo) / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / magnitude;
    double step = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * magnitude;
    if (integer) step = std::max(step, 1.0);
    const double first = std::ceil(lo / step - 1e-9) * step;
    return {first, step, int(std::floor((hi - first) / step + 1e-9)) + 1};
}

// "0.25", "-3", "20k", "1.5M": as many decimals as the tick step needs.
inline std::string tick_label(double v, double step) {
    double div = 1;
    const char* suffix = "";
    if (step >= 1e6) div = 1e6, suffix = "M";
    else if (step >= 1e3) div = 1e3, suffix = "k";
    const int decimals = std::clamp(int(-std::floor(std::log10(step / div) + 1e-9)), 0, 9);
    if (std::abs(v) < step * 1e-6) return "0";  // not "-0.0" or "0k"
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f%s", decimals, v / div, suffix);
    return buf;
}

struct Range {
    double lo, hi;
};

// Expands an empty or zero-width range so that it can be drawn.
inline Range widen(Range r) {
    if (!(r.lo <= r.hi)) return {0, 1};
    if (r.hi - r.lo > 1e-12 * std::max(std::abs(r.lo), std::abs(r.hi))) return r;
    const double pad = r.lo != 0 ? std::abs(r.lo) * 0.1 : 1;
    return {r.lo - pad, r.hi + pad};
}

}  // namespace plot_detail

inline std::vector<std::uint8_t> render_loss_plot_png(const std::vector<Series>& series, const PlotOptions& options = {}) {
    using namespace plot_detail;
    const int W = options.width, H = options.height;
    if (W < 100 || H < 80 || W > 10000 || H > 10000)
        throw Error("render_loss_plot_png: size " + std::to_string(W) + "x" + std::to_string(H) +
                    " is outside 100x80 .. 10000x10000");
    for (const Series& s : series)
        if (s.x.size() != s.y.size())
            throw Error("render_loss_plot_png: series '" + s.label + "' has " + std::to_string(s.x.size()) +
                        " x values but " + std::to_string(s.y.size()) + " y values");

    const Rgb white{255, 255, 255}, ink{40, 40, 40}, grey{110, 110, 110}, grid{228, 228, 228};
    const int scale = std::clamp(std::min(W, H) / 250, 1, 3);  // 2 at the default size
    const int th = Canvas::text_height(scale);

    // Data ranges over the finite points.
    Range xr{INFINITY, -INFINITY}, yr{INFINITY, -INFINITY};
    std::vector<double> ys;
    bool integer_x = true;
    for (const Series& s : series)
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            xr = {std::min(xr.lo, s.x[i]), std::max(xr.hi, s.x[i])};
            integer_x = integer_x && s.x[i] == std::floor(s.x[i]);
            ys.push_back(s.y[i]);
        }
    if (!ys.empty()) {
        std::sort(ys.begin(), ys.end());
        const std::size_t cut = options.ignore_outliers ? ys.size() / 100 : 0;
        yr = {ys[cut], ys[ys.size() - 1 - cut]};
    }
    xr = widen(xr);
    yr = widen(yr);
    const double ypad = 0.05 * (yr.hi - yr.lo);
    yr = {yr.lo - ypad, yr.hi + ypad};
    const auto xt = nice_ticks(xr.lo, xr.hi, std::max(2, W / (70 * scale)), integer_x);
    const auto yt = nice_ticks(yr.lo, yr.hi, std::max(2, H / (40 * scale)), false);

    // Layout: title and legend above the plot, tick labels and axis labels left and below.
    int y_tick_width = 0;
    for (int i = 0; i < yt.count; ++i)
        y_tick_width = std::max(y_tick_width, Canvas::text_width(tick_label(yt.first + i * yt.step, yt.step), scale));
    const int tick = 3 * scale, gap = 4 * scale;
    const int left = gap + (options.y_label.empty() ? 0 : th + 2 * gap) + y_tick_width + tick + gap;
    const int right = W - 6 * gap;
    std::vector<const Series*> legend;
    int legend_width = 0;
    for (const Series& s : series)
        if (!s.label.empty()) {
            legend.push_back(&s);
            legend_width += 8 * gap + Canvas::text_width(s.label, scale);
        }
    const int title_width = options.title.empty() ? 0 : Canvas::text_width(options.title, scale);
    const bool legend_own_row = title_width > 0 && title_width + 3 * gap + legend_width > right - left;
    const int rows = (title_width > 0 || !legend.empty() ? 1 : 0) + (legend_own_row ? 1 : 0);
    const int top = rows == 0 ? 4 * gap : gap * 3 + rows * (th + 3 * gap);
    const int bottom = H - (tick + gap + th + (options.x_label.empty() ? 0 : 2 * gap + th) + 3 * gap);
    if (right - left < 20 || bottom - top < 20) throw Error("render_loss_plot_png: image too small for its labels");

    auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * (right - left); };
    auto py = [&](double y) { return bottom - (y - yr.lo) / (yr.hi - yr.lo) * (bottom - top); };

    Canvas c(W, H, white);
    for (int i = 0; i < xt.count; ++i) {
        const double v = xt.first + i * xt.step;
        const int x = int(std::lround(px(v)));
        c.fill_rect(x, top, 1, bottom - top, grid);
        c.fill_rect(x, bottom, 1, tick, ink);
        const std::string label = tick_label(v, xt.step);
        const int w = Canvas::text_width(label, scale);
        c.text(std::clamp(x - w / 2, 0, W - w), bottom + tick + gap, label, scale, ink);
    }
    for (int i = 0; i < yt.count; ++i) {
        const double v = yt.first + i * yt.step;
        const int y = int(std::lround(py(v)));
        c.fill_rect(left, y, right - left, 1, grid);
        c.fill_rect(left - tick, y, tick, 1, ink);
        const std::string label = tick_label(v, yt.step);
        c.text(left - tick - gap - Canvas::text_width(label, scale), y - th / 2, label, scale, ink);
    }
    c.fill_rect(left, top, 1, bottom - top + 1, ink);
    c.fill_rect(left, bottom, right - left, 1, ink);

    if (!options.x_label.empty()) {
        const int w = Canvas::text_width(options.x_label, scale);
        c.text((left + right - w) / 2, H - 3 * gap - th, options.x_label, scale, ink);
    }
    if (!options.y_label.empty()) {
        const int w = Canvas::text_width(options.y_label, scale);
        c.text(gap, (top + bottom + w) / 2, options.y_label, scale, ink, true);
    }
    int row_y = gap * 3;
    if (title_width > 0) c.text(left, row_y, options.title, scale, ink);
    if (legend_own_row) row_y += th + 3 * gap;
    int lx = right - legend_width;
    for (const Series* s : legend) {
        c.line(lx + gap, row_y + th / 2.0, lx + 6 * gap, row_y + th / 2.0, 3 * scale / 2 + 1, s->color);
        c.text(lx + 7 * gap, row_y, s->label, scale, ink);
        lx += 8 * gap + Canvas::text_width(s->label, scale);
    }
    if (ys.empty()) {
        const int w = Canvas::text_width("no data", scale);
        c.text((left + right - w) / 2, (top + bottom - th) / 2, "no data", scale, grey);
    }

    // The curves, clipped to the plot area: raw points faint and thin, smoothing bold on top.
    c.clip(left + 1, top, right + 1, bottom);
    const bool smooth = options.smoothing > 0 && options.smoothing < 1;
    const int bold = scale + 1;
    auto draw = [&](const Series& s, std::span<const double> y, int thickness, Rgb color, bool dots) {
        bool have_prev = false;
        double x0 = 0, y0 = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(y[i])) {
                have_prev = false;  // a gap in the data is a gap in the line
                continue;
            }
            const double x1 = px(s.x[i]), y1 = py(y[i]);
            if (have_prev) c.line(x0, y0, x1, y1, thickness, color);
            if (dots) c.line(x1, y1, x1, y1, thickness + 2, color);
            x0 = x1, y0 = y1, have_prev = true;
        }
    };
    for (const Series& s : series) {
        const bool sparse = s.x.size() * 6 <= std::size_t(right - left);
        if (smooth) draw(s, s.y, 1, blend(s.color, white, 0.35), sparse);
        const auto sm = smooth ? smooth_ema(s.y, options.smoothing) : s.y;
        draw(s, sm, bold, s.color, s.x.size() == 1);
    }
    return encode_png(c.rgb, W, H, 3);
}

inline void write_loss_plot(const std::filesystem::path& path, const std::vector<Series>& series,
                            const PlotOptions& options = {}) {
    const auto png = render_loss_plot_png(series, options);
    write_file_atomically(path, std::as_bytes(std::span(png)));
}

}  // namespace xgan::io
