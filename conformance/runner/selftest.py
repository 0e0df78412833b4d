#!/usr/bin/env python3
"""Self-test of the runner's parts that need no adapter: case parsing and wire encoding, dump
projection and comparison, step-result judging.  Run by ctest (conformance_runner_selftest)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import caselib  # noqa: E402
import dumpcmp  # noqa: E402


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


st = caselib.parse_step('create_key $root "a\\\\b" -> $k => 0 disp=1')
check(st.verb == "create_key" and st.expect_code == 0, "create_key parse")
plan = caselib.make_plan(type("C", (), {"steps": [st]})(), lambda p: p[1])
check(plan == "create_key $root w:61005c006200 - 0 - $k 1\n", "wire: %r" % plan)
st = caselib.parse_step('set_value $k "v" REG_SZ sz("x") => ok')
check(dict(st.args)["cb"] == ("int", 4), "cb defaults to the data length")
st = caselib.parse_step('create_key $root "a"*256 => ERROR_INVALID_PARAMETER')
check(len(dict(st.args)["subkey"][1]) == 256 and st.expect_code == 87, "repetition and names")
st = caselib.parse_step('get_value $k NULL "v" buf=2 => ERROR_MORE_DATA cnt=4')
check(dict(st.args)["cnt"] == ("int", 2) and st.expect_outs["cnt"] == ("int", 4), "cnt=buf")
check(caselib.parse_value('"\\U00010410"') == ("str", [0xD801, 0xDC10]), "surrogate pair")
check(caselib.parse_value("multi(\"a\",\"b\")")[1] == b"a\0\0\0b\0\0\0\0\0", "multi")

exp = ["H ROOT", "K \\\t-\t*\t-", "V \\\t@\t1\t4\t78000000"]
act = ["H ?", "K \\\t-\t01d0000000000000\t-", "V \\\t@\t1\t2\t7800"]
caps_full = {"class", "timestamps", "raw-data", "key-flags"}
check(dumpcmp.compare(dumpcmp.project(exp, caps_full), dumpcmp.project(act, caps_full)) is not None,
      "raw data differs")
check(dumpcmp.compare(dumpcmp.project(exp, {"timestamps"}), dumpcmp.project(act, {"timestamps"}))
      is None, "decoded strings compare equal")
check(dumpcmp.digest(["H A", "K \\"]) == dumpcmp.digest(["H B", "K \\"]), "digest ignores H")
print("runner selftest: ok")

# ---- end to end: a fake adapter exercising every process status ------------------------------
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

tmp = tempfile.mkdtemp(prefix="hiveref-selftest-")
try:
    fake = os.path.join(tmp, "fake-adapter")
    with open(fake, "w") as fh:
        fh.write('''#!/usr/bin/env python3
import os, signal, sys, time
a = sys.argv[1:]
if a[0] == "caps": print("read write create win32-errors"); sys.exit(0)
if a[0] == "version": print("fake 1"); sys.exit(0)
if a[0] == "run":
    plan = open(a[1]).read().split("\\n")
    for i, ln in enumerate(l for l in plan if l):
        v = ln.split(" ")
        if v[0] == "create_key" and v[2] == "w:6300":  # "c": crash
            os.kill(os.getpid(), signal.SIGSEGV)
        if v[0] == "create_key" and v[2] == "w:7400":  # "t": hang
            time.sleep(60)
        if v[0] == "create_key" and v[2] == "w:7500":  # "u": unsupported
            sys.exit(2)
        if v[0] == "create_key" and v[2] == "w:6800":  # "h": harness error
            sys.exit(3)
        if v[0] == "create_key" and v[2] == "w:7700":  # "w": wrong error code
            print("%d %s 5" % (i, v[0])); continue
        if v[0] == "dump":
            print("%d dump 0" % i); print("| H ?"); print("| K \\\\\\t-\\t0000000000000001\\t-")
            print("| S\\t1\\t0\\t0"); continue
        print("%d %s 0%s" % (i, v[0], " disp=1" if v[0] == "create_key" else ""))
    sys.exit(0)
sys.exit(3)
''')
    os.chmod(fake, 0o755)
    cases = os.path.join(tmp, "cases", "api")
    os.makedirs(cases)
    D = "https://learn.microsoft.com/en-us/windows/win32/devnotes/orcreatekey"
    spec = [("y_fake_pass", '"a"', "=> 0 disp=1", True), ("y_fake_crash", '"c"', "", False),
            ("y_fake_timeout", '"t"', "", False), ("y_fake_skip", '"u"', "", False),
            ("y_fake_harness", '"h"', "", False), ("n_fake_wrong_error", '"w"', "=> 87", False),
            ("n_fake_should_reject", '"a"', "=> 87", False), ("y_fake_wrong_out", '"a"', "=> 0 disp=2", False)]
    with open(os.path.join(cases, "fake.case"), "w") as fh:
        for cid, name, exp, dump in spec:
            fh.write("id: %s\ndescription: fake\ndoc: %s\nexpect: %s\nfeatures: create write\nsteps:\n"
                     "  create_hive -> $root\n  create_key $root %s -> $k %s\n  dump $root\n" % (
                         cid, D, "accept" if cid[0] == "y" else "reject", name, exp))
            if dump:
                fh.write("dump:\n  K \\\t-\t*\t-\n")
            fh.write("\n")
    out = os.path.join(tmp, "out")
    r = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "run.py"),
                        "--cases", os.path.join(tmp, "cases"), "--adapter", fake, "--out", out,
                        "--timeout", "3", "--jobs", "4", "--no-baseline"], capture_output=True, text=True)
    got = {}
    for ln in open(os.path.join(out, "results.tsv")).read().splitlines()[1:]:
        f = ln.split("\t")
        got[f[0]] = f[4]
    want = {"y_fake_pass": "PASS", "y_fake_crash": "CRASH", "y_fake_timeout": "TIMEOUT",
            "y_fake_skip": "SKIP", "y_fake_harness": "HARNESS_ERROR",
            "n_fake_wrong_error": "WRONG_ERROR", "n_fake_should_reject": "SHOULD_HAVE_REJECTED",
            "y_fake_wrong_out": "WRONG_DUMP"}
    check(got == want, "statuses: %r\n%s" % (got, r.stderr[-2000:]))
    for f in ("matrix.md", "matrix.html", "junit.xml"):
        check(os.path.getsize(os.path.join(out, f)) > 0, f)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print("runner selftest (fake adapter): ok")
