"""lint: checks every case's metadata before a run (test262 tools/lint style, STYLE.md item 13).

Checked: id shape and uniqueness; `expect` against the id prefix; features against the closed
list in conformance/features.txt; the doc reference (an https URL cited by the spec notes, or a
spec section); step verbs, arities, variables and expected out-values; y_/n_ step expectations;
open cases' input files, their sha256 (fixture hashes), rule ids and expected dumps.
"""
import os
import re

import caselib

ID_RE = re.compile(r"^[yni]_[a-z0-9]+(_[a-z0-9]+)+$")
RULE_RE = re.compile(r"\bR-[A-J]\d\d\b")


def features(project):
    """(capabilities, tags) of conformance/features.txt: the closed lists."""
    p = os.path.join(project, "conformance", "features.txt")
    caps, tags, in_tags = set(), set(), False
    with open(p, encoding="utf-8") as fh:
        for ln in fh:
            ln = ln.split("#", 1)[0].strip()
            if ln == "[tags]":
                in_tags = True
            elif ln and in_tags:
                tags.update(ln.split())
            elif ln:
                caps.add(ln.split()[0])
    return caps, tags


def _spec_text(project, hives):
    """The spec notes (../shared/spec) and ref/RULES.md when present: the universe of doc URLs
    and rule ids a case may cite.  Empty when neither is present (checks then skip)."""
    text = ""
    spec = os.path.join(os.path.dirname(hives), "spec")
    for p in (os.path.join(spec, "offreg-api.md"), os.path.join(spec, "regf-format.md"),
              os.path.join(project, "ref", "RULES.md")):
        if os.path.exists(p):
            with open(p, encoding="utf-8") as fh:
                text += fh.read()
    return text


def lint(cases, project, hives):
    problems = []
    caps, tags = features(project)
    feats = caps | tags
    spec = _spec_text(project, hives)
    urls = set(re.findall(r"https://[^\s)\]>`'\",]+", spec))
    urls = {u.rstrip(".;:") for u in urls}
    rules = set(RULE_RE.findall(spec))
    seen = {}
    for c in cases:
        where = "%s:%d %s" % (os.path.relpath(c.file, project), c.line, c.id)
        cid = c.id
        if not ID_RE.match(cid):
            problems.append("%s: id must be y_|n_|i_ + area + words in [a-z0-9_]" % where)
        if cid in seen:
            problems.append("%s: duplicate id (also %s)" % (where, seen[cid]))
        seen[cid] = where
        want = caselib.EXPECT_BY_PREFIX.get(cid[:1])
        exp = c.meta.get("expect")
        if caselib.EXPECT_SYNONYMS.get(exp, exp) != want:
            problems.append("%s: expect is %r, the prefix says %r" % (where, c.meta.get("expect"), want))
        if not c.meta.get("description"):
            problems.append("%s: no description" % where)
        for f in c.features:
            if f not in feats:
                problems.append("%s: feature %r not in conformance/features.txt" % (where, f))
        doc = c.meta.get("doc", "")
        if not doc:
            problems.append("%s: no doc" % where)
        elif doc.startswith("https://"):
            if urls and doc not in urls:
                problems.append("%s: doc URL not cited by the spec notes: %s" % (where, doc))
        elif not re.match(r"^(regf-format|offreg-api|DUMP)\.md (§[0-9.]+|R-[A-J]\d\d|Appendix)", doc):
            problems.append("%s: doc must be an https URL or 'regf-format.md §N' / 'R-xNN'" % where)
        if c.family == "open":
            problems += _lint_open(c, where, project, hives, rules)
        else:
            problems += _lint_steps(c, where)
    return problems


def _lint_open(c, where, project, hives, rules):
    out = []
    f = c.meta.get("file", "")
    if f.startswith("hives/"):
        path = os.path.join(hives, f[len("hives/"):])
        required = os.path.isdir(hives)
    else:
        path = os.path.join(project, f)
        required = True
    if not os.path.exists(path):
        if required:
            out.append("%s: input %s missing" % (where, f))
    else:
        sha = c.meta.get("sha256", "")
        if sha and caselib.sha256_file(path) != sha:
            out.append("%s: sha256 of %s does not match the case" % (where, f))
    for rule in [c.meta.get("rule", "-")] + c.meta.get("rule_alt", "-").split():
        if rule in ("", "-"):
            continue
        if not re.match(r"^R-[A-J]\d\d$", rule):
            out.append("%s: bad rule id %r" % (where, rule))
        elif rules and rule not in rules:
            out.append("%s: rule %s is not in the rule catalogue" % (where, rule))
    if c.id.startswith("n_") and c.meta.get("dump", "-") not in ("", "-"):
        out.append("%s: an n_ case has no dump" % where)
    dump = c.meta.get("dump", "-")
    if dump not in ("", "-") and not dump.startswith("sha256:"):
        p = os.path.join(os.path.dirname(c.file), dump)
        if not os.path.exists(p):
            out.append("%s: expected dump %s missing" % (where, dump))
    return out


def _lint_steps(c, where):
    out = []
    if not c.steps:
        return ["%s: no steps" % where]
    defined = set()
    fails = 0
    for st in c.steps:
        if st.verb not in caselib.SIGS and st.verb not in caselib.RUNNER_VERBS:
            if c.family in ("api", "save"):
                out.append("%s: unknown verb %s" % (where, st.verb))
            continue
        for name, v in st.args:
            if v[0] == "var" and name not in ("out",) and v[1] not in defined:
                out.append("%s: %s uses %s before it is assigned" % (where, st.verb, v[1]))
        for name, v in st.args:
            if name == "out" and v[0] == "var":
                defined.add(v[1])
        allowed = caselib.OUTS.get(st.verb, set())
        for k in st.expect_outs:
            if k not in allowed:
                out.append("%s: %s has no out-value %r" % (where, st.verb, k))
        if st.expect_code not in (0, None):
            fails += 1
    if c.id.startswith("n_") and fails == 0:
        out.append("%s: an n_ case must expect at least one failing step" % where)
    if c.id.startswith("y_") and fails:
        out.append("%s: a y_ case expects every step to succeed" % where)
    if c.dump is not None and not any(s.verb == "dump" for s in c.steps):
        out.append("%s: dump block without a dump step" % where)
    return out
