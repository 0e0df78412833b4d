/*
 * layout.h: the regf on-disk layout, described once (STYLE.md item 2).
 *
 * Every offset, size, signature and limit the engine uses lives here, with the spec section it
 * comes from (../shared/spec/regf-format.md, "spec §N" below).  gen/regf.py mirrors these
 * numbers in its own table and gen/tests/test_layout.py fails if the two disagree, so keep the
 * one-definition-per-line "#define NAME value" shape: the checker parses it.
 *
 * All integers on disk are little-endian.  Offsets inside records are relative to the record
 * start (cell index + 4).  Never cast a struct over file bytes: read each field with bytes.h.
 */
#ifndef HIVEREF_LAYOUT_H
#define HIVEREF_LAYOUT_H

/* ---- Global (spec §1) ------------------------------------------------------------------ */
#define REGF_BLOCK_SIZE          0x1000u      /* HBLOCK_SIZE; base block size, bin granularity */
#define REGF_SECTOR_SIZE         0x200u       /* HSECTOR_SIZE; the kernel reads 512 header bytes */
#define REGF_CELL_NIL            0xFFFFFFFFu  /* HCELL_NIL */
#define REGF_CELL_VOLATILE_BIT   0x80000000u  /* bit 31 of a cell index: volatile storage */
#define REGF_CELL_ALIGN          8u           /* |cell size| % 8 == 0 (v1.2+) */
#define REGF_CELL_MAX            0x100000u    /* HSANE_CELL_MAX: 1 MiB max referenced cell */
#define REGF_MIN_FILE_SIZE       0x2000u      /* R-A01: base block + one bin */
#define REGF_MAX_LENGTH          0x7FFFE000u  /* R-A08: max hive bins data size */
#define REGF_MAX_FILE_SIZE       0x100000000ull /* OROpenHive doc: a hive "must be less than 4 GB" */

/* ---- Base block (spec §2.1) -------------------------------------------------------------- */
#define REGF_SIGNATURE           0x66676572u  /* "regf" */
#define REGF_OFF_SIGNATURE       0x000
#define REGF_OFF_SEQ1            0x004
#define REGF_OFF_SEQ2            0x008
#define REGF_OFF_TIMESTAMP       0x00C
#define REGF_OFF_MAJOR           0x014
#define REGF_OFF_MINOR           0x018
#define REGF_OFF_TYPE            0x01C
#define REGF_OFF_FORMAT          0x020
#define REGF_OFF_ROOT_CELL       0x024
#define REGF_OFF_LENGTH          0x028
#define REGF_OFF_CLUSTER         0x02C
#define REGF_OFF_FILENAME        0x030
#define REGF_FILENAME_SIZE       64
#define REGF_OFF_RMID            0x070
#define REGF_OFF_LOGID           0x080
#define REGF_OFF_FLAGS           0x090
#define REGF_OFF_TMID            0x094
#define REGF_OFF_GUID_SIGNATURE  0x0A4        /* "rmtm" */
#define REGF_OFF_LAST_REORG      0x0A8
#define REGF_OFF_OFRG            0x0B0        /* "OfRg" (offreg 6.2+) */
#define REGF_OFF_OFRG_FLAGS      0x0B4
#define REGF_OFF_OFRG_LEGACY     0x0A8        /* offreg 6.1 writes "OfRg" here */
#define REGF_OFF_CHECKSUM        0x1FC
#define REGF_CHECKSUM_DWORDS     127          /* XOR of dwords 0x000..0x1F8 (spec §2.2) */
#define REGF_OFF_OFRG_TIMESTAMP  0x200        /* offreg serialization FILETIME */
#define REGF_OFF_BOOT_TYPE       0xFF8
#define REGF_OFF_BOOT_RECOVER    0xFFC
#define REGF_MAJOR               1u
#define REGF_MINOR_MIN           3u           /* R-A06 */
#define REGF_MINOR_MAX           6u
#define REGF_MINOR_BIGDATA       4u           /* big data (db) from 1.4 (spec §2.4, §13.1) */
#define REGF_MINOR_LH            5u           /* lh hash leaves from 1.5 */
#define REGF_MINOR_LAYERED       6u
#define REGF_TYPE_PRIMARY        0u
#define REGF_TYPE_LOG_OLD        1u
#define REGF_TYPE_LOG_OLD_NT4    2u
#define REGF_TYPE_LOG_NEW        6u
#define REGF_FORMAT_MEMORY       1u
#define REGF_FLAG_KTM_LOCKED     0x1u
#define REGF_FLAG_LAYERED        0x2u
#define REGF_RMTM_SIGNATURE      0x6D746D72u  /* "rmtm" */
#define REGF_OFRG_SIGNATURE      0x6752664Fu  /* "OfRg" */

/* ---- Hive bin (spec §3) ------------------------------------------------------------------ */
#define HBIN_SIGNATURE           0x6E696268u  /* "hbin" */
#define HBIN_HEADER_SIZE         0x20u
#define HBIN_OFF_SIGNATURE       0x00
#define HBIN_OFF_FILE_OFFSET     0x04
#define HBIN_OFF_SIZE            0x08
#define HBIN_OFF_RESERVED        0x0C
#define HBIN_OFF_TIMESTAMP       0x14
#define HBIN_OFF_SPARE           0x1C

/* ---- Cell (spec §4) ---------------------------------------------------------------------- */
#define CELL_HEADER_SIZE         4u           /* int32 size: negative = allocated */

/* ---- Key node nk (spec §5.1) ------------------------------------------------------------- */
#define NK_SIGNATURE             0x6B6Eu      /* "nk" */
#define NK_OFF_SIGNATURE         0x00
#define NK_OFF_FLAGS             0x02
#define NK_OFF_LAST_WRITE        0x04
#define NK_OFF_ACCESS_BITS       0x0C
#define NK_OFF_LAYER             0x0D
#define NK_OFF_PARENT            0x10
#define NK_OFF_SUBKEY_COUNT      0x14
#define NK_OFF_VSUBKEY_COUNT     0x18
#define NK_OFF_SUBKEY_LIST       0x1C
#define NK_OFF_VSUBKEY_LIST      0x20
#define NK_OFF_VALUE_COUNT       0x24
#define NK_OFF_VALUE_LIST        0x28
#define NK_OFF_SECURITY          0x2C
#define NK_OFF_CLASS             0x30
#define NK_OFF_MAX_NAME_LEN      0x34
#define NK_OFF_MAX_CLASS_LEN     0x38
#define NK_OFF_MAX_VALUE_NAME    0x3C
#define NK_OFF_MAX_VALUE_DATA    0x40
#define NK_OFF_WORKVAR           0x44
#define NK_OFF_NAME_LEN          0x48
#define NK_OFF_CLASS_LEN         0x4A
#define NK_OFF_NAME              0x4C
#define NK_FIXED_SIZE            0x4Cu        /* R-D01 lower bound of usable size */
#define NK_MAX_USABLE            0x45Cu       /* R-D01 upper bound (REG_MAX_PLAUSIBLE_KEY_SIZE) */
#define NK_MAX_NAME_COMP         0x100u       /* R-D03: compressed name bytes */
#define NK_MAX_NAME_UTF16        0x200u       /* R-D04: UTF-16 name bytes */
#define NK_BADFOOD               0xBAADF00Du  /* cleaned volatile list (R-D24) */
/* nk Flags */
#define KEY_VOLATILE             0x0001u
#define KEY_HIVE_EXIT            0x0002u
#define KEY_HIVE_ENTRY           0x0004u
#define KEY_NO_DELETE            0x0008u
#define KEY_SYM_LINK             0x0010u
#define KEY_COMP_NAME            0x0020u
#define KEY_PREDEF_HANDLE        0x0040u
#define KEY_VIRTUAL_SOURCE       0x0080u
#define KEY_VIRTUAL_TARGET       0x0100u
#define KEY_VIRTUAL_STORE        0x0200u
#define KEY_USER_FLAGS_MASK      0xF000u
#define KEY_ROOT_FLAGS           0x002Cu      /* HIVE_ENTRY | NO_DELETE | COMP_NAME */
/* MaxNameLen split (Vista+): bits 0-15 length, 16-19 virt control, 20-23 user, 24-31 debug */
#define NK_MAXNAME_LEN_MASK      0x0000FFFFu
#define NK_VIRT_SHIFT            16
#define NK_VIRT_MASK             0xFu
#define NK_USER_SHIFT            20
#define NK_USER_MASK             0xFu
#define NK_DEBUG_SHIFT           24
#define NK_DEBUG_MASK            0xFFu
/* Layer byte (nk+0x0D) */
#define NK_LAYER_SEMANTICS_MASK  0x03u
#define NK_LAYER_INHERIT_CLASS   0x80u
#define NK_LAYER_NORMAL          0u
#define NK_LAYER_TOMBSTONE       1u
#define NK_LAYER_SUPERSEDE_LOCAL 2u
#define NK_LAYER_SUPERSEDE_TREE  3u

/* ---- Subkey lists (spec §5.2) ------------------------------------------------------------ */
#define LI_SIGNATURE             0x696Cu      /* "li" */
#define LF_SIGNATURE             0x666Cu      /* "lf" */
#define LH_SIGNATURE             0x686Cu      /* "lh" */
#define RI_SIGNATURE             0x6972u      /* "ri" */
#define LIST_OFF_SIGNATURE       0x00
#define LIST_OFF_COUNT           0x02
#define LIST_OFF_ELEMENTS        0x04
#define LIST_HEADER_SIZE         4u
#define LI_ELEMENT_SIZE          4u
#define LF_ELEMENT_SIZE          8u
#define LH_ELEMENT_SIZE          8u
#define RI_ELEMENT_SIZE          4u
#define LEAF_SPLIT_COUNT         1012u        /* writers: one leaf while count <= 1012 (spec §10.7) */

/* ---- Value vk (spec §5.4) ---------------------------------------------------------------- */
#define VK_SIGNATURE             0x6B76u      /* "vk" */
#define VK_OFF_SIGNATURE         0x00
#define VK_OFF_NAME_LEN          0x02
#define VK_OFF_DATA_LEN          0x04
#define VK_OFF_DATA              0x08
#define VK_OFF_TYPE              0x0C
#define VK_OFF_FLAGS             0x10
#define VK_OFF_SPARE             0x12
#define VK_OFF_NAME              0x14
#define VK_FIXED_SIZE            0x14u
#define VK_DATA_INLINE_BIT       0x80000000u  /* CM_KEY_VALUE_SPECIAL_SIZE */
#define VK_INLINE_MAX            4u           /* CM_KEY_VALUE_SMALL */
#define VK_FLAG_COMP_NAME        0x0001u
#define VK_FLAG_TOMBSTONE        0x0002u
#define VK_MAX_NAME_COMP         0x3FFFu      /* R-F08 */
#define VK_MAX_NAME_UTF16        0x7FFFu

/* ---- Big data db (spec §5.5) ------------------------------------------------------------- */
#define DB_SIGNATURE             0x6264u      /* "db" */
#define DB_OFF_SIGNATURE         0x00
#define DB_OFF_COUNT             0x02
#define DB_OFF_LIST              0x04
#define DB_FIXED_SIZE            0x08u
#define DB_SEGMENT_SIZE          16344u       /* CM_KEY_VALUE_BIG = 0x3FD8 */
#define DB_SEGMENT_CELL_SIZE     0x3FE0u      /* allocated cell size holding one segment */
#define DB_MAX_DATA              1071104040u  /* 65535 * 16344: writers refuse more (spec §9) */

/* ---- Security sk (spec §5.6) ------------------------------------------------------------- */
#define SK_SIGNATURE             0x6B73u      /* "sk" */
#define SK_OFF_SIGNATURE         0x00
#define SK_OFF_RESERVED          0x02
#define SK_OFF_FLINK             0x04
#define SK_OFF_BLINK             0x08
#define SK_OFF_REFCOUNT          0x0C
#define SK_OFF_DESC_LEN          0x10
#define SK_OFF_DESC              0x14
#define SK_FIXED_SIZE            0x14u
/* Self-relative security descriptor (MS-DTYP 2.4.6) */
#define SD_MIN_SIZE              20u
#define SD_REVISION              1u
#define SD_OFF_REVISION          0
#define SD_OFF_SBZ1              1
#define SD_OFF_CONTROL           2
#define SD_OFF_OWNER             4
#define SD_OFF_GROUP             8
#define SD_OFF_SACL              12
#define SD_OFF_DACL              16
#define SE_DACL_PRESENT          0x0004u
#define SE_SACL_PRESENT          0x0010u
#define SE_SELF_RELATIVE         0x8000u

/* ---- Limits (spec §9) -------------------------------------------------------------------- */
#define HR_MAX_DEPTH             512u         /* R-E16: keys on a root-to-leaf path, root included */
#define HR_MAX_KEY_NAME_CHARS    255u         /* write limit (MSDN); read accepts 256 */
#define HR_MAX_VALUE_NAME_CHARS  16383u
#define HR_MAX_LEVELS_PER_CALL   32u

#endif /* HIVEREF_LAYOUT_H */
