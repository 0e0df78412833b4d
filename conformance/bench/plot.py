#!/usr/bin/env python3
"""plot.py: the scaling curve of conformance/bench as an SVG (python3 standard library only).

Reads the TSV that `hiveref-bench --tsv FILE` writes and plots, for the generated hives, the
time per MB (10^6 bytes of hive file) against the hive size on a log axis: one panel for wall
time (median of runs), one for CPU time (user + system, median), one line per implementation
and operation.  Flat lines mean linear cost; the issue's target is max/min <= 1.5 per line.

Usage: plot.py RESULTS.tsv OUT.svg
"""
import csv
import math
import sys

W, H = 1060, 420
PANEL_W, PANEL_H = 420, 300
LEFT, TOP = 70, 50
COLORS = {"ref": "#1f77b4", "hivex": "#d62728", "libregf": "#2ca02c"}
DASH = {"open": "", "walk": "6,3", "save": "2,3", "validate": "10,3,2,3", "export": "1,1"}


def load(path):
    series = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["generated"] != "1":
                continue
            size = int(row["size"])
            key = (row["impl"], row["op"])
            wall = int(row["phase_ns"] if row["op"] == "validate" else row["median_ns"])
            cpu = int(row["cpu_ns"])
            if wall <= 0:
                continue
            series.setdefault(key, []).append((size, wall / 1e6 / (size / 1e6),
                                               cpu / 1e6 / (size / 1e6)))
    for pts in series.values():
        pts.sort()
    return series


def panel(out, series, idx, x0, title):
    sizes = sorted({p[0] for pts in series.values() for p in pts})
    ys = [p[idx] for pts in series.values() for p in pts if p[idx] > 0]
    if not sizes or not ys:
        return
    lx0, lx1 = math.log10(sizes[0]), math.log10(sizes[-1])
    if lx1 == lx0:
        lx1 = lx0 + 1
    ly0, ly1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    if ly1 == ly0:
        ly1 = ly0 + 1

    def px(s):
        return x0 + (math.log10(s) - lx0) / (lx1 - lx0) * PANEL_W

    def py(v):
        return TOP + PANEL_H - (math.log10(v) - ly0) / (ly1 - ly0) * PANEL_H

    out.append('<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>'
               % (x0, TOP - 15, title))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>'
               % (x0, TOP, PANEL_W, PANEL_H))
    for e in range(ly0, ly1 + 1):
        y = py(10 ** e)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                   % (x0, y, x0 + PANEL_W, y))
        out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%g</text>'
                   % (x0 - 5, y + 4, 10 ** e))
    for s in sizes:
        x = px(s)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                   % (x, TOP, x, TOP + PANEL_H))
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%.0f MiB</text>'
                   % (x, TOP + PANEL_H + 16, s / 1048576))
    out.append('<text x="%d" y="%d" font-size="11" transform="rotate(-90 %d %d)" '
               'text-anchor="middle">ms per MB (log)</text>'
               % (x0 - 45, TOP + PANEL_H // 2, x0 - 45, TOP + PANEL_H // 2))
    for (impl, op), pts in sorted(series.items()):
        pts = [p for p in pts if p[idx] > 0]
        if len(pts) < 2:
            continue
        d = " ".join("%.1f,%.1f" % (px(p[0]), py(p[idx])) for p in pts)
        out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2" '
                   'stroke-dasharray="%s"/>' % (d, COLORS.get(impl, "#000"), DASH.get(op, "")))
        for p in pts:
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>'
                       % (px(p[0]), py(p[idx]), COLORS.get(impl, "#000")))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    series = load(argv[1])
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif">' % (W, H + 20 * ((len(series) + 3) // 4)),
           '<rect width="100%" height="100%" fill="white"/>']
    panel(out, series, 1, LEFT, "wall time per MB (median)")
    panel(out, series, 2, LEFT + PANEL_W + 70, "CPU time per MB (median)")
    y = TOP + PANEL_H + 45
    for i, (impl, op) in enumerate(sorted(series)):
        x = LEFT + (i % 4) * 230
        yy = y + (i // 4) * 20
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2" '
                   'stroke-dasharray="%s"/>' % (x, yy - 4, x + 30, yy - 4,
                                                COLORS.get(impl, "#000"), DASH.get(op, "")))
        out.append('<text x="%d" y="%d" font-size="12">%s %s</text>' % (x + 36, yy, impl, op))
    out.append("</svg>")
    with open(argv[2], "w") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
