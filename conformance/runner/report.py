"""report: results.tsv, matrix.md, a self-contained matrix.html and junit.xml.

The matrix groups rows (cases) whose results are identical across adapters, as JSONTestSuite's
pruned HTML does, so the interesting disagreements stand out.  Every cell links to the adapter's
output for that case (out/<adapter>/<case>.txt) and every case to its file.
"""
import html
import os
import xml.sax.saxutils as sax
from collections import Counter, OrderedDict

COLORS = {"PASS": "#8fd18f", "SKIP": "#dddddd", "IMPL_ACCEPT": "#cfe3f7", "IMPL_REJECT": "#b9d3ee",
          "SHOULD_HAVE_ACCEPTED": "#f4a261", "SHOULD_HAVE_REJECTED": "#e76f51",
          "WRONG_ERROR": "#f6d06f", "WRONG_DUMP": "#f2b5d4", "CRASH": "#d62828",
          "TIMEOUT": "#9d4edd", "HARNESS_ERROR": "#6c757d", "MEMORY_ERROR": "#000000"}
ORDER = ["PASS", "SHOULD_HAVE_ACCEPTED", "SHOULD_HAVE_REJECTED", "WRONG_ERROR", "WRONG_DUMP",
         "IMPL_ACCEPT", "IMPL_REJECT", "SKIP", "CRASH", "TIMEOUT", "HARNESS_ERROR", "MEMORY_ERROR"]


def cell_relpath(cell):
    return "%s/%s.txt" % (cell.adapter.name, cell.case.id)


def save_cell_output(out, cell):
    p = os.path.join(out, cell_relpath(cell))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write("case: %s (%s:%d)\nadapter: %s [%s]\nstatus: %s\ndetail: %s\nexit: %s%s\n" % (
            cell.case.id, cell.case.file, cell.case.line, cell.adapter.name, cell.adapter.version,
            cell.status, cell.detail, cell.rc, " signal %s" % cell.signal if cell.signal else ""))
        if cell.workdir and os.path.exists(os.path.join(cell.workdir, "plan.txt")):
            with open(os.path.join(cell.workdir, "plan.txt")) as pf:
                fh.write("\n--- plan\n" + pf.read())
        limit = 200000
        fh.write("\n--- stdout\n" + cell.stdout[:limit])
        if len(cell.stdout) > limit:
            fh.write("\n[... %d more bytes]\n" % (len(cell.stdout) - limit))
        fh.write("\n--- stderr\n" + cell.stderr[:20000])


def write_all(out, cases, adapters, cells, cases_dir):
    grid = OrderedDict((c.id, {}) for c in cases)
    for c in cells:
        grid[c.case.id][c.adapter.name] = c
    names = [a.name for a in adapters]
    _tsv(out, cells)
    _md(out, cases, adapters, cells, grid, names)
    _html(out, cases, adapters, grid, names, cases_dir)
    _junit(out, adapters, cells)


def _tsv(out, cells):
    with open(os.path.join(out, "results.tsv"), "w", encoding="utf-8") as fh:
        fh.write("case\tfamily\tadapter\tversion\tstatus\tdetail\toutput\n")
        for c in cells:
            fh.write("\t".join([c.case.id, c.case.family, c.adapter.name, c.adapter.version,
                                c.status, c.detail.replace("\t", " ").replace("\n", " ")[:300],
                                cell_relpath(c)]) + "\n")


def summary(adapters, cells):
    rows = []
    for a in adapters:
        cnt = Counter(c.status for c in cells if c.adapter is a)
        rows.append((a, cnt))
    return rows


def _md(out, cases, adapters, cells, grid, names):
    fams = Counter(c.family for c in cases)
    L = ["# Conformance matrix", "",
         "%d cases (%s); adapters: %s." % (len(cases), ", ".join("%s %d" % kv for kv in
                                           sorted(fams.items())),
                                           ", ".join("%s [%s]" % (a.name, a.version) for a in adapters)),
         "", "## Summary", "",
         "| adapter | " + " | ".join(s for s in ORDER) + " |",
         "|---|" + "---|" * len(ORDER)]
    for a, cnt in summary(adapters, cells):
        L.append("| %s | %s |" % (a.name, " | ".join(str(cnt.get(s, 0)) for s in ORDER)))
    L += ["", "## Cells that are not PASS or SKIP", "",
          "| case | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for cid, row in grid.items():
        if all(row[n].status in ("PASS", "SKIP") for n in names if n in row):
            continue
        L.append("| %s | %s |" % (cid, " | ".join(
            "[%s](%s)" % (row[n].status, cell_relpath(row[n])) if n in row else "" for n in names)))
    L += ["", "## Details", ""]
    for c in cells:
        if c.status not in ("PASS", "SKIP"):
            L.append("- `%s` %s **%s**: %s" % (c.case.id, c.adapter.name, c.status,
                                               c.detail.replace("|", "\\|")[:240]))
    with open(os.path.join(out, "matrix.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(L) + "\n")


def _html(out, cases, adapters, grid, names, cases_dir):
    groups = OrderedDict()
    by_id = {c.id: c for c in cases}
    for cid, row in grid.items():
        key = tuple(row[n].status if n in row else "" for n in names)
        groups.setdefault(key, []).append(cid)
    fams = sorted({c.family for c in cases})
    esc = html.escape
    H = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>hiveref conformance matrix</title>",
         "<style>body{font:13px sans-serif;margin:1em}table{border-collapse:collapse}"
         "td,th{border:1px solid #999;padding:2px 5px}th{background:#eee;position:sticky;top:0}"
         "td.s a{color:#000;text-decoration:none}td.case{font-family:monospace}"
         "tr.grp td{background:#f7f7f7;font-weight:bold}.legend span{padding:2px 6px;margin:2px;"
         "display:inline-block}</style></head><body><h1>hiveref conformance matrix</h1>"]
    H.append("<p>Adapters: %s</p>" % ", ".join("<b>%s</b> [%s] caps: %s" % (
        esc(a.name), esc(a.version), esc(" ".join(sorted(a.caps)))) for a in adapters))
    H.append("<p class='legend'>" + "".join(
        "<span style='background:%s;color:%s'>%s</span>" % (
            COLORS[s], "#fff" if s in ("CRASH", "MEMORY_ERROR", "TIMEOUT", "HARNESS_ERROR")
            else "#000", s) for s in ORDER) + "</p>")
    H.append("<p>Family <select id='fam' onchange='f()'><option value=''>all</option>%s</select> "
             "Status <select id='st' onchange='f()'><option value=''>all</option>%s</select> "
             "<label><input type='checkbox' id='np' onchange='f()'> hide rows where every "
             "adapter PASSes or SKIPs</label></p>" % (
                 "".join("<option>%s</option>" % esc(x) for x in fams),
                 "".join("<option>%s</option>" % s for s in ORDER)))
    H.append("<table><tr><th>case (%d groups of identical results)</th>%s</tr>" % (
        len(groups), "".join("<th>%s</th>" % esc(n) for n in names)))
    for key, ids in groups.items():
        H.append("<tr class='grp' data-st='%s'><td colspan='%d'>%d case(s): %s</td></tr>" % (
            " ".join(key), len(names) + 1, len(ids), esc(" / ".join(key))))
        for cid in ids:
            c = by_id[cid]
            rel = os.path.relpath(c.file, out)
            H.append("<tr data-fam='%s' data-st='%s'><td class='case' title='%s'>"
                     "<a href='%s'>%s</a></td>" % (esc(c.family), " ".join(key),
                                                   esc(c.meta.get("description", "")),
                                                   esc(rel), esc(cid)))
            for n in names:
                cell = grid[cid].get(n)
                if cell is None:
                    H.append("<td></td>"); continue
                fg = "#fff" if cell.status in ("CRASH", "MEMORY_ERROR", "TIMEOUT",
                                               "HARNESS_ERROR") else "#000"
                H.append("<td class='s' style='background:%s' title='%s'><a style='color:%s' "
                         "href='%s'>%s</a></td>" % (COLORS[cell.status], esc(cell.detail[:300]), fg,
                                                    esc(cell_relpath(cell)), cell.status))
            H.append("</tr>")
    H.append("</table><script>function f(){var fa=document.getElementById('fam').value,"
             "st=document.getElementById('st').value,np=document.getElementById('np').checked;"
             "var rows=document.querySelectorAll('tr[data-st]');for(var i=0;i<rows.length;i++){"
             "var r=rows[i],s=r.getAttribute('data-st').split(' '),ok=true;"
             "if(st&&s.indexOf(st)<0)ok=false;if(np&&s.every(function(x){return x=='PASS'||"
             "x=='SKIP'||x==''}))ok=false;if(fa&&r.getAttribute('data-fam')&&"
             "r.getAttribute('data-fam')!=fa)ok=false;r.style.display=ok?'':'none';}}</script>"
             "</body></html>")
    with open(os.path.join(out, "matrix.html"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(H))


def _junit(out, adapters, cells):
    failing = {"SHOULD_HAVE_ACCEPTED", "SHOULD_HAVE_REJECTED", "WRONG_ERROR", "WRONG_DUMP"}
    errors = {"CRASH", "TIMEOUT", "HARNESS_ERROR", "MEMORY_ERROR"}
    X = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for a in adapters:
        mine = [c for c in cells if c.adapter is a]
        X.append('<testsuite name="conformance.%s" tests="%d" failures="%d" errors="%d" '
                 'skipped="%d">' % (sax.escape(a.name), len(mine),
                                    sum(c.status in failing for c in mine),
                                    sum(c.status in errors for c in mine),
                                    sum(c.status == "SKIP" for c in mine)))
        for c in mine:
            X.append('<testcase classname="%s.%s" name="%s">' % (
                sax.escape(a.name), sax.escape(c.case.family), sax.escape(c.case.id)))
            msg = sax.quoteattr("%s: %s" % (c.status, c.detail[:300]))
            if c.status in failing:
                X.append("<failure message=%s/>" % msg)
            elif c.status in errors:
                X.append("<error message=%s/>" % msg)
            elif c.status == "SKIP":
                X.append("<skipped message=%s/>" % msg)
            X.append("</testcase>")
        X.append("</testsuite>")
    X.append("</testsuites>")
    with open(os.path.join(out, "junit.xml"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(X) + "\n")
