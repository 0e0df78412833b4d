#!/usr/bin/env python3
"""Behaviour tests of the hiveref command-line tool (ref/cli), run by ctest as cli.behaviour.

What is checked:
  * usage: --help on every command, --version, exit 2 on usage errors;
  * check: exit 0 on a good hive, 1 on a corrupt, empty, missing or non-hive file, findings
    printed with rule id and hex offset, --json output parses, --quiet;
  * export: the hive built through the API by cli_mkhive is exported byte for byte as the
    hand-written regedit text below (UTF-16LE + BOM + CRLF), --utf8, --root, KEY, -o;
  * info: fields printed, rejection reported with the diagnostic;
  * every primary hive of ../shared/hives (when present): check, info and export never crash,
    never leak (HIVEREF_AUDIT=1 makes the CLI exit 3 on a leak) and agree on accept/reject.

Exit status: 0 all passed, 1 a test failed, 77 nothing could run (engine not ready).
Python 3 standard library only.
"""
import argparse
import json
import os
import subprocess
import sys

PASSED = 0
FAILED = 0
SKIPPED = []


def ok(cond, what):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL:", what, flush=True)
    return cond


def run(args, timeout=600):
    env = dict(os.environ, HIVEREF_AUDIT="1")
    p = subprocess.run([HIVEREF] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


# The regedit export of the cli_mkhive hive, written by hand from the rules in ref/cli/regfmt.c.
# Line widths: "Binary Value"=hex: is 19 columns, 20 bytes reach 79 >= 77 -> break;
# "e"=hex(2): is 11 columns, 22 bytes reach 77 -> break.
EXPECTED_EXPORT = "\r\n".join([
    "Windows Registry Editor Version 5.00",
    "",
    "[HKEY_LOCAL_MACHINE\\HIVE]",
    "@=\"root default\"",
    "",
    "[HKEY_LOCAL_MACHINE\\HIVE\\a b]",
    "",
    "[HKEY_LOCAL_MACHINE\\HIVE\\alpha]",
    "\"s\"=\"quote\\\"back\\\\slash\"",
    "\"d\"=dword:1234abcd",
    "\"q\"=hex(b):01,02,03,04,05,06,07,08",
    "\"Binary Value\"=hex:00,07,0e,15,1c,23,2a,31,38,3f,46,4d,54,5b,62,69,70,77,7e,85,\\",
    "  8c,93,9a,a1,a8,af,b6,bd,c4,cb,d2,d9,e0,e7,ee,f5,fc,03,0a,11",
    "\"e\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,\\",
    "  25,00,5c,00,78,00,00,00",
    "\"m\"=hex(7):6f,00,6e,00,65,00,00,00,74,00,77,00,6f,00,00,00,00,00",
    "\"n\"=hex(0):",
    "\"x\"=hex(12345):5a",
    "\"odd\"=hex(1):61,00,62",
    "@=\"alpha default\"",
    "",
    "[HKEY_LOCAL_MACHINE\\HIVE\\Beta]",
    "",
    "[HKEY_LOCAL_MACHINE\\HIVE\\Beta\\Sub]",
    "\"caf\u00e9\"=\"\u20ac\"",
    "",
    "[HKEY_LOCAL_MACHINE\\HIVE\\Zeta]",
    "",
    "[HKEY_LOCAL_MACHINE\\HIVE\\_under]",
    "",
    "",
])


def test_usage():
    rc, out, _ = run(["--help"])
    ok(rc == 0 and b"usage: hiveref" in out, "hiveref --help")
    rc, out, _ = run(["--version"])
    ok(rc == 0 and out.startswith(b"hiveref "), "hiveref --version: %r" % out)
    rc, _, err = run([])
    ok(rc == 2 and b"usage" in err, "no arguments -> 2")
    rc, _, _ = run(["frobnicate"])
    ok(rc == 2, "unknown command -> 2")
    for cmd in ("check", "info", "export", "import", "convert", "set", "rm"):
        rc, out, _ = run([cmd, "--help"])
        ok(rc == 0 and (b"usage: hiveref " + cmd.encode()) in out, cmd + " --help")
        rc, _, _ = run([cmd])
        ok(rc == 2, cmd + " without a file -> 2")
        rc, _, _ = run([cmd, "--no-such-option", "x"])
        ok(rc == 2, cmd + " with an unknown option -> 2")


def test_check_bad_inputs(work):
    empty = os.path.join(work, "empty.hive")
    open(empty, "wb").close()
    rc, out, _ = run(["check", empty])
    ok(rc == 1 and b"rejected: ERROR_BADDB" in out, "check empty file: %d %r" % (rc, out))
    rc, out, _ = run(["check", os.path.join(work, "does-not-exist")])
    ok(rc == 1 and b"ERROR_FILE_NOT_FOUND" in out, "check missing file: %r" % out)
    text = os.path.join(work, "text.hive")
    with open(text, "wb") as f:
        f.write(b"this is not a registry hive\n" * 300)
    rc, out, _ = run(["check", text])
    ok(rc == 1 and b"rejected: ERROR_NOT_REGISTRY_FILE" in out and b" reject R-" in out,
       "check text file names a rule: %r" % out[:300])
    rc, out, _ = run(["check", "--json", text])
    try:
        obj = json.loads(out.decode().strip().splitlines()[0])
        good = obj["status"] == "rejected" and obj["findings"] and obj["findings"][0]["rule"]
    except (ValueError, KeyError, IndexError):
        good = False
    ok(rc == 1 and good, "check --json on a bad file: %r" % out[:300])
    rc, _, err = run(["info", text])
    ok(rc == 1 and b"ERROR_NOT_REGISTRY_FILE [R-" in err, "info reports the rule: %r" % err)
    rc, _, err = run(["export", text])
    ok(rc == 1 and b"ERROR_NOT_REGISTRY_FILE" in err, "export of a bad file -> 1: %r" % err)


def make_hive(work):
    path = os.path.join(work, "mk.hive")
    if os.path.exists(path):
        os.unlink(path)
    p = subprocess.run([MKHIVE, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        SKIPPED.append("API-built hive (cli_mkhive exit %d: %s)" %
                       (p.returncode, p.stderr.decode(errors="replace").strip()))
        return None
    return path


def test_api_hive(work, hive):
    rc, out, _ = run(["check", hive])
    ok(rc == 0 and b": ok: format 1." in out and b"7 keys" in out and b"12 values" in out,
       "check of the API-built hive: %r" % out)
    rc, out, _ = run(["check", "--quiet", hive])
    ok(rc == 0 and out == b"", "check --quiet prints nothing for a good hive: %r" % out)
    rc, out, _ = run(["check", "--json", hive])
    try:
        obj = json.loads(out)
        good = obj["status"] == "ok" and obj["keys"] == 7 and obj["values"] == 12
    except (ValueError, KeyError):
        good = False
    ok(rc == 0 and good, "check --json of the API-built hive: %r" % out)
    rc, out, _ = run(["check", hive, hive])
    ok(rc == 0 and b"2 files: 2 ok, 0 rejected" in out, "check of two files: %r" % out)

    rc, out, err = run(["export", hive])
    want = b"\xff\xfe" + EXPECTED_EXPORT.encode("utf-16-le")
    if not ok(rc == 0 and out == want, "export matches regedit's text byte for byte"):
        print("--- got (%d, stderr %r):\n%s\n--- want:\n%s" % (
            rc, err, out[2:].decode("utf-16-le", errors="replace"), EXPECTED_EXPORT))
    rc, out, _ = run(["export", "--utf8", hive])
    ok(rc == 0 and out == EXPECTED_EXPORT.encode("utf-8"), "export --utf8")
    outfile = os.path.join(work, "out.reg")
    rc, out, _ = run(["export", hive, "-o", outfile])
    ok(rc == 0 and out == b"" and open(outfile, "rb").read() == want, "export -o FILE")
    rc, out, _ = run(["export", hive, "beta", "--root", "HKEY_USERS\\X", "--utf8"])
    ok(rc == 0 and out == ("Windows Registry Editor Version 5.00\r\n\r\n"
                           "[HKEY_USERS\\X\\beta]\r\n\r\n"
                           "[HKEY_USERS\\X\\beta\\Sub]\r\n\"caf\u00e9\"=\"\u20ac\"\r\n\r\n"
                           ).encode("utf-8"),
       "export KEY --root (path spelled as given, subkey names as stored): %r" % out)
    rc, _, err = run(["export", hive, "NoSuchKey"])
    ok(rc == 1 and b"ERROR_FILE_NOT_FOUND" in err, "export of a missing key: %r" % err)

    rc, out, _ = run(["info", hive])
    ok(rc == 0 and b"format version:       1." in out and b"keys:                 7" in out,
       "info of the API-built hive: %r" % out)
    rc, out, _ = run(["info", "--json", hive])
    try:
        good = json.loads(out)["values"] == 12
    except (ValueError, KeyError):
        good = False
    ok(rc == 0 and good, "info --json: %r" % out)

    # A corrupted copy: the base block signature broken -> rejected with a rule id.
    data = bytearray(open(hive, "rb").read())
    data[0:4] = b"regg"
    bad = os.path.join(work, "bad-signature.hive")
    open(bad, "wb").write(bytes(data))
    rc, out, _ = run(["check", bad])
    ok(rc == 1 and b" reject R-A" in out, "check of a broken signature names an R-A rule: %r" % out)
    rc, out, _ = run(["check", hive, bad])
    ok(rc == 1 and b"2 files: 1 ok, 1 rejected" in out, "one good, one bad -> 1: %r" % out)
    # Truncated copy.
    trunc = os.path.join(work, "truncated.hive")
    open(trunc, "wb").write(bytes(data[:4096 + 100]))
    rc, _, _ = run(["check", trunc])
    ok(rc == 1, "check of a truncated hive -> 1")


def utf16_reg(text):
    return b"\xff\xfe" + text.encode("utf-16-le")


def export_text(hive, *extra):
    rc, out, err = run(["export", "--utf8", hive] + list(extra))
    return rc, out.decode("utf-8", errors="replace"), err


def fresh(work, name):
    path = os.path.join(work, name)
    if os.path.exists(path):
        os.unlink(path)
    return path


def test_import(work, hive):
    # A regedit file -> hive -> regedit file: byte for byte.
    reg = os.path.join(work, "expected.reg")
    open(reg, "wb").write(utf16_reg(EXPECTED_EXPORT))
    h2 = fresh(work, "imported.hive")
    rc, _, err = run(["import", reg, "-o", h2])
    ok(rc == 0, "import of the expected export: %r" % err)
    rc, out, _ = run(["export", h2])
    ok(rc == 0 and out == utf16_reg(EXPECTED_EXPORT), "import then export reproduces the .reg")
    # The imported hive and the API-built one export identically (same tree).
    rc, out, _ = run(["import", reg, "-o", h2])
    ok(rc == 1 and (b"ERROR_FILE_EXISTS" in _ or b"ERROR_ALREADY_EXISTS" in _),
       "import never overwrites: %r" % _)

    # REGEDIT4 (ANSI): hex(2)/hex(7) bytes are widened to UTF-16; strings are Windows-1252.
    r4 = os.path.join(work, "ansi.reg")
    open(r4, "wb").write(b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\HIVE\\k]\r\n"
                         b"\"e\"=hex(2):25,61,25,00\r\n\"s\"=\"caf\xe9\"\r\n\"d\"=dword:0000002a\r\n")
    h4 = fresh(work, "ansi.hive")
    rc, _, err = run(["import", r4, "-o", h4])
    ok(rc == 0, "import REGEDIT4: %r" % err)
    rc, text, _ = export_text(h4, "k")
    ok(rc == 0 and "\"e\"=hex(2):25,00,61,00,25,00,00,00\r\n\"s\"=\"caf\u00e9\"\r\n"
       "\"d\"=dword:0000002a\r\n" in text, "REGEDIT4 widening: %r" % text)

    # --base with deletions: [-key] removes a subtree, "x"=- a value, missing ones are fine.
    delta = os.path.join(work, "delta.reg")
    open(delta, "wb").write(utf16_reg(
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[-HKEY_LOCAL_MACHINE\\HIVE\\Beta]\r\n\r\n"
        "[-HKEY_LOCAL_MACHINE\\HIVE\\NoSuchKey]\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\HIVE\\alpha]\r\n\"d\"=-\r\n\"nosuch\"=-\r\n\"new\"=dword:00000001\r\n"))
    h5 = fresh(work, "delta.hive")
    rc, _, err = run(["import", delta, "--base", hive, "-o", h5])
    ok(rc == 0, "import --base: %r" % err)
    want = (EXPECTED_EXPORT.replace("\"d\"=dword:1234abcd\r\n", "")
            .replace("@=\"alpha default\"\r\n", "@=\"alpha default\"\r\n\"new\"=dword:00000001\r\n")
            .replace("[HKEY_LOCAL_MACHINE\\HIVE\\Beta]\r\n\r\n", "")
            .replace("[HKEY_LOCAL_MACHINE\\HIVE\\Beta\\Sub]\r\n\"caf\u00e9\"=\"\u20ac\"\r\n\r\n", ""))
    rc, text, _ = export_text(h5)
    if not ok(rc == 0 and text == want, "import --base applies deletions"):
        print("--- got:\n%s\n--- want:\n%s" % (text, want))

    # Errors: a syntax error names the line and writes nothing; keys outside --root.
    bad = os.path.join(work, "bad.reg")
    open(bad, "wb").write(b"Windows Registry Editor Version 5.00\r\n\r\n"
                          b"[HKEY_LOCAL_MACHINE\\HIVE\\k]\r\n\"x\"=dword:xyz\r\n")
    h6 = fresh(work, "bad.hive")
    rc, _, err = run(["import", bad, "-o", h6])
    ok(rc == 1 and b"bad.reg:4:" in err and not os.path.exists(h6),
       "import syntax error names the line, writes nothing: %r" % err)
    open(bad, "wb").write(b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\X]\r\n")
    rc, _, err = run(["import", bad, "-o", h6])
    ok(rc == 1 and b"not below the root prefix" in err, "import outside --root: %r" % err)
    rc, _, err = run(["import", bad, "-o", h6, "--root", "HKEY_CURRENT_USER"])
    ok(rc == 0, "import with --root: %r" % err)
    open(bad, "wb").write(b"hello\r\n")
    rc, _, err = run(["import", bad, "-o", fresh(work, "x.hive")])
    ok(rc == 1 and b"not a .reg file" in err, "import of a non-.reg file: %r" % err)


EXPECTED_REGEDIT4 = (EXPECTED_EXPORT
    .replace("Windows Registry Editor Version 5.00", "REGEDIT4")
    .replace("\"e\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,\\\r\n"
             "  25,00,5c,00,78,00,00,00",
             "\"e\"=hex(2):25,53,79,73,74,65,6d,52,6f,6f,74,25,5c,78,00")
    .replace("\"m\"=hex(7):6f,00,6e,00,65,00,00,00,74,00,77,00,6f,00,00,00,00,00",
             "\"m\"=hex(7):6f,6e,65,00,74,77,6f,00,00"))


def test_regedit4(work, hive):
    """export --regedit4 (Windows-1252, ANSI hex(2)/hex(7)), and its import back."""
    rc, out, err = run(["export", "--regedit4", hive])
    want = EXPECTED_REGEDIT4.encode("cp1252")
    if not ok(rc == 0 and out == want, "export --regedit4: %r" % err):
        print("--- got:\n%r\n--- want:\n%r" % (out, want))
    r4 = os.path.join(work, "mk4.reg")
    open(r4, "wb").write(out)
    h = fresh(work, "mk4.hive")
    rc, _, err = run(["import", r4, "-o", h])
    ok(rc == 0, "import of the REGEDIT4 export: %r" % err)
    rc, again, _ = run(["export", "--regedit4", h])
    ok(rc == 0 and again == want, "REGEDIT4 import/export is stable")
    rc, five, _ = run(["export", h])
    ok(rc == 0 and five == utf16_reg(EXPECTED_EXPORT), "REGEDIT4 import restores the 5.00 export")


def test_convert_set_rm(work, hive):
    h13 = fresh(work, "xp.hive")
    rc, _, err = run(["convert", hive, h13, "--os", "5.1"])
    ok(rc == 0, "convert --os 5.1: %r" % err)
    rc, out, _ = run(["check", h13])
    ok(rc == 0 and b"format 1.3" in out, "converted hive is format 1.3: %r" % out)
    rc, out, _ = run(["export", h13])
    ok(rc == 0 and out == utf16_reg(EXPECTED_EXPORT), "convert keeps the content")
    rc, _, _ = run(["convert", hive, fresh(work, "y.hive"), "--os", "banana"])
    ok(rc == 2, "convert --os banana -> 2")

    # set --new builds a hive from nothing; set on a hive keeps the rest.
    s1 = fresh(work, "set1.hive")
    rc, _, err = run(["set", "--new", "Software\\Vendor", "Name", "REG_SZ", "value \"q\"", "-o", s1])
    ok(rc == 0, "set --new: %r" % err)
    s2 = fresh(work, "set2.hive")
    rc, _, err = run(["set", s1, "Software\\Vendor", "List", "REG_MULTI_SZ", "a", "b", "-o", s2])
    s3 = fresh(work, "set3.hive")
    rc2, _, err2 = run(["set", s2, "", "", "REG_DWORD", "0x10", "-o", s3])
    s4 = fresh(work, "set4.hive")
    rc3, _, err3 = run(["set", s3, "Software", "Q", "REG_QWORD", "18446744073709551615", "-o", s4])
    s5 = fresh(work, "set5.hive")
    rc4, _, err4 = run(["set", s4, "Software", "Raw", "0x20", "01,02:ff", "-o", s5])
    ok(rc == rc2 == rc3 == rc4 == 0, "set chain: %r %r %r %r" % (err, err2, err3, err4))
    rc, text, _ = export_text(s5)
    want = ("Windows Registry Editor Version 5.00\r\n\r\n"
            "[HKEY_LOCAL_MACHINE\\HIVE]\r\n@=dword:00000010\r\n\r\n"
            "[HKEY_LOCAL_MACHINE\\HIVE\\Software]\r\n\"Q\"=hex(b):ff,ff,ff,ff,ff,ff,ff,ff\r\n"
            "\"Raw\"=hex(20):01,02,ff\r\n\r\n"
            "[HKEY_LOCAL_MACHINE\\HIVE\\Software\\Vendor]\r\n\"Name\"=\"value \\\"q\\\"\"\r\n"
            "\"List\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n\r\n")
    if not ok(rc == 0 and text == want, "set results export as expected"):
        print("--- got:\n%s\n--- want:\n%s" % (text, want))
    rc, _, _ = run(["set", s1, "K", "N", "REG_DWORD", "notanumber", "-o", fresh(work, "z.hive")])
    ok(rc == 2, "set with bad DATA -> 2")
    rc, _, _ = run(["set", s1, "K", "N", "REG_BOGUS", "1", "-o", fresh(work, "z.hive")])
    ok(rc == 2, "set with a bad TYPE -> 2")

    r1 = fresh(work, "rm1.hive")
    rc, _, err = run(["rm", s5, "Software\\Vendor", "-o", r1])
    r2 = fresh(work, "rm2.hive")
    rc2, _, err2 = run(["rm", r1, "Software", "Q", "-o", r2])
    ok(rc == 0 and rc2 == 0, "rm key / value: %r %r" % (err, err2))
    rc, text, _ = export_text(r2)
    ok(rc == 0 and text == ("Windows Registry Editor Version 5.00\r\n\r\n"
                            "[HKEY_LOCAL_MACHINE\\HIVE]\r\n@=dword:00000010\r\n\r\n"
                            "[HKEY_LOCAL_MACHINE\\HIVE\\Software]\r\n"
                            "\"Raw\"=hex(20):01,02,ff\r\n\r\n"), "rm results: %r" % text)
    rc, _, err = run(["rm", r2, "NoSuchKey", "-o", fresh(work, "z.hive")])
    ok(rc == 1 and b"ERROR_FILE_NOT_FOUND" in err, "rm of a missing key -> 1: %r" % err)
    rc, _, err = run(["rm", r2, "Software", "nosuch", "-o", fresh(work, "z.hive")])
    ok(rc == 1 and b"ERROR_FILE_NOT_FOUND" in err, "rm of a missing value -> 1: %r" % err)


def wrapping_ok(data):
    """Rule 10 of regfmt.c on a whole export: continuation lines are two spaces and at most 25
    bytes (78 columns with the backslash); a first line whose prefix is short stays within 80."""
    lines = data[2:].decode("utf-16-le", errors="replace").split("\r\n")
    cont = False
    for line in lines:
        if cont:
            if not line.startswith("  ") or len(line) > 78:
                print("bad continuation line: %r" % line[:100])
                return False
        elif line.endswith(",\\") and "=hex" in line:
            prefix = line.index(":", line.rindex("=hex")) + 1
            if prefix < 60 and len(line) > 80:
                print("first hex line too long: %r" % line[:100])
                return False
        cont = line.endswith("\\") and (cont or "=hex" in line)
    return True


def shared_primaries(source):
    base = os.path.join(source, "..", "shared", "hives")
    manifest = os.path.join(base, "MANIFEST.tsv")
    if not os.path.isfile(manifest):
        return base, []
    rows = []
    with open(manifest, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split("\t")))
            if r.get("file_type") == "primary":
                rows.append(r)
    return base, rows


def test_shared_hives(source, work):
    base, rows = shared_primaries(source)
    if not rows:
        SKIPPED.append("../shared/hives absent")
        return
    paths = [os.path.join(base, r["local_path"]) for r in rows]
    rc, out, err = run(["check", "--quiet"] + paths, timeout=1200)
    ok(rc in (0, 1), "check over %d shared primaries exits 0/1 (got %d): %r" % (len(paths), rc, err[-300:]))
    accepted = rejected = round_trips = 0
    reg = os.path.join(work, "shared.reg")
    for r, path in zip(rows, paths):
        crc, cout, cerr = run(["check", path])
        ok(crc in (0, 1), "check %s: exit %d %r" % (r["local_path"], crc, cerr[-200:]))
        irc, _, ierr = run(["info", path])
        ok(irc == crc, "info %s: exit %d, check said %d %r" % (r["local_path"], irc, crc, ierr[-200:]))
        erc, _, eerr = run(["export", path, "-o", reg], timeout=1200)
        ok(erc == crc, "export %s: exit %d, check said %d %r" % (r["local_path"], erc, crc, eerr[-300:]))
        if erc == 0:
            data = open(reg, "rb").read()
            ok(data.startswith(b"\xff\xfe" + "Windows Registry Editor Version 5.00\r\n".encode("utf-16-le"))
               and data.endswith("\r\n\r\n".encode("utf-16-le")), "export %s is framed" % r["local_path"])
            ok(wrapping_ok(data), "export %s wraps hex lines as regedit does" % r["local_path"])
            # export -> import -> export gives the same file, unless export warned that a key
            # could not be written faithfully (names with NUL, "\" or line breaks).
            if not eerr:
                rebuilt = fresh(work, "rebuilt.hive")
                mrc, _, merr = run(["import", reg, "-o", rebuilt], timeout=1200)
                ok(mrc == 0, "import of the export of %s: %r" % (r["local_path"], merr[-300:]))
                if mrc == 0:
                    xrc, again, _ = run(["export", rebuilt], timeout=1200)
                    ok(xrc == 0 and again == data,
                       "export/import/export of %s is stable" % r["local_path"])
                    round_trips += 1
                    os.unlink(rebuilt)
            os.unlink(reg)
        if crc == 0:
            accepted += 1
        else:
            rejected += 1
    print("shared primaries: %d accepted, %d rejected, %d export/import/export round trips" %
          (accepted, rejected, round_trips))


def main():
    global HIVEREF, MKHIVE
    ap = argparse.ArgumentParser()
    ap.add_argument("--hiveref", required=True)
    ap.add_argument("--mkhive", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    HIVEREF, MKHIVE = a.hiveref, a.mkhive
    os.makedirs(a.work, exist_ok=True)
    test_usage()
    test_check_bad_inputs(a.work)
    hive = make_hive(a.work)
    if hive:
        test_api_hive(a.work, hive)
        test_import(a.work, hive)
        test_regedit4(a.work, hive)
        test_convert_set_rm(a.work, hive)
    test_shared_hives(a.source, a.work)
    for s in SKIPPED:
        print("skipped:", s)
    print("%d passed, %d failed" % (PASSED, FAILED))
    if FAILED:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
