"""gen/corpus.py: deterministic for a given seed (and independent of --jobs), every output is
labelled in the manifest, labels are right (the python validator reports the labelled rule),
--rules filters, exit codes 0/1/2."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import _paths
import corpus
import reader
from regf import Key, Value, build, make_sd, acl, ace, SID_EVERYONE
from fxlib import pattern, sz, dw

CORPUS = os.path.join(_paths.GEN, "corpus.py")


def seeds(d):
    sd2 = make_sd(dacl=acl(ace(SID_EVERYONE)))
    h1 = Key("ROOT", [Value("", 1, sz("d")), Value("big", 3, pattern(40000, 1))],
             [Key("k%02d" % i, [Value("v", 4, dw(i)), Value("s", 1, sz("x" * i))], cls="c",
                  sd=sd2 if i % 3 else None) for i in range(30)])
    h2 = Key("ROOT", [], [Key("P", [], [Key("c%02d" % i) for i in range(20)], list_type="ri",
                                  leaf_split=6), Key("Q", [], [Key("x"), Key("y")], list_type="lf")])
    for name, root, minor in (("a.hive", h1, 5), ("b.hive", h2, 3)):
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(build(root, minor).img))


class TestCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gen-corpus-test-")
        cls.seeds = os.path.join(cls.tmp, "seeds")
        os.makedirs(cls.seeds)
        seeds(cls.seeds)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_corpus(self, out, *extra):
        return corpus.main(["--seeds", self.seeds, "--out", out] + list(extra))

    def manifest(self, out):
        with open(os.path.join(out, "manifest.jsonl")) as f:
            return [json.loads(x) for x in f]

    def test_deterministic_and_jobs_independent(self):
        o1, o2, o3 = (os.path.join(self.tmp, x) for x in ("d1", "d2", "d3"))
        self.assertEqual(self.run_corpus(o1, "--count", "300", "--seed", "7"), 0)
        self.assertEqual(self.run_corpus(o2, "--count", "300", "--seed", "7", "--jobs", "2"), 0)
        self.assertEqual(self.run_corpus(o3, "--count", "300", "--seed", "8"), 0)
        m1, m2, m3 = self.manifest(o1), self.manifest(o2), self.manifest(o3)
        self.assertEqual(m1, m2)
        self.assertNotEqual(m1, m3)
        for m in m1[:50]:
            with open(os.path.join(o1, m["file"]), "rb") as a, open(os.path.join(o2, m["file"]), "rb") as b:
                self.assertEqual(a.read(), b.read())

    def test_manifest_labels_every_output(self):
        out = os.path.join(self.tmp, "lab")
        self.assertEqual(self.run_corpus(out, "--count", "600", "--seed", "3"), 0)
        man = self.manifest(out)
        files = sorted(f for f in os.listdir(out) if f.endswith(".hive"))
        self.assertEqual(sorted(m["file"] for m in man), files)
        self.assertEqual(len(files), 600)
        fams = set()
        wrong = []
        for m in man:
            for k in ("seed", "family", "field", "offset", "old", "new", "rule", "checksum_fixed"):
                self.assertIn(k, m)
            self.assertRegex(m["rule"], r"^R-[A-H]\d\d$")
            fams.add(m["family"])
            with open(os.path.join(out, m["file"]), "rb") as f:
                data = f.read()
            self.assertEqual(data[m["offset"]:m["offset"] + len(m["new"]) // 2].hex(), m["new"])
            ids = set()
            for f in reader.load(data).findings:
                ids |= f.ids()
            if m["rule"] not in ids and m["rule_alt"] not in ids:
                wrong.append(m)
        self.assertGreaterEqual(len(fams), 14)
        # Labels are the intended rule; the python validator must agree on (nearly) all.
        self.assertLessEqual(len(wrong), len(man) // 50, wrong[:3])

    def test_rules_filter(self):
        out = os.path.join(self.tmp, "filt")
        self.assertEqual(self.run_corpus(out, "--count", "100", "--rules", "R-B03,R-E..,R-G04"), 0)
        for m in self.manifest(out):
            self.assertTrue(m["rule"] in ("R-B03", "R-G04") or m["rule"].startswith("R-E")
                            or (m["rule_alt"] or "").startswith("R-E"), m)

    def test_checksum_fixed_by_default(self):
        out = os.path.join(self.tmp, "ck")
        self.assertEqual(self.run_corpus(out, "--count", "200", "--rules", "R-E.."), 0)
        for m in self.manifest(out):
            with open(os.path.join(out, m["file"]), "rb") as f:
                rej = [x.rule for x in reader.load(f.read()).rejects()]
            self.assertNotIn("R-A03", rej)

    def test_exit_codes(self):
        r = subprocess.run([sys.executable, CORPUS, "--help"], capture_output=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"--seeds", r.stdout)
        r = subprocess.run([sys.executable, CORPUS, "--out", self.tmp], capture_output=True)
        self.assertEqual(r.returncode, 2)
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty, exist_ok=True)
        r = subprocess.run([sys.executable, CORPUS, "--seeds", empty, "--out",
                            os.path.join(self.tmp, "o"), "--count", "1"], capture_output=True)
        self.assertEqual(r.returncode, 1)
        r = subprocess.run([sys.executable, CORPUS, "--seeds", self.seeds, "--out",
                            os.path.join(self.tmp, "o2"), "--count", "1", "--rules", "R-Z99"],
                           capture_output=True)
        self.assertEqual(r.returncode, 1)


if __name__ == "__main__":
    unittest.main()
