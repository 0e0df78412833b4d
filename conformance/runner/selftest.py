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
