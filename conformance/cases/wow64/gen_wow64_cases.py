#!/usr/bin/env python3
"""gen_wow64_cases.py: generates table.tsv and map.tsv of conformance/cases/wow64 from the
"Registry Keys Affected by WOW64" table as compiled in ../shared/spec/offreg-api.md §3.2.

This is a second, independent implementation of the redirector's mapping rules (the C one is
ref/wow64/wow64_path.c): the table is parsed from the spec's markdown, not from the C source, and
ref/tests/test_wow64_cases.c checks the C table and mapping against these files.

Usage: python3 gen_wow64_cases.py [SPEC.md]    (default: <repo>/../shared/spec/offreg-api.md)
Writes table.tsv and map.tsv next to this script.  Python 3 standard library only.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
TAB = "https://learn.microsoft.com/en-us/windows/win32/winprog64/shared-registry-keys"
RED = "https://learn.microsoft.com/en-us/windows/win32/winprog64/registry-redirector"
ALT = "https://learn.microsoft.com/en-us/windows/win32/winprog64/accessing-an-alternate-registry-view"
EXA = "https://learn.microsoft.com/en-us/windows/win32/winprog64/example-of-registry-reflection-and-redirection-on-wow64"
WINE = "spec §3.4 [3P-EMP] Wine advapi32 test_redirection run on real Windows"

S_INHERIT = ("[TAB] \"Subkeys of the keys in this table inherit the parent key's behavior unless "
             "otherwise specified. If a key has no parent listed in this table, the key is shared.\"")
S_X86 = "[RED] \"Redirected keys are mapped to physical locations under Wow6432Node.\""
S_ARM = ("[RED] \"Windows 10 on ARM: Redirected 32-bit ARM keys are mapped to physical locations "
         "under WowAA32Node.\"")
S_SHARED = ("[RED] \"32-bit registry calls to shared keys are not redirected. Instead, one physical "
            "copy of the key is mapped into each logical view of the registry.\"")
S_ARM_ONLY_W10 = ("[RED] \"Windows 10 on ARM: In addition to the 32-bit logical view for x86 "
                  "applications, Windows 10 on ARM includes a separate logical view for 32-bit ARM "
                  "applications.\" (no pre-Windows 7 system has it)")
S_CLASSES = ("spec §3.3: the 32-bit view of HKLM\\SOFTWARE\\Classes\\<X> lives under "
             "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\<X> ([EXA] HKCR\\Wow6432Node\\CLSID\\{...})")


def parse_table(spec_path):
    rows = []
    with open(spec_path, encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r"^\| (\d+) \| (.+?) \| (.+?) \| (.+?) \|$", text, re.M):
        n = int(m.group(1))
        key, a, b = m.group(2).strip(), m.group(3).strip(), m.group(4).strip()
        if not (key.startswith("HK")):
            continue
        rows.append((n, key, a, b))
    rows = [r for r in rows if 1 <= r[0] <= 67]
    # The table is the first 67 numbered rows that name keys.
    seen, out = set(), []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append(r)
    assert [r[0] for r in out] == list(range(1, 68)), "spec table must have rows 1..67"
    return out


def classify(text):
    t = text.replace("*", "").strip()
    if t.startswith("Redirected and reflected"):
        return "reflected"
    if t.startswith("Redirected"):
        return "redirected"
    if t.startswith("Shared"):
        return "shared"
    raise ValueError(text)


def split_key(n, key):
    """(root, [components]) of a row; row 28 keeps its documented (doubled) path."""
    key = re.sub(r"\s*\(\*sic\*.*\)$", "", key)
    if key == "HKEY_LOCAL_MACHINE":
        return "HKLM", []
    if key == "HKEY_CURRENT_USER":
        return "HKCU", []
    parts = key.split("\\")
    return parts[0], parts[1:]


class Table:
    def __init__(self, rows):
        self.rows = []
        for n, key, a, b in rows:
            root, comps = split_key(n, key)
            self.rows.append((n, root, comps, classify(a), classify(b), a, b))
            if n == 28:  # probable intent of the doubled path (spec §3.2 note; BEHAVIOUR.md)
                self.rows.append((n, root, ["SOFTWARE", "Microsoft", "Shared Tools", "MSInfo"],
                                  classify(a), classify(b), a, b))

    def lookup(self, root, comps):
        best = None
        up = [c.upper() for c in comps]
        for r in self.rows:
            n, rroot, rc = r[0], r[1], r[2]
            if rroot != root or len(rc) > len(comps):
                continue
            if [c.upper() for c in rc] != up[:len(rc)]:
                continue
            if best is None or len(rc) > len(best[2]):
                best = r
        return best


def redir_point(root, comps):
    up = [c.upper() for c in comps]
    if not up or up[0] != "SOFTWARE":
        return None
    if len(up) >= 2 and up[1] == "CLASSES":
        return 2
    return 1 if root == "HKLM" else None


def expected(table, root, comps, os_, view):
    if view == "arm32" and os_ == "vista":
        return "ERROR_NOT_SUPPORTED", None, None
    row = table.lookup(root, comps)
    cls = row[3] if os_ == "win7" else row[4]
    if cls == "shared" or view == "64":
        return "\\".join([root] + comps), row, cls
    at = redir_point(root, comps)
    node = "Wow6432Node" if view == "32" else "WowAA32Node"
    out = comps[:at] + [node] + comps[at:]
    return "\\".join([root] + out), row, cls


def main():
    spec = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "spec",
                                                              "offreg-api.md")
    rows = parse_table(spec)
    table = Table(rows)
    with open(os.path.join(HERE, "table.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# generated by gen_wow64_cases.py from offreg-api.md §3.2 (%s)\n" % TAB)
        f.write("row\troot\tpath\twin7\tvista\ttext_a\ttext_b\n")
        for n, key, a, b in rows:
            root, comps = split_key(n, key)
            f.write("%d\t%s\t%s\t%s\t%s\t%s\t%s\n" % (n, root, "\\".join(comps), classify(a),
                                                       classify(b), a.replace("*", ""),
                                                       b.replace("*", "")))
    cases = []
    child_name = {"HKLM": "SYSTEM", "HKCU": "Environment"}
    for n, key, a, b in rows:
        root, comps = split_key(n, key)
        probes = [("key", comps), ("sub", comps + [child_name[root] if not comps else "HRW64Probe"])]
        for kind, pc in probes:
            for os_ in ("win7", "vista"):
                for view in ("64", "32", "arm32"):
                    exp, row, cls = expected(table, root, pc, os_, view)
                    cid = "y_map_r%02d_%s_%s_%s" % (n, kind, os_, view)
                    if exp.startswith("ERROR_"):
                        cid = "n_map_r%02d_%s_%s_%s" % (n, kind, os_, view)
                        seed = S_ARM_ONLY_W10
                        rown, clsname = "-", "-"
                    else:
                        rown, clsname = str(row[0]), cls
                        col = "A (Win7+)" if os_ == "win7" else "B (pre-Win7)"
                        seed = "[TAB] row %d column %s: %s = %s" % (
                            row[0], col, key if row[0] == n else "row %d" % row[0],
                            row[5].replace("*", "") if os_ == "win7" else row[6].replace("*", ""))
                        if kind == "sub":
                            seed += "; " + S_INHERIT
                        if cls != "shared" and view != "64":
                            seed += "; " + (S_X86 if view == "32" else S_ARM)
                            if redir_point(root, pc) == 2:
                                seed += "; " + S_CLASSES
                        elif cls == "shared":
                            seed += "; " + S_SHARED
                    cases.append((cid, os_, view, "0", "\\".join([root] + pc), exp, rown, clsname,
                                  seed))
    cases += extra_cases()
    with open(os.path.join(HERE, "map.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# generated by gen_wow64_cases.py; logical -> physical mapping cases.\n")
        f.write("# process: the calling process's view (64, 32 = x86, arm32); sam: 0, 64key, "
                "32key or both; expect: the physical path or an ERROR_ name; row/class: the "
                "deciding row of the logical key and its class ('-' when not checked).\n")
        f.write("id\tos\tprocess\tsam\tlogical\texpect\trow\tclass\tseed\n")
        for c in cases:
            f.write("\t".join(c) + "\n")
    print("wrote %d table rows, %d mapping cases" % (len(rows), len(cases)))


def extra_cases():
    """Hand-written cases: flags, explicit nodes, symbolic links, root aliases, the example."""
    clsid = "{00000000-0000-0000-0000-ABCD00000000}"
    both = "[ALT] \"If both flags are specified, the function fails with ERROR_INVALID_PARAMETER.\""
    k64 = "[ALT] KEY_WOW64_64KEY 0x0100 \"Access a 64-bit key from either a 32-bit or 64-bit application.\""
    k32 = ("[ALT] KEY_WOW64_32KEY 0x0200 \"Windows 10 on ARM: this is the 32-bit ARM registry view for "
           "32-bit ARM processes and the 32-bit x86 registry view for 64-bit ARM64 and 32-bit x86 processes.\"")
    lit = WINE + ": check_key_value(HKLM, \"Software\\\\Wow6432Node\\\\Wine\\\\Winetest\", flag, is_vista ? 64 : 32)"
    link1 = "[TAB] symbolic link HKLM\\SOFTWARE\\Wow6432Node\\Classes -> HKLM\\SOFTWARE\\Classes\\Wow6432Node"
    link7 = ("[TAB] HKLM\\SOFTWARE\\Classes\\Wow6432Node\\AppId -> HKLM\\SOFTWARE\\Classes\\AppId; \"Other "
             "symbolic links were added in Windows 7 and Windows Server 2008 R2.\"")
    hkcr = ("[TAB] \"HKEY_CLASSES_ROOT is a merged view of HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes and "
            "HKEY_CURRENT_USER\\SOFTWARE\\Classes. Redirected keys in these registry paths are "
            "effectively redirected for HKEY_CLASSES_ROOT also.\"")
    hku = ("[TAB] \"HKEY_USERS\\[SID]\\SOFTWARE\\Classes is a symbolic link to HKEY_USERS\\[SID]_Classes\"; "
           "spec §3.3 [INF] HKCU Classes redirect under <SID>_Classes\\Wow6432Node")
    hello = ("[RED] \"A 32-bit x86 application checks for the existence of the following registry key: "
             "HKEY_LOCAL_MACHINE\\Software\\Hello ... each view is mapped to a separate physical location "
             "of the registry, which keeps all versions of the string intact.\"")
    exa = "[EXA] \"The values of both the default and alternate views of HKCR\\Hello are the same because this key is shared.\""
    exa2 = "[EXA] \"The values of the other keys differ because they are redirected.\""
    bad = "logical path syntax (wow64.h): absolute, one backslash between non-empty components"
    sys_ = "[REF] \"reflection is not enabled for the HKEY_LOCAL_MACHINE\\System key\"; " + S_INHERIT
    x = []
    def add(cid, os_, proc, sam, logical, exp, row="-", cls="-", seed=""):
        x.append((cid, os_, proc, sam, logical, exp, row, cls, seed))
    for os_ in ("win7", "vista"):
        add("n_map_both_flags_%s" % os_, os_, "64", "both", "HKLM\\SOFTWARE\\Foo", "ERROR_INVALID_PARAMETER",
            seed=both + ("" if os_ == "win7" else " (pre-Win7 \"undefined\": same answer, BEHAVIOUR.md)"))
        add("n_map_both_flags_x86_%s" % os_, os_, "32", "both", "HKLM\\SOFTWARE\\Foo", "ERROR_INVALID_PARAMETER", seed=both)
        add("y_map_64proc_32key_%s" % os_, os_, "64", "32key", "HKLM\\SOFTWARE\\Foo",
            "HKLM\\SOFTWARE\\Wow6432Node\\Foo", "2", "redirected", k32)
        add("y_map_x86proc_64key_%s" % os_, os_, "32", "64key", "HKLM\\SOFTWARE\\Foo",
            "HKLM\\SOFTWARE\\Foo", "2", "redirected", k64)
        add("y_map_x86proc_32key_%s" % os_, os_, "32", "32key", "HKLM\\SOFTWARE\\Foo",
            "HKLM\\SOFTWARE\\Wow6432Node\\Foo", "2", "redirected", k32)
        add("y_map_64key_shared_%s" % os_, os_, "32", "64key", "HKLM\\SYSTEM\\Select",
            "HKLM\\SYSTEM\\Select", "1", "shared", "[ALT] \"These flags have no effect on shared registry keys.\"")
        add("y_map_32key_shared_%s" % os_, os_, "64", "32key", "HKLM\\SOFTWARE\\Policies\\X",
            "HKLM\\SOFTWARE\\Policies\\X", "57", "shared", "[ALT] \"These flags have no effect on shared registry keys.\"")
        # Explicit Wow6432Node.
        add("y_map_explicit_node_64proc_%s" % os_, os_, "64", "0", "HKLM\\Software\\Wow6432Node\\Wine\\Winetest",
            "HKLM\\Software\\Wow6432Node\\Wine\\Winetest", "2", "redirected", lit)
        add("y_map_explicit_node_x86proc_%s" % os_, os_, "32", "0", "HKLM\\Software\\Wow6432Node\\Wine\\Winetest",
            "HKLM\\Software\\Wow6432Node\\Wine\\Winetest", "2", "redirected", lit + " (not doubled)")
        add("y_map_explicit_node_32key_%s" % os_, os_, "64", "32key", "HKLM\\Software\\Wow6432Node\\Wine\\Winetest",
            "HKLM\\Software\\Wow6432Node\\Wine\\Winetest", "2", "redirected", lit)
        add("y_map_link_wow_classes_%s" % os_, os_, "64", "0", "HKLM\\SOFTWARE\\Wow6432Node\\Classes\\CLSID\\" + clsid,
            "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\CLSID\\" + clsid, "5", "redirected" if os_ == "win7" else "reflected", link1)
        add("y_map_example_hello_64_%s" % os_, os_, "64", "0", "HKEY_LOCAL_MACHINE\\Software\\Hello",
            "HKLM\\Software\\Hello", "2", "redirected", hello + " (\"Hello 64-bit world\")")
        add("y_map_example_hello_x86_%s" % os_, os_, "32", "0", "HKEY_LOCAL_MACHINE\\Software\\Hello",
            "HKLM\\Software\\Wow6432Node\\Hello", "2", "redirected", hello + " (\"Hello 32-bit x86 world\")")
        add("y_map_hkcr_clsid_x86_%s" % os_, os_, "32", "0", "HKCR\\CLSID\\" + clsid,
            "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\CLSID\\" + clsid, "5", "redirected" if os_ == "win7" else "reflected",
            hkcr + "; " + exa2)
        add("y_map_hku_classes_x86_%s" % os_, os_, "32", "0", "HKU\\S-1-5-21-1-2-3-1001_Classes\\CLSID\\" + clsid,
            "HKCU\\SOFTWARE\\Classes\\Wow6432Node\\CLSID\\" + clsid, "63", "redirected" if os_ == "win7" else "reflected", hku)
        add("y_map_hku_user_%s" % os_, os_, "32", "0", "HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Foo",
            "HKCU\\Software\\Foo", "60", "shared", "[TAB] \"HKEY_CURRENT_USER is a symbolic link to HKEY_USERS\\[SID]\"; row 60 HKCU\\SOFTWARE Shared")
        add("y_map_system_%s" % os_, os_, "32", "0", "HKLM\\SYSTEM\\CurrentControlSet", "HKLM\\SYSTEM\\CurrentControlSet",
            "1", "shared", sys_)
        add("y_map_case_insensitive_%s" % os_, os_, "32", "0", "hkey_local_machine\\software\\classes\\clsid\\x",
            "HKLM\\software\\classes\\Wow6432Node\\clsid\\x", "5", "redirected" if os_ == "win7" else "reflected",
            "registry names compare case-insensitively (spec §2.1); [TAB] row 5")
        for i, bp in enumerate(["", "\\HKLM\\SOFTWARE", "HKLM\\\\SOFTWARE", "HKLM\\SOFTWARE\\", "HKXX\\SOFTWARE", "HKU"]):
            add("n_map_bad_path_%d_%s" % (i, os_), os_, "64", "0", bp if bp else "(empty)", "ERROR_INVALID_PARAMETER", seed=bad)
    add("y_map_explicit_node_64key_win7", "win7", "64", "64key", "HKLM\\Software\\Wow6432Node\\Wine\\Winetest",
        "HKLM\\Software\\Wow6432Node\\Wine\\Winetest", "2", "redirected", lit + " (Win7: 32)")
    add("y_map_explicit_node_64key_vista", "vista", "64", "64key", "HKLM\\Software\\Wow6432Node\\Wine\\Winetest",
        "HKLM\\Software\\Wine\\Winetest", "2", "redirected", lit + " (Vista: 64)")
    add("y_map_explicit_node_x86_64key_vista", "vista", "32", "64key", "HKLM\\Software\\Wow6432Node\\Wine",
        "HKLM\\Software\\Wine", "2", "redirected", lit + " (Vista: 64)")
    add("y_map_link_appid_win7", "win7", "32", "0", "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\AppId\\{A}",
        "HKLM\\SOFTWARE\\Classes\\AppId\\{A}", "4", "shared", link7)
    add("y_map_link_typelib_win7", "win7", "64", "0", "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\Typelib\\{T}",
        "HKLM\\SOFTWARE\\Classes\\Typelib\\{T}", "3", "shared", link7)
    add("y_map_link_protocols_win7", "win7", "64", "0", "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\PROTOCOLS\\Handler",
        "HKLM\\SOFTWARE\\Classes\\PROTOCOLS\\Handler", "3", "shared", link7)
    add("y_map_no_appid_link_vista", "vista", "64", "0", "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\AppId\\{A}",
        "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\AppId\\{A}", "4", "reflected",
        "[TAB] \"Windows Server 2008, Windows Vista, Windows Server 2003 and Windows XP: ... only the first link\" (spec §3.2)")
    add("y_map_example_hello_arm32_win7", "win7", "arm32", "0", "HKEY_LOCAL_MACHINE\\Software\\Hello",
        "HKLM\\Software\\WowAA32Node\\Hello", "2", "redirected", hello + " (\"Hello 32-bit ARM world\"); " + S_ARM)
    add("y_map_arm32_32key_win7", "win7", "arm32", "32key", "HKLM\\SOFTWARE\\Foo",
        "HKLM\\SOFTWARE\\WowAA32Node\\Foo", "2", "redirected", k32)
    add("y_map_arm32_64key_win7", "win7", "arm32", "64key", "HKLM\\SOFTWARE\\Foo", "HKLM\\SOFTWARE\\Foo", "2", "redirected", k64)
    add("n_map_arm32_64key_vista", "vista", "arm32", "64key", "HKLM\\SOFTWARE\\Foo", "ERROR_NOT_SUPPORTED", seed=S_ARM_ONLY_W10)
    add("y_map_example_hkcr_hello_x86_win7", "win7", "32", "0", "HKCR\\Hello", "HKLM\\SOFTWARE\\Classes\\Hello", "3", "shared", exa)
    add("y_map_example_hkcr_hello_x86_vista", "vista", "32", "0", "HKCR\\Hello",
        "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\Hello", "3", "reflected",
        "[TAB] row 3 column B Redirected and reflected; [EXA] regedit list \"HKCR\\Wow6432Node\\Hello\"")
    for sub in ("InprocServer32", "LocalServer32"):
        add("y_map_example_%s_x86_win7" % sub.lower(), "win7", "32", "0", "HKCR\\CLSID\\%s\\%s" % (clsid, sub),
            "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\CLSID\\%s\\%s" % (clsid, sub), "5", "redirected", exa2)
    add("i_map_row28_alias_x86_win7", "win7", "32", "0", "HKLM\\SOFTWARE\\Microsoft\\Shared Tools\\MSInfo",
        "HKLM\\SOFTWARE\\Microsoft\\Shared Tools\\MSInfo", "28", "shared",
        "spec §3.2 note: row 28 repeats SOFTWARE\\Microsoft; probable intent HKLM\\SOFTWARE\\Microsoft\\Shared Tools\\MSInfo (BEHAVIOUR.md)")
    add("i_map_arm32_classes_win7", "win7", "arm32", "0", "HKLM\\SOFTWARE\\Classes\\CLSID\\X",
        "HKLM\\SOFTWARE\\Classes\\WowAA32Node\\CLSID\\X", "5", "redirected",
        "spec §6 Q32: WowAA32Node layout for Classes not documented; by analogy with §3.3 (BEHAVIOUR.md)")
    return x


if __name__ == "__main__":
    main()
