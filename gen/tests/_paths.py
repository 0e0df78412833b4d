"""Shared paths for the gen/ unit tests (imported by every test module)."""
import os
import sys

GEN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(GEN)
FIXTURES = os.path.join(ROOT, "fixtures")
SHARED_HIVES = os.path.join(ROOT, "..", "shared", "hives")
LAYOUT_H = os.path.join(ROOT, "ref", "src", "layout.h")
if GEN not in sys.path:
    sys.path.insert(0, GEN)
