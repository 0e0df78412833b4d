/*
 * bench_gen.c: the deterministic generated hives of the benchmark (1, 16, 128, 1024 MiB),
 * built through the public API (HRCreateHiveEx, ORCreateKey, ORSetValue, ORSaveHive).
 *
 * Shape: a SOFTWARE-like tree.  The root holds shards ("Shard0000", ...) of at most
 * UNITS_PER_SHARD units each, so no key gets more children than a real SOFTWARE hive's largest
 * lists (Classes\CLSID has a few thousand); a unit is one installed component:
 *   Classes\CLSID\{GUID}                (@ REG_SZ)
 *     InprocServer32                    (@ REG_EXPAND_SZ path, ThreadingModel REG_SZ)
 *     ProgID                            (@ REG_SZ)
 *   Microsoft\Windows\CurrentVersion\Uninstall\{GUID}   (7 REG_SZ/EXPAND_SZ, 5 REG_DWORD)
 *   VendorNN\ProductNNN\SettingsN       (REG_BINARY, REG_MULTI_SZ, REG_QWORD, REG_DWORD, REG_SZ,
 *     Sub0..Sub2                         occasional REG_NONE / REG_DWORD_BIG_ENDIAN, 1-3 values)
 * and every 256th unit carries one big-data REG_BINARY (16 KiB - 64 KiB, i.e. above the 16344
 * byte db threshold of regf-format.md; about 10% of the file).  The random choices come from a fixed-seed splitmix64,
 * so the content (names, types, data, order) is the same on every run; timestamps are the
 * engine's clock and differ.
 *
 * Size: the unit count is found by measuring: build 64 units, save, extrapolate to 85% of the
 * target, save, extrapolate to 97%, save, extrapolate to the target.  File sizes do not depend on timestamps, so
 * the count and the size are deterministic too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "hiveref.h"

#define UNITS_PER_SHARD 2048u

typedef struct gen {
  uint64_t rng;
  ORHKEY root;
  ORHKEY clsid, uninstall, shard; /* handles into the current shard */
  uint32_t shard_no;
  uint8_t *big;                   /* big-data payload buffer */
} gen;

/* splitmix64 (Steele, Lea, Flood 2014): tiny and reproducible. */
static uint64_t rnd(gen *g) {
  uint64_t z = (g->rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint32_t rnd_below(gen *g, uint32_t n) { return (uint32_t)(rnd(g) % n); }

static int ck(DWORD e, const char *what) {
  if (e == ERROR_SUCCESS) return 0;
  fprintf(stderr, "hiveref-bench: generate: %s: %s\n", what, HRErrorName(e));
  return -1;
}

static int create(ORHKEY parent, const char *name, ORHKEY *out) {
  return ck(HRCreateKeyUtf8(parent, name, out, NULL), "ORCreateKey");
}

/* REG_SZ / REG_EXPAND_SZ / REG_MULTI_SZ data as UTF-16LE with terminator(s). */
static int set_str(ORHKEY k, const char *name, DWORD type, const char *s) {
  uint16_t buf[1024];
  size_t n = strlen(s);
  if (n + 2 > sizeof buf / sizeof buf[0]) n = sizeof buf / sizeof buf[0] - 2;
  for (size_t i = 0; i < n; i++) buf[i] = (uint16_t)(s[i] == '|' ? 0 : (unsigned char)s[i]);
  buf[n++] = 0;
  if (type == REG_MULTI_SZ) buf[n++] = 0;
  return ck(HRSetValueUtf8(k, name, type, buf, (DWORD)(n * 2)), "ORSetValue");
}

static int set_bin(ORHKEY k, const char *name, DWORD type, const void *p, DWORD n) {
  return ck(HRSetValueUtf8(k, name, type, p, n), "ORSetValue");
}

static void guid(gen *g, char *out, size_t cap) {
  uint64_t a = rnd(g), b = rnd(g);
  snprintf(out, cap, "{%08X-%04X-%04X-%04X-%012llX}", (unsigned)(a >> 32),
           (unsigned)((a >> 16) & 0xFFFF), (unsigned)(a & 0xFFFF), (unsigned)(b >> 48),
           (unsigned long long)(b & 0xFFFFFFFFFFFFull));
}

static void close_shard(gen *g) {
  if (g->clsid) ORCloseKey(g->clsid);
  if (g->uninstall) ORCloseKey(g->uninstall);
  if (g->shard) ORCloseKey(g->shard);
  g->clsid = g->uninstall = g->shard = NULL;
}

static int open_shard(gen *g, uint32_t no) {
  close_shard(g);
  char name[32];
  snprintf(name, sizeof name, "Shard%04u", no);
  g->shard_no = no;
  if (create(g->root, name, &g->shard) != 0) return -1;
  if (create(g->shard, "Classes\\CLSID", &g->clsid) != 0) return -1;
  return create(g->shard, "Microsoft\\Windows\\CurrentVersion\\Uninstall", &g->uninstall);
}

static int unit_clsid(gen *g, uint32_t u) {
  char name[64], s[256];
  guid(g, name, sizeof name);
  ORHKEY k = NULL, c = NULL;
  if (create(g->clsid, name, &k) != 0) return -1;
  snprintf(s, sizeof s, "Component %u Class", u);
  int rc = set_str(k, "", REG_SZ, s);
  if (rc == 0 && (rc = create(k, "InprocServer32", &c)) == 0) {
    snprintf(s, sizeof s, "%%ProgramFiles%%\\Vendor%02u\\Product%03u\\bin\\comp%05u.dll",
             rnd_below(g, 32), rnd_below(g, 128), u);
    rc = set_str(c, "", REG_EXPAND_SZ, s);
    if (rc == 0) rc = set_str(c, "ThreadingModel", REG_SZ, rnd_below(g, 3) ? "Both" : "Apartment");
    ORCloseKey(c);
  }
  if (rc == 0 && (rc = create(k, "ProgID", &c)) == 0) {
    snprintf(s, sizeof s, "Vendor%02u.Component%u.%u", rnd_below(g, 32), u, 1 + rnd_below(g, 9));
    rc = set_str(c, "", REG_SZ, s);
    ORCloseKey(c);
  }
  ORCloseKey(k);
  return rc;
}

static int unit_uninstall(gen *g, uint32_t u) {
  char name[64], s[256];
  guid(g, name, sizeof name);
  ORHKEY k = NULL;
  if (create(g->uninstall, name, &k) != 0) return -1;
  uint32_t vendor = rnd_below(g, 32), major = 1 + rnd_below(g, 20);
  int rc = 0;
  snprintf(s, sizeof s, "Vendor %02u Product %u (x64)", vendor, u);
  rc |= set_str(k, "DisplayName", REG_SZ, s);
  snprintf(s, sizeof s, "%u.%u.%u.%u", major, rnd_below(g, 10), rnd_below(g, 100), rnd_below(g, 10000));
  rc |= set_str(k, "DisplayVersion", REG_SZ, s);
  snprintf(s, sizeof s, "Vendor %02u Corporation", vendor);
  rc |= set_str(k, "Publisher", REG_SZ, s);
  snprintf(s, sizeof s, "20%02u%02u%02u", 10 + rnd_below(g, 15), 1 + rnd_below(g, 12), 1 + rnd_below(g, 28));
  rc |= set_str(k, "InstallDate", REG_SZ, s);
  snprintf(s, sizeof s, "C:\\Program Files\\Vendor%02u\\Product%u\\", vendor, u);
  rc |= set_str(k, "InstallLocation", REG_SZ, s);
  snprintf(s, sizeof s, "MsiExec.exe /X%s", name);
  rc |= set_str(k, "UninstallString", REG_EXPAND_SZ, s);
  rc |= set_str(k, "ModifyPath", REG_EXPAND_SZ, s);
  DWORD d[5] = {rnd_below(g, 1u << 20), major, rnd_below(g, 10), 1, 1033};
  rc |= set_bin(k, "EstimatedSize", REG_DWORD, &d[0], 4);
  rc |= set_bin(k, "VersionMajor", REG_DWORD, &d[1], 4);
  rc |= set_bin(k, "VersionMinor", REG_DWORD, &d[2], 4);
  rc |= set_bin(k, "NoModify", REG_DWORD, &d[3], 4);
  rc |= set_bin(k, "Language", REG_DWORD, &d[4], 4);
  ORCloseKey(k);
  return rc ? -1 : 0;
}

static int unit_settings(gen *g, uint32_t u) {
  char path[96], s[512];
  snprintf(path, sizeof path, "Vendor%02u\\Product%03u\\Settings%u", rnd_below(g, 32),
           rnd_below(g, 128), u);
  ORHKEY k = NULL;
  if (create(g->shard, path, &k) != 0) return -1;
  uint8_t bin[256];
  uint32_t n = 16 + rnd_below(g, 240);
  for (uint32_t i = 0; i < n; i++) bin[i] = (uint8_t)rnd(g);
  int rc = 0;
  rc |= set_bin(k, "State", REG_BINARY, bin, n);
  snprintf(s, sizeof s, "C:\\Users\\Public\\Vendor\\%u|D:\\Data\\%u|%%TEMP%%\\cache%u", u,
           rnd_below(g, 1000), rnd_below(g, 100));
  rc |= set_str(k, "SearchPaths", REG_MULTI_SZ, s);
  uint64_t q = rnd(g);
  rc |= set_bin(k, "LastRun", REG_QWORD, &q, 8);
  DWORD d = rnd_below(g, 2);
  rc |= set_bin(k, "Enabled", REG_DWORD, &d, 4);
  snprintf(s, sizeof s, "profile-%u-%llx", u, (unsigned long long)(rnd(g) & 0xFFFFFF));
  rc |= set_str(k, "Profile", REG_SZ, s);
  if (u % 5 == 0) rc |= set_bin(k, "Marker", REG_NONE, NULL, 0);
  if (u % 7 == 0) {
    DWORD be = 0x01000000u;
    rc |= set_bin(k, "NetOrder", REG_DWORD_BIG_ENDIAN, &be, 4);
  }
  if (u % 256 == 0) {
    /* Big data: 16 KiB .. 64 KiB, deterministic. */
    uint32_t len = 16384 + rnd_below(g, 65536 - 16384);
    uint64_t x = rnd(g);
    for (uint32_t i = 0; i < len; i++) g->big[i] = (uint8_t)((i * 31u) ^ (x >> (i % 56)));
    rc |= set_bin(k, "Blob", REG_BINARY, g->big, len);
  }
  uint32_t subs = rnd_below(g, 4);
  for (uint32_t i = 0; i < subs && rc == 0; i++) {
    char sn[16];
    snprintf(sn, sizeof sn, "Sub%u", i);
    ORHKEY c = NULL;
    if ((rc = create(k, sn, &c)) != 0) break;
    uint32_t nv = 1 + rnd_below(g, 3);
    for (uint32_t j = 0; j < nv && rc == 0; j++) {
      char vn[16];
      snprintf(vn, sizeof vn, "Value%u", j);
      DWORD dv = (DWORD)rnd(g);
      rc = j == 1 ? set_str(c, vn, REG_SZ, "on") : set_bin(c, vn, REG_DWORD, &dv, 4);
    }
    ORCloseKey(c);
  }
  ORCloseKey(k);
  return rc ? -1 : 0;
}

static int add_units(gen *g, uint32_t from, uint32_t to) {
  for (uint32_t u = from; u < to; u++) {
    if (u % UNITS_PER_SHARD == 0 && open_shard(g, u / UNITS_PER_SHARD) != 0) return -1;
    if (unit_clsid(g, u) || unit_uninstall(g, u) || unit_settings(g, u)) return -1;
  }
  return 0;
}

/* Saves to path (which must not exist) and returns the file size, 0 on failure. */
static uint64_t save_size(gen *g, const char *path) {
  unlink(path);
  if (ck(HRSaveHiveUtf8(g->root, path, 6, 1), "ORSaveHive") != 0) return 0;
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  return (uint64_t)st.st_size;
}

int bench_gen_hive(uint32_t size_mib, const char *path) {
  uint64_t target = (uint64_t)size_mib << 20;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
  gen g;
  memset(&g, 0, sizeof g);
  g.rng = 0x5EED0000u + BENCH_GEN_VERSION;
  g.big = malloc(65536);
  /* The default budget of a created hive is 64 MiB (hiveref.h HROpenOptions): allow the
   * in-memory model of the target size generously. */
  HROpenOptions opt;
  memset(&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.mem_budget = 16 * target + (256ull << 20);
  if (!g.big || ck(HRCreateHiveEx(&opt, &g.root), "HRCreateHiveEx") != 0) {
    free(g.big);
    return -1;
  }
  int rc = -1;
  uint32_t units = 64;
  if (add_units(&g, 0, units) != 0) goto out;
  /* Two extrapolation rounds (see the file comment). */
  static const double k_aim[] = {0.85, 0.97, 1.0};
  for (int round = 0; round < 3; round++) {
    uint64_t size = save_size(&g, tmp);
    if (size == 0) goto out;
    if (size >= target) break;
    double per_unit = (double)size / units;
    double want = k_aim[round] * (double)target;
    uint32_t more = (uint32_t)((want - (double)size) / per_unit);
    if (more == 0) break;
    if (add_units(&g, units, units + more) != 0) goto out;
    units += more;
  }
  if (save_size(&g, tmp) == 0) goto out;
  if (rename(tmp, path) != 0) {
    perror("hiveref-bench: generate: rename");
    goto out;
  }
  rc = 0;
out:
  if (rc != 0) unlink(tmp);
  close_shard(&g);
  ORCloseHive(g.root);
  free(g.big);
  return rc;
}
