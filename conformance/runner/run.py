#!/usr/bin/env python3
"""The conformance runner: runs every case against every adapter and judges each cell.

usage: run.py [--adapter NAME|PATH]... [--cases DIR] [--jobs N] [--timeout S] [--memcheck]
              [--out DIR] [--family F]... [--case GLOB]... [--skip-case GLOB]... [--build DIR]
              [--hives DIR] [--mem-limit MIB]
              [--update-baseline] [--no-baseline] [--lint-only]

`hiveref conformance ...` execs this script with the same arguments.  Exit status: 0 when the
ref adapter passed (PASS, SKIP, or IMPL_* on i_ cases) and no baseline cell changed; 1 otherwise;
2 on usage or lint errors.  Statuses, adapters and case formats: conformance/README.md,
conformance/adapters/PROTOCOL.md, conformance/cases/README.md.  Python 3 stdlib only.
"""
import argparse
import concurrent.futures
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import caselib  # noqa: E402
import dumpcmp  # noqa: E402
import lint  # noqa: E402
import report  # noqa: E402

CONF = os.path.dirname(HERE)
PROJECT = os.path.dirname(CONF)
STATUSES = ("PASS", "SHOULD_HAVE_ACCEPTED", "SHOULD_HAVE_REJECTED", "WRONG_ERROR", "WRONG_DUMP",
            "IMPL_ACCEPT", "IMPL_REJECT", "SKIP", "CRASH", "TIMEOUT", "HARNESS_ERROR",
            "MEMORY_ERROR")
MEMCHECK_EXIT = 99
CAPS = set()   # the capability features (features.txt); other features are tags
# The template a library without ORCreateHive (hivex) starts `create_hive` from: a generated
# empty hive (fixtures/README.md), never a library's own output.
EMPTY_HIVE_FIXTURE = "y_base_empty*1_5.hive"


# ---- adapters -----------------------------------------------------------------------------------
class Adapter:
    def __init__(self, name, argv):
        self.name, self.argv = name, argv
        self.caps, self.version, self.error = set(), "", None

    def probe(self, timeout):
        try:
            r = subprocess.run(self.argv + ["caps"], capture_output=True, text=True, timeout=timeout)
            if r.returncode != 0:
                self.error = "caps exited %d: %s" % (r.returncode, r.stderr.strip()[:200])
                return False
            self.caps = set(r.stdout.split())
            v = subprocess.run(self.argv + ["version"], capture_output=True, text=True,
                               timeout=timeout)
            self.version = v.stdout.strip().splitlines()[0] if v.stdout.strip() else "?"
            return True
        except (OSError, subprocess.TimeoutExpired) as e:
            self.error = str(e)
            return False

    def is_elf(self):
        try:
            with open(self.argv[0], "rb") as fh:
                return fh.read(4) == b"\x7fELF"
        except OSError:
            return False


def known_adapters(build):
    """name -> argv for every adapter that exists: built C adapters listed by CMake in
    <build>/conformance/adapters.tsv, and script adapters of the source tree."""
    found = {}
    lst = os.path.join(build, "conformance", "adapters.tsv") if build else None
    if lst and os.path.exists(lst):
        for row in caselib.read_tsv(lst):
            if os.path.exists(row["path"]):
                found[row["name"]] = [row["path"]]
    for name in ("pwr", "reglookup"):
        p = os.path.join(CONF, "adapters", name, "adapter")
        if os.path.exists(p) and os.access(p, os.X_OK):
            found.setdefault(name, [p])
    return found


def resolve_adapters(requested, build, timeout):
    avail = known_adapters(build)
    out = []
    names = requested or sorted(avail)
    for n in names:
        if n in avail:
            a = Adapter(n, avail[n])
        elif os.path.exists(n):
            a = Adapter(os.path.basename(n).replace("hiveref-adapter-", ""), [os.path.abspath(n)])
        else:
            print("conformance: adapter %s not found (built adapters: %s)" %
                  (n, ", ".join(sorted(avail)) or "none"), file=sys.stderr)
            continue
        if a.probe(timeout):
            out.append(a)
        else:
            print("conformance: adapter %s unusable: %s" % (a.name, a.error), file=sys.stderr)
    return out


# ---- executing one cell -----------------------------------------------------------------------
class Cell:
    def __init__(self, case, adapter):
        self.case, self.adapter = case, adapter
        self.rc, self.stdout, self.stderr, self.signal = None, "", "", None
        self.timed_out, self.harness, self.skip_reason = False, None, None
        self.status, self.detail, self.workdir, self.outfile = None, "", None, None
        self.stdout_path, self.stdout_big, self.env = None, False, None
        self.mem_limit = 0


class Env:
    def __init__(self, args):
        self.args = args
        self.hives = args.hives
        self.out = args.out

    def path_resolver(self, workdir):
        def resolve(p):
            root, rel = p
            if root == "work":
                return os.path.join(workdir, rel)
            if root == "fixture":
                src = os.path.join(PROJECT, "fixtures", rel)
            else:
                src = os.path.join(self.hives, rel)
            dst = os.path.join(workdir, "in_" + os.path.basename(rel))
            if not os.path.exists(dst) and os.path.exists(src):
                shutil.copyfile(src, dst)
            return dst
        return resolve

    def case_input(self, case):
        f = case.meta.get("file", "")
        if f.startswith("hives/"):
            return os.path.join(self.hives, f[len("hives/"):])
        return os.path.join(PROJECT, f)


def _limit_memory(mb):
    """Address-space cap for an adapter (--mem-limit): a runaway library fails its own
    allocation instead of taking the machine's memory (and the OOM killer's victims) with it."""
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))


def _exec(cell, argv, timeout, memcheck):
    """Runs the adapter; stdout goes to a file (real hives dump tens of MB), stderr is kept."""
    if memcheck and cell.adapter.is_elf():
        cell.memchecked = True
        argv = ["valgrind", "-q", "--error-exitcode=%d" % MEMCHECK_EXIT, "--leak-check=no",
                "--track-origins=no"] + argv
        timeout *= 10
    cell.stdout_path = os.path.join(cell.workdir, "adapter.stdout")
    try:
        with open(cell.stdout_path, "wb") as so:
            limit = 0 if getattr(cell, "memchecked", False) else cell.mem_limit
            p = subprocess.Popen(argv, stdout=so, stderr=subprocess.PIPE,
                                 start_new_session=True, cwd=cell.workdir, env=cell.env,
                                 preexec_fn=(lambda: _limit_memory(limit)) if limit else None)
            try:
                _, err = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                _, err = p.communicate()
                cell.timed_out = True
    except OSError as e:
        cell.harness = "cannot start adapter: %s" % e
        return
    cell.stderr = err.decode("utf-8", "replace")
    cell.rc = p.returncode
    if p.returncode is not None and p.returncode < 0:
        cell.signal = -p.returncode
    size = os.path.getsize(cell.stdout_path)
    if cell.case.family != "open" or cell.rc != 0 or size < (1 << 20):
        with open(cell.stdout_path, "rb") as fh:
            cell.stdout = fh.read(8 << 20).decode("utf-8", "surrogateescape")
    else:
        with open(cell.stdout_path, "rb") as fh:
            cell.stdout = fh.read(200000).decode("utf-8", "surrogateescape")
        cell.stdout_big = True


def run_cell(env, cell):
    case, ad, args = cell.case, cell.adapter, env.args
    missing = [f for f in case.features if f in CAPS and f not in ad.caps]
    if missing:
        cell.skip_reason = "needs " + " ".join(missing)
        return cell
    cell.workdir = os.path.join(env.out, "work", ad.name, case.id)
    shutil.rmtree(cell.workdir, ignore_errors=True)
    os.makedirs(cell.workdir)
    try:
        if case.family == "open":
            src = env.case_input(case)
            if not os.path.exists(src):
                cell.skip_reason = "input absent: " + case.meta.get("file", "")
                return cell
            dst = os.path.join(cell.workdir, "hive")
            shutil.copyfile(src, dst)
            _exec(cell, ad.argv + ["open", dst], args.timeout, args.memcheck)
        else:
            resolve = env.path_resolver(cell.workdir)
            for st in case.steps:
                if st.verb == "@write_file":
                    p = resolve(st.args[0][1][1])
                    with open(p, "wb") as fh:
                        fh.write(st.args[1][1][1])
            for st in case.steps:
                for _, v in st.args:
                    if v[0] == "path" and v[1][0] in ("fixture", "hive"):
                        src = (os.path.join(PROJECT, "fixtures", v[1][1]) if v[1][0] == "fixture"
                               else os.path.join(env.hives, v[1][1]))
                        if not os.path.exists(src):
                            cell.skip_reason = "input absent: " + v[1][1]
                            return cell
            plan = caselib.make_plan(case, resolve)
            planfile = os.path.join(cell.workdir, "plan.txt")
            with open(planfile, "w") as fh:
                fh.write(plan)
            _exec(cell, ad.argv + ["run", planfile, cell.workdir], args.timeout, args.memcheck)
    except (OSError, caselib.CaseError) as e:
        cell.harness = "runner: %s" % e
    return cell


# ---- judging ------------------------------------------------------------------------------------
def _process_status(cell):
    """Statuses decided by how the process ended, or None when the answer must be judged."""
    if cell.skip_reason:
        return "SKIP", cell.skip_reason
    if cell.harness:
        return "HARNESS_ERROR", cell.harness
    if cell.timed_out:
        return "TIMEOUT", "killed at the timeout"
    if cell.rc == MEMCHECK_EXIT and getattr(cell, "memchecked", False):
        return "MEMORY_ERROR", _first_valgrind_error(cell.stderr)
    if cell.signal:
        return "CRASH", "signal %d" % cell.signal
    if cell.rc == 2:
        return "SKIP", "adapter: unsupported (%s)" % cell.stderr.strip()[:120]
    if cell.rc == 3:
        return "HARNESS_ERROR", "adapter: " + cell.stderr.strip()[:200]
    if cell.rc not in (0, 1):
        return "CRASH", "exit %d" % cell.rc
    return None


def _first_valgrind_error(err):
    for ln in err.splitlines():
        if ln.startswith("==") and ("Invalid" in ln or "uninitialised" in ln or "free" in ln):
            return ln.split("==", 2)[-1].strip()[:200]
    return "valgrind reported errors"


def _dump_lines(text):
    return [ln for ln in text.split("\n") if ln and ln[0] in "HKVDS"]


class ReaderOracle:
    """Expected dumps of open cases recorded as digests: when an adapter's projection has no
    recorded digest, or differs, the expected text comes from gen/reader.py (the independent
    python reader that produced the digests), run on the same input and checked against the
    recorded full digest."""

    def __init__(self, env):
        self.env, self.cache, self.reader = env, {}, None
        try:
            sys.path.insert(0, os.path.join(PROJECT, "gen"))
            import reader  # noqa: F401
            self.reader = reader
        except Exception:  # noqa: BLE001 (any import problem means: no oracle)
            self.reader = None

    def lines(self, case):
        if case.id in self.cache:
            return self.cache[case.id]
        out = None
        if self.reader is not None:
            try:
                with open(self.env.case_input(case), "rb") as fh:
                    text = self.reader.dump(fh.read())
                out = [ln for ln in text.split("\n") if ln]
                full = case.meta.get("dump", "")[len("sha256:"):]
                if dumpcmp.digest(dumpcmp.project(out, dumpcmp.caps_of_signature("ctfrs"))) != full:
                    out = None   # the reader changed since the case was generated
            except Exception:  # noqa: BLE001
                out = None
        self.cache = {case.id: out}   # keep one: real hives dump tens of MB
        return out


def _read_dump(cell):
    path = cell.stdout_path
    if path and os.path.exists(path):
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            return [ln.rstrip("\n") for ln in fh if ln[:1] in ("H", "K", "V", "D", "S")]
    return _dump_lines(cell.stdout)


def _digests(case):
    out = {}
    for part in case.meta.get("digests", "").split(","):
        k, _, v = part.partition("=")
        if k and v:
            out[k] = v
    return out


def judge_open(cell, oracle, fixture_dumps):
    case, caps = cell.case, cell.adapter.caps
    expect = caselib.EXPECT_BY_PREFIX.get(case.id[:1], "impl")
    if cell.rc == 1:
        first = cell.stdout.strip().splitlines()[:1]
        err = first[0] if first else ""
        if not err.startswith("error"):
            # PROTOCOL.md: a rejection prints "error <code> ...".  Exit 1 without it is the
            # process dying (e.g. an interpreter's "Out of memory!" under --mem-limit).
            return "CRASH", "exit 1 without an error line: %s" % (
                cell.stderr.strip().splitlines()[-1:] or [""])[0][:200]
        if expect == "accept":
            return "SHOULD_HAVE_ACCEPTED", err[:200]
        if expect == "impl":
            return "IMPL_REJECT", err[:200]
        want = case.meta.get("error", "")
        if "win32-errors" in caps and want and want != "-":
            parts = err.split()
            got = parts[1] if len(parts) > 1 else "?"
            wantn = str(caselib.CONSTANTS.get(want, want))
            if got != wantn:
                return "WRONG_ERROR", "expected %s, got %s" % (want, err[:160])
        rules = [r for r in [case.meta.get("rule", "")] + case.meta.get("rule_alt", "").split()
                 if r and r != "-"]
        # The rejection must name the rule (or gen/'s alternative id for the same fault, e.g.
        # the generic reference rule R-C05 for a class cell that is free, R-D15).
        if "rule-ids" in caps and rules and not any(
                ("rule=" + r) in err or re.search(r"\b%s\b" % r, err) for r in rules):
            return "WRONG_ERROR", "expected rule %s, got %s" % ("/".join(rules), err[:160])
        return "PASS", err[:160]
    if expect == "reject":
        return "SHOULD_HAVE_REJECTED", ""
    status, detail = _judge_dump(cell, oracle, fixture_dumps)
    if expect == "impl" and status == "PASS":
        return "IMPL_ACCEPT", detail
    return status, detail


def _judge_dump(cell, oracle, fixture_dumps):
    """An accepted hive: its dump against the expected one."""
    case, caps = cell.case, cell.adapter.caps
    dump = case.meta.get("dump", "-")
    if dump in ("", "-"):
        return "PASS", "accepted (no expected dump)"
    lines = _read_dump(cell)
    if not any(ln.startswith("S") for ln in lines[-1:]):
        return "WRONG_DUMP", "dump has no S trailer (truncated?)"
    got = dumpcmp.project(lines, caps)
    if dump.startswith("sha256:"):
        sig = dumpcmp.signature(caps)
        want = _digests(case).get(sig) or (dump[7:] if sig == "ctfrs" else None)
        if want and dumpcmp.digest(got) == want:
            return "PASS", ""
        exp = oracle.lines(case)
        if exp is None:
            k, v = dumpcmp.counts(lines)
            want_kv = case.meta.get("summary", "")
            if want is None and want_kv.startswith("%d %d" % (k, v)):
                return "PASS", "compared on key/value counts only (no oracle)"
            return "WRONG_DUMP", "dump digest differs (keys/values %d %d, expected %s)" % (
                k, v, want_kv)
        diff = dumpcmp.compare(dumpcmp.project(exp, caps), got)
        return ("WRONG_DUMP", diff) if diff else ("PASS", "")
    exp = fixture_dumps(case, dump)
    if exp is None:
        return "HARNESS_ERROR", "expected dump %s missing" % dump
    diff = dumpcmp.compare(dumpcmp.project(exp, caps), got)
    return ("WRONG_DUMP", diff) if diff else ("PASS", "")


def parse_step_results(text):
    results, dumps, cur = [], [], None
    for ln in text.split("\n"):
        if ln.startswith("| "):
            if cur is not None:
                cur.append(ln[2:])
            continue
        f = ln.split(" ")
        if len(f) < 3 or not f[0].isdigit():
            continue
        outs = {}
        for t in f[3:]:
            k, _, v = t.partition("=")
            outs[k] = v
        results.append((int(f[0]), f[1], f[2], outs))
        if f[1] == "dump":
            cur = []
            dumps.append(cur)
        else:
            cur = None
    return results, dumps


def _name(code):
    return caselib.ERROR_NAMES.get(code, str(code)) if isinstance(code, int) else str(code)


def judge_steps(cell, env):
    case, caps = cell.case, cell.adapter.caps
    is_impl = case.id.startswith("i_")
    exact = "win32-errors" in caps
    results, dumps = parse_step_results(cell.stdout)
    adapter_steps = [s for s in case.steps if not s.verb.startswith("@")]
    by_index = {r[0]: r for r in results}
    resolve = lambda p: p[1]  # noqa: E731  (out-values never hold paths)
    verdict = None
    for i, st in enumerate(adapter_steps):
        r = by_index.get(i)
        if r is None:
            return "HARNESS_ERROR", "no result for step %d (%s); adapter exit %s" % (
                i, st.verb, cell.rc)
        code = r[2]
        if code == "unsupported":
            return "SKIP", "step %d %s unsupported" % (i, st.verb)
        try:
            got = int(code)
        except ValueError:
            return "HARNESS_ERROR", "step %d: bad result %r" % (i, code)
        want = st.expect_code
        ok = (want == "fail" and got != 0) or got == want or \
             (not exact and want is not None and (want == 0) == (got == 0))
        if not ok:
            if want == 0:
                verdict = ("SHOULD_HAVE_ACCEPTED", got)
            elif got == 0:
                verdict = ("SHOULD_HAVE_REJECTED", got)
            else:
                verdict = ("WRONG_ERROR", got)
            detail = "step %d %s: expected %s, got %s" % (i, st.line, _name(want), _name(got))
            break
        for k, v in st.expect_outs.items():
            tok = caselib.expected_out_token(v, resolve)
            if tok is None:
                continue
            if k not in r[3]:
                # The adapter cannot report this out-value (e.g. hivex has no max name lengths):
                # the case cannot be judged on it.
                return "SKIP", "step %d: adapter does not report %s" % (i, k)
            if r[3].get(k) != tok:
                verdict = ("WRONG_DUMP", got)
                detail = "step %d %s: %s expected %s, got %s" % (
                    i, st.line, k, tok[:80], (r[3].get(k) or "<absent>")[:80])
                break
        if verdict:
            break
    if verdict is None and case.dump is not None:
        if not dumps:
            verdict, detail = ("WRONG_DUMP", 0), "no dump step output"
        else:
            exp = [ln for ln in case.dump]
            # Record types an expected dump leaves out are not compared: a case about values
            # need not spell out the default security descriptor (D) or the root name (H).
            acaps = set(caps)
            if not any(ln.startswith("D ") for ln in exp):
                acaps.discard("security")
            act = dumps[-1]
            if not any(ln.startswith("H ") for ln in exp):
                act = [ln for ln in act if not ln.startswith("H ")]
            diff = dumpcmp.compare(dumpcmp.project(exp, acaps), dumpcmp.project(act, acaps))
            if diff:
                verdict, detail = ("WRONG_DUMP", 0), "final dump " + diff
    if verdict is None:
        for st in case.steps:
            if not st.verb.startswith("@expect"):
                continue
            v = _runner_check(st, cell.workdir)
            if v:
                verdict, detail = ("WRONG_DUMP", 0), "%s: %s" % (st.line, v)
                break
    if verdict is None:
        return "PASS", ""
    status, got = verdict
    if is_impl:
        return ("IMPL_ACCEPT" if got == 0 else "IMPL_REJECT"), detail
    return status, detail


def _runner_check(st, workdir):
    def p(v):
        return os.path.join(workdir, v[1][1]) if v[1][0] == "work" else v[1][1]
    a = st.args
    if st.verb == "@expect_file":
        exists = os.path.exists(p(a[0][1]))
        want = a[1][1][1]
        if (want == "exists") != exists:
            return "file %s" % ("absent" if not exists else "exists")
    elif st.verb == "@expect_version":
        try:
            with open(p(a[0][1]), "rb") as fh:
                hdr = fh.read(28)
            ver = "%d.%d" % (int.from_bytes(hdr[20:24], "little"), int.from_bytes(hdr[24:28], "little"))
        except OSError:
            return "file missing"
        if ver != a[1][1][1]:
            return "format version %s" % ver
    elif st.verb == "@expect_valid":
        # The saved file must pass gen/reader.py's strict validator (independent of any adapter).
        try:
            sys.path.insert(0, os.path.join(PROJECT, "gen"))
            import reader
            with open(p(a[0][1]), "rb") as fh:
                rej = reader.load(fh.read()).rejects()
        except OSError:
            return "file missing"
        except Exception as e:  # noqa: BLE001
            return "gen/reader.py unavailable: %s" % e
        if rej:
            return "gen/reader.py rejects the saved hive: %s" % rej[0]
    elif st.verb == "@expect_same_bins":
        try:
            with open(p(a[0][1]), "rb") as f1, open(p(a[1][1]), "rb") as f2:
                x, y = f1.read(), f2.read()
        except OSError:
            return "file missing"
        if x[4096:] != y[4096:]:
            return "hive bins differ (sizes %d, %d)" % (len(x), len(y))
    elif st.verb == "@expect_header":
        try:
            with open(p(a[0][1]), "rb") as fh:
                hdr = fh.read(512)
        except OSError:
            return "file missing"
        # regf-format.md §2.2: XOR of the 127 dwords before 0x1FC, 0 -> 1, 0xFFFFFFFF -> 0xFFFFFFFE.
        x = 0
        for i in range(0, 508, 4):
            x ^= int.from_bytes(hdr[i:i + 4], "little")
        x = 1 if x == 0 else (0xFFFFFFFE if x == 0xFFFFFFFF else x)
        if len(hdr) < 512 or hdr[:4] != b"regf":
            return "no regf base block"
        if int.from_bytes(hdr[508:512], "little") != x:
            return "checksum %08x, computed %08x" % (int.from_bytes(hdr[508:512], "little"), x)
        if hdr[4:8] != hdr[8:12]:
            return "sequence numbers differ"
    elif st.verb in ("@expect_same", "@expect_differ"):
        try:
            same = caselib.sha256_file(p(a[0][1])) == caselib.sha256_file(p(a[1][1]))
        except OSError:
            return "file missing"
        if same != (st.verb == "@expect_same"):
            return "files %s" % ("identical" if same else "differ")
    return None


def judge(cell, env, oracle, fixture_dumps):
    ps = _process_status(cell)
    if ps:
        return ps
    if cell.case.family == "open":
        return judge_open(cell, oracle, fixture_dumps)
    if cell.rc != 0:
        return "HARNESS_ERROR", "run exited 1: " + cell.stderr.strip()[:200]
    return judge_steps(cell, env)


# ---- progress -----------------------------------------------------------------------------------
class Progress:
    def __init__(self, total):
        self.total, self.done, self.tty = total, 0, sys.stderr.isatty()
        self.lock = threading.Lock()
        self.t0 = time.time()
        self.last_pct = -10

    def tick(self, cell):
        with self.lock:
            self.done += 1
            if self.tty:
                w = 40
                k = w * self.done // max(self.total, 1)
                sys.stderr.write("\r[%s%s] %d/%d %-40s" % ("#" * k, "." * (w - k), self.done,
                                                          self.total, cell.case.id[:40]))
                if self.done == self.total:
                    sys.stderr.write("\n")
                sys.stderr.flush()
            else:
                pct = 100 * self.done // max(self.total, 1)
                if pct >= self.last_pct + 10 or self.done == self.total:
                    self.last_pct = pct
                    print("conformance: %d/%d cells run (%d%%, %.0fs)" % (
                        self.done, self.total, pct, time.time() - self.t0), flush=True)


# ---- main ---------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(prog="hiveref conformance", description=__doc__.split("\n")[0])
    ap.add_argument("--adapter", action="append", default=[], help="adapter name or path (repeat)")
    ap.add_argument("--cases", default=os.path.join(CONF, "cases"))
    ap.add_argument("--family", action="append", default=[])
    ap.add_argument("--case", action="append", default=[], help="glob on case ids")
    ap.add_argument("--skip-case", action="append", default=[], help="glob on case ids to leave out")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--memcheck", action="store_true")
    ap.add_argument("--mem-limit", type=int, default=8192,
                    help="address-space limit per adapter process in MiB (0 = none; off under --memcheck)")
    ap.add_argument("--out", default="conformance-results")
    ap.add_argument("--build", default=os.environ.get("HIVEREF_BUILD_DIR",
                                                      os.path.join(PROJECT, "build")))
    ap.add_argument("--hives", default=os.environ.get("HIVEREF_HIVES",
                                                      os.path.join(PROJECT, "..", "shared", "hives")))
    ap.add_argument("--baseline", default=os.path.join(CONF, "baseline"))
    ap.add_argument("--update-baseline", action="store_true")
    ap.add_argument("--no-baseline", action="store_true", help="do not compare with the baseline")
    ap.add_argument("--lint-only", action="store_true")
    ap.add_argument("--keep-work", action="store_true")
    args = ap.parse_args(argv)
    args.out = os.path.abspath(args.out)
    args.hives = os.path.abspath(args.hives)

    try:
        cases = caselib.load_cases(args.cases, args.family or None)
    except caselib.CaseError as e:
        print("conformance: %s" % e, file=sys.stderr)
        return 2
    global CAPS
    CAPS = lint.features(PROJECT)[0]
    problems = lint.lint(cases, PROJECT, args.hives)
    for p in problems:
        print("lint: " + p, file=sys.stderr)
    if problems:
        return 2
    if args.lint_only:
        print("conformance: %d cases, lint clean" % len(cases))
        return 0
    if args.case:
        cases = [c for c in cases if any(fnmatch.fnmatch(c.id, g) for g in args.case)]
    if args.skip_case:
        cases = [c for c in cases if not any(fnmatch.fnmatch(c.id, g) for g in args.skip_case)]

    import glob
    empty = sorted(glob.glob(os.path.join(PROJECT, "fixtures", EMPTY_HIVE_FIXTURE)))
    if empty:
        os.environ["HIVEREF_EMPTY_HIVE"] = empty[0]
    adapters = resolve_adapters(args.adapter, args.build, args.timeout)
    if not adapters:
        print("conformance: no usable adapter", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    env = Env(args)
    # The ref adapter runs first so that its dumps can serve as the oracle of sha-only cases.
    adapters.sort(key=lambda a: (a.name != "ref", a.name))
    cells = [Cell(c, a) for a in adapters for c in cases]
    for c in cells:
        c.mem_limit = args.mem_limit

    print("conformance: %d cases x %d adapters (%s), %d jobs, out %s" % (
        len(cases), len(adapters), ", ".join("%s [%s]" % (a.name, a.version) for a in adapters),
        args.jobs, args.out), flush=True)
    prog = Progress(len(cells))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = [ex.submit(run_cell, env, c) for c in cells]
        for f in concurrent.futures.as_completed(futs):
            prog.tick(f.result())

    oracle = ReaderOracle(env)
    dump_cache = {}

    def fixture_dumps(case, ref):
        p = os.path.join(os.path.dirname(case.file), ref)
        if p not in dump_cache:
            dump_cache[p] = (_dump_lines(open(p, encoding="utf-8", errors="surrogateescape")
                                         .read()) if os.path.exists(p) else None)
        return dump_cache[p]

    # Judged case by case, so that the reader oracle (one cached dump) serves every adapter.
    for c in sorted(cells, key=lambda x: (x.case.id, x.adapter.name)):
        c.status, c.detail = judge(c, env, oracle, fixture_dumps)
        assert c.status in STATUSES, c.status
        report.save_cell_output(args.out, c)
    # Work directories hold copies of the inputs (real hives are MBs): the per-cell report keeps
    # the plan, the output and the verdict; --keep-work keeps the rest for debugging.
    if not args.keep_work:
        shutil.rmtree(os.path.join(args.out, "work"), ignore_errors=True)

    report.write_all(args.out, cases, adapters, cells, args.cases)
    rc = gate(cells, adapters, args)
    print("conformance: reports in %s (results.tsv, matrix.md, matrix.html, junit.xml)" % args.out)
    return rc


def _ref_ok(c):
    """The ref adapter must PASS, or on an i_ case show the documented choice: the case's `ref`
    field (accept/reject, gen/'s fixtures) when it has one."""
    if c.status in ("PASS", "SKIP"):
        return True
    if c.status in ("IMPL_ACCEPT", "IMPL_REJECT") and c.case.id.startswith("i_") and \
            c.case.family == "open":
        want = c.case.meta.get("ref", "")
        return not want or want == c.status[5:].lower()
    # Step cases (api/, save/, ...) record hiveref's documented choice on i_ cases: ref PASSes.
    return False


def known_failures(path):
    """conformance/baseline/ref-known.tsv: ref cells that are known not to PASS, each with the
    reason (an open disagreement between the engine and a fixture or a case).  Listed cells do
    not fail the gate while their status stays the same; they are printed on every run."""
    if not os.path.exists(path):
        return {}
    return {r["case"]: (r["status"], r.get("reason", "")) for r in caselib.read_tsv(path)}


def gate(cells, adapters, args):
    rc = 0
    known = known_failures(os.path.join(args.baseline, "ref-known.tsv"))
    bad = []
    for c in cells:
        if c.adapter.name == "ref" and c.case.id in known and known[c.case.id][0] != c.status:
            print("conformance: ref-known.tsv lists %s as %s, now %s: update the list" % (
                c.case.id, known[c.case.id][0], c.status), file=sys.stderr)
        if c.adapter.name != "ref" or _ref_ok(c):
            continue
        k = known.get(c.case.id)
        if k and k[0] == c.status:
            print("conformance: known ref failure %s %s (%s)" % (c.case.id, c.status, k[1]),
                  file=sys.stderr)
            continue
        bad.append(c)
    for c in bad[:30]:
        print("conformance: ref %s %s: %s" % (c.case.id, c.status, c.detail), file=sys.stderr)
    if bad:
        print("conformance: ref adapter: %d cells not PASS" % len(bad), file=sys.stderr)
        rc = 1
    if args.no_baseline:
        return rc
    os.makedirs(args.baseline, exist_ok=True)
    for a in adapters:
        path = os.path.join(args.baseline, a.name + ".tsv")
        mine = {c.case.id: c.status for c in cells if c.adapter is a}
        if args.update_baseline:
            # A cell whose input is absent in this run keeps its recorded status.
            mine = {c.case.id: c.status for c in cells if c.adapter is a and not (
                c.status == "SKIP" and c.detail.startswith("input absent"))}
            old = {r["case"]: r["status"] for r in caselib.read_tsv(path)} if os.path.exists(path) else {}
            old.update(mine)
            with open(path, "w") as fh:
                fh.write("# accepted results of adapter %s (%s); written by run.py "
                         "--update-baseline\ncase\tstatus\n" % (a.name, a.version))
                for k in sorted(old):
                    fh.write("%s\t%s\n" % (k, old[k]))
            continue
        if not os.path.exists(path):
            continue
        base = {r["case"]: r["status"] for r in caselib.read_tsv(path)}
        absent = {c.case.id for c in cells if c.adapter is a and c.status == "SKIP"
                  and c.detail.startswith("input absent")}
        # CRASH and TIMEOUT are one class for the gate: a runaway recursion ends by the timeout
        # or by the kernel's OOM killer (SIGKILL) depending on the machine's memory.
        same = lambda x, y: x == y or {x, y} == {"CRASH", "TIMEOUT"}  # noqa: E731
        changed = [(k, base[k], v) for k, v in sorted(mine.items())
                   if k in base and not same(base[k], v) and k not in absent]
        # A cell that now PASSes is an improvement: reported, never a failure.
        better = [c for c in changed if c[2] == "PASS"]
        changed = [c for c in changed if c[2] != "PASS"]
        for k, was, now in better[:30]:
            print("conformance: baseline %s %s: %s -> PASS (improvement; --update-baseline "
                  "records it)" % (a.name, k, was), file=sys.stderr)
        for k, was, now in changed[:30]:
            print("conformance: baseline %s %s: %s -> %s" % (a.name, k, was, now), file=sys.stderr)
        if changed:
            print("conformance: %s: %d cells differ from %s (run with --update-baseline to "
                  "accept)" % (a.name, len(changed), path), file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
