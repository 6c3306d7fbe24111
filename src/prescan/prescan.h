/* prescan.h — the prescan engine: scan-before-execute bookkeeping for x86
 * guest code (the attribute pages and the scans the README describes).
 * Pure C, no KVM.  Guest bytes
 * arrive through a read callback; all state lives in attribute pages keyed
 * by (guest-physical page, decode mode).
 *
 * ATTRIBUTE BYTE (one per byte offset of a guest page, per decode mode;
 * byte i describes the instruction that STARTS at offset i):
 *   bit 7     PRESCAN_ATTR_SCANNED     1 = scanned (all other bits meaningless when 0)
 *   bit 6     PRESCAN_ATTR_VIRTUALIZE  1 = virtualize, 0 = execute native
 *   bits 5-4  PRESCAN_ATTR_KIND_MASK   engine-defined "kind":
 *               0 (PRESCAN_KIND_PLAIN)   the virtualize bit follows from the
 *                                        instruction's own bytes (policy table)
 *               1 (PRESCAN_KIND_BRANCH)  static in-page branch (jmp/jcc/call/
 *                                        loop/jrcxz rel); while virtualize it is
 *                                        waiting for its target to be scanned and
 *                                        may be flipped to native
 *               2 (PRESCAN_KIND_OVERLAP) virtualize forced because another
 *                                        virtualize instruction starts inside its
 *                                        body, or it covers one; never flips back
 *               3 (PRESCAN_KIND_POLICY)  virtualize forced by the classifier hook
 *   bits 3-0  PRESCAN_ATTR_LEN_MASK    instruction length 1..15.  For an
 *             instruction that crosses the page end: the number of its bytes
 *             inside this page.  For undecodable bytes: 1.
 *
 * SCAN SEMANTICS (explicit heap worklist of paths (gpa, depth); no C
 * recursion, so any max_depth works without using stack):
 *   - A scan starts with one path at the entry gpa, depth 0.  Each step pops
 *     one path (LIFO), and handles the one instruction at its address.
 *   - Straight-line fall-through continues at the SAME depth: after an
 *     ordinary instruction, after a sensitive instruction or HLT ("scanned
 *     through" — except HLT, which ends the path: execution only resumes
 *     after HLT on an interrupt, and the monitor scans RIP at every exit
 *     anyway), after a Jcc/LOOPcc/JrCXZ/XBEGIN (whatever its target is),
 *     and after an in-page CALL rel (its return address).
 *   - The in-page target of a static branch (JMP/CALL/Jcc/LOOP/JrCXZ rel)
 *     that is not yet scanned is pushed at depth+1, only if depth+1 <=
 *     max_depth.  With max_depth 0 the scan is lazy: no target is followed.
 *   - Path ends (enum prescan_path_end): the path's address is already
 *     scanned; out-of-page JMP/CALL; computed branch (RET near/far, IRET,
 *     JMP/CALL through register or memory); far JMP/CALL; unconditional JMP
 *     whose target is already scanned, or pushed (followed), or not followed
 *     because of the depth limit; instruction crossing the page end;
 *     undecodable bytes; an instruction ending exactly at the page end;
 *     UD0/UD1/UD2 (they always raise #UD: what follows is often data).
 *   - A static in-page branch is NATIVE exactly when its in-page target is
 *     scanned.  If the target is not scanned when the branch is classified it
 *     is marked virtualize (reason branch-unscanned) and remembered in a
 *     per-scan pending list (whether its target was pushed or not); when the
 *     worklist empties (end of scan) every pending branch whose target is now
 *     scanned, by whatever path, is flipped to native (event
 *     PRESCAN_EV_BRANCH_FLIP).  For a Jcc
 *     only the taken target matters (the fall-through is scanned anyway; if
 *     the fall-through crosses the page end, that instruction is marked
 *     crosses-page, the Jcc can still be native).
 *   - A branch whose target is out of the page is virtualize (out-of-page),
 *     and so is an instruction that ends exactly at the page end and falls
 *     through (a Jcc or an ordinary instruction): its fall-through leaves
 *     the page, and the monitor must guard the next page first.
 *     A relative branch with a 16-bit operand size in 32/64-bit mode
 *     truncates IP to 16 bits, so its target cannot be known from the gpa:
 *     it is treated as computed.  16-bit code: see DECODE MODES (windows).
 *   - Targets are computed from the raw immediate of the minimal-mode decode
 *     (offset + length + raw.imm[0]); no full operand decode is needed for
 *     scanning (full decode is cheaper to avoid).  Common opcodes are
 *     decoded by a table-driven fast path instead of Zydis, with the same
 *     result (the unit test test_prescan_fast checks it offset by offset).
 *
 * OVERLAP: the monitor plants a 1-byte trap at the first byte of every
 * virtualize instruction, and traps of its own (breakpoints, handler
 * entries, single-step guards) at "pinned" offsets.  Invariant kept by the
 * engine: no native scanned instruction, in ANY decode mode of the page,
 * has a virtualize instruction of any mode, or a pinned offset, starting
 * strictly inside its body (the CPU decoding that instruction would read a
 * trap byte and run something else).  When an instruction becomes
 * virtualize, or an offset is pinned, every scanned instruction of every
 * mode covering that byte (starting up to 14 bytes before) becomes
 * virtualize with reason overlap (cascading); a newly scanned instruction
 * that covers an existing virtualize start or pin becomes virtualize
 * (overlap).  Overlap-forced instructions never flip back to native.
 *
 * DECODE MODES: a page may hold attribute pages for several modes at once
 * (code reached as 32-bit and as 64-bit, say); the overlap invariant spans
 * them.  A mode is the code size (16, 32, 64) and, for 16-bit code whose
 * CS base is not 4 KiB aligned, the WINDOW [lo, hi) of page offsets that IP
 * reaches without wrapping at 64 KiB (prescan_mode_window): a target or a
 * fall-through outside the window is out of the page, an instruction that
 * crosses hi crosses the page.  Near branches decode as the host CPU runs
 * them (prescan_config.amd_branches: a 66-prefixed near branch in 64-bit
 * mode is rel16 with IP truncated, and so computed).
 *
 * WRITES: prescan_write_check() looks at every mode's attribute page of the
 * written page(s), including instructions starting up to 14 bytes before the
 * written range.  On a hit it returns 1 and changes nothing: the caller
 * calls prescan_invalidate_page().  On a miss it counts the data write
 * itself and emits PRESCAN_EV_DATA_WRITE (it calls prescan_note_data_write);
 * do not call prescan_note_data_write again for the same write.
 *
 * Invalidating the page of a scan in progress abandons that scan.
 * All functions return errors; none prints or aborts.  Not thread-safe: one
 * struct prescan per thread.
 */
#ifndef SCOUT_PRESCAN_H
#define SCOUT_PRESCAN_H
#include <stddef.h>
#include <stdint.h>

enum prescan_mode { PRESCAN_MODE_16 = 16, PRESCAN_MODE_32 = 32, PRESCAN_MODE_64 = 64 };
/* 16-bit code whose IP window in the page is [lo, hi) (multiples of 16,
 * lo < hi <= 4096); the full window is PRESCAN_MODE_16 itself. */
enum prescan_mode prescan_mode_window(unsigned lo, unsigned hi);
static inline unsigned prescan_mode_bits(enum prescan_mode m) { return (unsigned)m & 0xffu; }
static inline unsigned prescan_mode_lo(enum prescan_mode m) { return (((unsigned)m >> 8) & 0x1ffu) * 16u; }
static inline unsigned prescan_mode_hi(enum prescan_mode m)
{
    unsigned h = (((unsigned)m >> 17) & 0x1ffu) * 16u;
    return h ? h : 4096u;
}
int prescan_mode_valid(enum prescan_mode m);

#define PRESCAN_PAGE_SIZE 4096u
#define PRESCAN_MAX_INSN_LEN 15u
#define PRESCAN_ATTR_SCANNED 0x80u
#define PRESCAN_ATTR_VIRTUALIZE 0x40u
#define PRESCAN_ATTR_KIND_MASK 0x30u
#define PRESCAN_ATTR_KIND_SHIFT 4
#define PRESCAN_ATTR_LEN_MASK 0x0fu
enum prescan_kind { PRESCAN_KIND_PLAIN = 0, PRESCAN_KIND_BRANCH = 1,
                    PRESCAN_KIND_OVERLAP = 2, PRESCAN_KIND_POLICY = 3 };

enum prescan_reason {
    PRESCAN_REASON_NONE,              /* "none": native */
    PRESCAN_REASON_BRANCH_UNSCANNED,  /* "branch-unscanned" */
    PRESCAN_REASON_BRANCH_OUT_OF_PAGE,/* "out-of-page" */
    PRESCAN_REASON_COMPUTED_BRANCH,   /* "computed" */
    PRESCAN_REASON_FAR_BRANCH,        /* "far" */
    PRESCAN_REASON_SENSITIVE,         /* "sensitive" */
    PRESCAN_REASON_CROSSES_PAGE,      /* "crosses-page" */
    PRESCAN_REASON_UNDECODABLE,       /* "undecodable" */
    PRESCAN_REASON_OVERLAP,           /* "overlap" */
    PRESCAN_REASON_POLICY,            /* "policy": plugin/classifier override */
    PRESCAN_REASON_DEPRIVILEGE,       /* "deprivilege": CPL-dependent, the guest runs deprivileged */
    PRESCAN_REASON_COUNT
};
const char *prescan_reason_name(enum prescan_reason r);

/* How the path went on after one step. */
enum prescan_path_end {
    PRESCAN_END_CONTINUE,          /* "continue": fall-through pushed, same depth */
    PRESCAN_END_ALREADY_SCANNED,   /* "already-scanned": nothing decoded */
    PRESCAN_END_OUT_OF_PAGE,       /* "out-of-page": JMP/CALL rel out of the page */
    PRESCAN_END_COMPUTED,          /* "computed": RET/IRET/indirect JMP/CALL */
    PRESCAN_END_FAR,               /* "far": far JMP/CALL */
    PRESCAN_END_JMP_FOLLOWED,      /* "jmp-followed": JMP target pushed at depth+1 */
    PRESCAN_END_JMP_TARGET_SCANNED,/* "jmp-target-scanned": JMP target already scanned */
    PRESCAN_END_DEPTH_LIMIT,       /* "depth-limit": JMP target not followed */
    PRESCAN_END_CROSSES_PAGE,      /* "crosses-page" */
    PRESCAN_END_UNDECODABLE,       /* "undecodable" */
    PRESCAN_END_PAGE_END,          /* "page-end": instruction ends exactly at the page end */
    PRESCAN_END_HALT,              /* "halt": HLT (scout has no interrupts to resume after it) */
    PRESCAN_END_FAULTS,            /* "faults": UD0/UD1/UD2: nothing falls through them */
    PRESCAN_END_COUNT
};
const char *prescan_path_end_name(enum prescan_path_end e);

/* Fills page[0..4095] with the bytes of guest-physical page page_gpa (as the
   guest wrote them — the monitor undoes its own trap bytes). Returns 0, or -1
   if unreadable. */
typedef int (*prescan_read_fn)(void *ctx, uint64_t page_gpa, uint8_t *page);
/* Optional zero-copy alternative to read: returns a pointer to the
   4096 bytes of page_gpa as the guest wrote them, valid until the engine
   call returns, or NULL if unreadable.  When set, scans use it instead of
   read (saves a 4 KiB copy per scan); read is still required. */
typedef const uint8_t *(*prescan_map_fn)(void *ctx, uint64_t page_gpa);

/* Instruction classes of the policy table (one entry per ZydisMnemonic). */
enum prescan_class {
    PRESCAN_CLASS_NATIVE = 0,
    PRESCAN_CLASS_SENSITIVE,     /* always virtualize (reason sensitive) */
    PRESCAN_CLASS_SEG,           /* PUSH/POP/MOV: sensitive only for segment
                                    registers (and MOV CRn/DRn); by opcode bytes */
    PRESCAN_CLASS_JMP,           /* rel: static; FF/4: computed; EA, FF/5: far */
    PRESCAN_CLASS_CALL,          /* rel: static; FF/2: computed; 9A, FF/3: far */
    PRESCAN_CLASS_JCC,           /* conditional rel branch: Jcc, LOOPcc, JrCXZ, XBEGIN */
    PRESCAN_CLASS_RET,           /* RET (near or far), IRET*: computed */
    PRESCAN_CLASS_COUNT
};

/* Per classified instruction, for the classifier hook and events. */
struct prescan_insn {
    uint64_t gpa;
    enum prescan_mode mode;
    unsigned length;
    unsigned mnemonic;            /* ZydisMnemonic value */
    const char *mnemonic_name;    /* static string, "invalid" if undecodable */
    const uint8_t *bytes;         /* the instruction's bytes (length of them) */
    const void *zydis;            /* const ZydisDecodedInstruction * (minimal
                                     decode), NULL if undecodable */
    int virtualize;               /* engine's decision */
    enum prescan_reason reason;   /* engine's reason */
};

/* Classifier hook: called once per classified instruction.  Return -1 to
   keep the engine's decision, 0 to force native, 1 to force virtualize
   (reason policy).  Overlap handling is applied after the hook. */
typedef int (*prescan_classify_fn)(void *ctx, const struct prescan_insn *insn);

enum prescan_event_type {
    PRESCAN_EV_STEP,          /* step: every scan step */
    PRESCAN_EV_CLASSIFY,      /* insn: every classified instruction */
    PRESCAN_EV_BRANCH_FLIP,   /* gpa/mode: virtualize branch flipped to native */
    PRESCAN_EV_OVERLAP,       /* gpa/mode/length: instruction forced virtualize by overlap */
    PRESCAN_EV_PAGE_ALLOC,    /* gpa = page, mode */
    PRESCAN_EV_PAGE_FREE,     /* gpa = page, mode, count = scanned attrs dropped */
    PRESCAN_EV_DATA_WRITE,    /* gpa, count = length */
    PRESCAN_EV_COUNT
};
struct prescan_step;
struct prescan_event {
    enum prescan_event_type type;
    uint64_t gpa;
    enum prescan_mode mode;
    unsigned length;
    size_t count;
    const struct prescan_insn *insn;   /* PRESCAN_EV_CLASSIFY */
    const struct prescan_step *step;   /* PRESCAN_EV_STEP */
};
/* Listener: a NULL fn costs one test per event site. */
typedef void (*prescan_listen_fn)(void *ctx, const struct prescan_event *ev);

struct prescan_config {
    prescan_read_fn read;
    void *read_ctx;               /* also passed to map */
    prescan_map_fn map;           /* optional, see above */
    unsigned max_depth;           /* 0 = lazy */
    int amd_branches;             /* the host CPU takes 66-prefixed near branches in 64-bit mode as rel16 */
    prescan_classify_fn classify; /* optional */
    void *classify_ctx;
    prescan_listen_fn listen;     /* optional */
    void *listen_ctx;
};

struct prescan;
struct prescan *prescan_new(const struct prescan_config *cfg);  /* NULL on ENOMEM or no read fn */
void prescan_free(struct prescan *ps);
void prescan_set_depth(struct prescan *ps, unsigned max_depth);
void prescan_set_listener(struct prescan *ps, prescan_listen_fn fn, void *ctx);
void prescan_set_classifier(struct prescan *ps, prescan_classify_fn fn, void *ctx);

/* Policy table: one class per ZydisMnemonic; a copy per engine.  Returns 0,
   or -1 if mnemonic/class is out of range. */
int prescan_set_class(struct prescan *ps, unsigned mnemonic, enum prescan_class cls);
enum prescan_class prescan_get_class(const struct prescan *ps, unsigned mnemonic);

/* Whole scan from gpa (its page offset is gpa & 4095). 0, or -1 (unreadable
   page, out of memory, bad mode).  Abandons a steppable scan in progress. */
int  prescan_scan(struct prescan *ps, uint64_t gpa, enum prescan_mode mode);

struct prescan_work { uint64_t gpa; unsigned depth; };
struct prescan_step {
    uint64_t gpa;
    enum prescan_mode mode;
    unsigned depth;
    int decoded;                  /* 0 for already-scanned (nothing decoded) */
    unsigned length;              /* bits 3-0 of attr */
    uint8_t attr;                 /* attribute byte after the step */
    int virtualize;
    enum prescan_reason reason;
    unsigned mnemonic;            /* ZydisMnemonic, 0 (NONE) if not decoded */
    const char *mnemonic_name;
    enum prescan_path_end end;
    int has_target;               /* static in-page/out-of-page branch target known */
    uint64_t target;              /* its gpa */
    unsigned npushed;             /* paths pushed by this step (0..2) */
    struct prescan_work pushed[2];/* [target at depth+1], [fall-through at depth] */
    size_t worklist_len;          /* after the step */
};
/* Begin a steppable scan (abandons any scan in progress). 0 or -1. */
int  prescan_start(struct prescan *ps, uint64_t gpa, enum prescan_mode mode);
/* 1 stepped (out filled, out may be NULL), 0 scan finished (pending branches
   resolved, nothing in progress), -1 error (allocation). */
int  prescan_step(struct prescan *ps, struct prescan_step *out);
/* Pending paths of the scan in progress, bottom first (the next one popped is
   the last).  The pointer is valid until the next call that changes the scan. */
size_t prescan_worklist(const struct prescan *ps, const struct prescan_work **items);

uint8_t prescan_attr(const struct prescan *ps, uint64_t gpa, enum prescan_mode mode); /* 0 when no page */
const uint8_t *prescan_attr_page(const struct prescan *ps, uint64_t page_gpa, enum prescan_mode mode); /* NULL if none */
/* How many decode modes hold an attribute page for page_gpa's page. */
size_t prescan_pages_at(const struct prescan *ps, uint64_t page_gpa);
/* out[i] = 1 where some mode has a virtualize instruction starting at
 * offset i of page_gpa's page (where the monitor's traps go), else 0. */
void prescan_virtualize_starts(const struct prescan *ps, uint64_t page_gpa, uint8_t out[PRESCAN_PAGE_SIZE]);
/* Re-decodes the scanned instruction at gpa (reading the page) and says why
   it is virtualize (NONE if native / unscanned / unreadable). */
enum prescan_reason prescan_reason_at(struct prescan *ps, uint64_t gpa, enum prescan_mode mode);
/* The same from the instruction's bytes (as the guest wrote them, from gpa
   on, n of them: at least 15 or up to the page end), without reading the
   page: the trap handler has them already. */
enum prescan_reason prescan_reason_of(struct prescan *ps, uint64_t gpa, enum prescan_mode mode,
                                      const uint8_t *bytes, size_t n);
/* The lazy path: a virtualize in-page branch at gpa trapped.  Scan its
   in-page target (the target path starts at depth 0, with the current max
   depth) and flip it to native once it is scanned.  Returns 1 if the branch
   is native now (flipped, or already native), 0 still virtualize (not a
   flippable branch: out-of-page, computed, overlap, ...), -1 error (not
   scanned, unreadable page, allocation).  Abandons a scan in progress. */
int  prescan_resolve_branch(struct prescan *ps, uint64_t gpa, enum prescan_mode mode);

/* CROSS-PAGE LINKS (the monitor decides when a link is safe; the engine
 * only keeps the attribute byte right).  A linked branch is a static
 * out-of-page JMP/CALL/Jcc made native (kind BRANCH, like a flipped in-page
 * branch); unlinking makes it virtualize (out-of-page) again, with the
 * overlap cascade.
 * prescan_branch_target: 1 if the scanned instruction at gpa is a static
 * out-of-page branch (virtualize, or linked; not a Jcc that ends at the
 * page end: it falls through out of the page too), *target_off its target
 * relative to the page start (may be negative or >= 4096); 0 not; -1
 * unreadable page.
 * prescan_link_branch: 1 linked (or linked already), 0 not linkable (not
 * such a branch, overlap-forced, a virtualize start or pin inside it), -1
 * unreadable.  Emits PRESCAN_EV_BRANCH_FLIP.
 * prescan_unlink_branch: 1 made virtualize again, 0 it was not a linked
 * branch (overlap-forced since, or dropped), -1 allocation. */
int  prescan_branch_target(struct prescan *ps, uint64_t gpa, enum prescan_mode mode, int64_t *target_off);
int  prescan_link_branch(struct prescan *ps, uint64_t gpa, enum prescan_mode mode);
int  prescan_unlink_branch(struct prescan *ps, uint64_t gpa, enum prescan_mode mode);

/* Pins gpa: a trap of the monitor's own lives there (breakpoint, handler
 * entry, single-step guard).  Every scanned instruction covering it, in any
 * mode, becomes virtualize (overlap, with the cascade), and so will any
 * instruction scanned later over it.  Pins survive invalidation.  0, or -1
 * (allocation). */
int  prescan_pin(struct prescan *ps, uint64_t gpa);
void prescan_unpin(struct prescan *ps, uint64_t gpa);
int  prescan_is_pinned(const struct prescan *ps, uint64_t gpa);
/* 1 if some scanned native instruction of some mode has gpa strictly
 * inside its body (a trap byte there would change it). */
int  prescan_inside_native(const struct prescan *ps, uint64_t gpa);
/* 1 if the byte belongs to a scanned instruction of any mode. */
int  prescan_covered(const struct prescan *ps, uint64_t gpa);

struct prescan_write_hit { int hit; uint64_t insn_gpa; unsigned insn_len; enum prescan_mode mode; };
/* 1 hit (first hit instruction, lowest address, in hit), 0 miss (counted as
   a data write).  len 0: 0, nothing counted.  hit may be NULL. */
int  prescan_write_check(struct prescan *ps, uint64_t gpa, size_t len, struct prescan_write_hit *hit);
/* Precise invalidation: a write of len bytes at gpa (inside one page) with
 * these new bytes.  1 if every scanned instruction of every mode it
 * touches decodes, with the new bytes, to the same length, mnemonic,
 * virtualize reason and static target (an immediate rewritten in place):
 * the attributes stay right and the caller keeps the page.  0 otherwise,
 * and whenever in doubt (an instruction that crosses the page end, a
 * classifier hook whose verdict differs -- it is asked about both --, a
 * range leaving the page, a steppable scan in progress in the page (it
 * decodes a copy of the old bytes), unreadable page):
 * the caller invalidates the page.  Changes nothing; counts nothing. */
int  prescan_write_keeps(struct prescan *ps, uint64_t gpa, const uint8_t *data, size_t len);
/* Frees every mode's attribute page of page_gpa's page; returns the number
   of scanned attribute bytes dropped. Counts one invalidation when a page existed. */
size_t prescan_invalidate_page(struct prescan *ps, uint64_t page_gpa);
/* Counts a data write and emits PRESCAN_EV_DATA_WRITE (write_check does it on miss). */
void prescan_note_data_write(struct prescan *ps, uint64_t gpa, size_t len);

struct prescan_page_info { uint64_t page_gpa; enum prescan_mode mode; unsigned scanned; unsigned virtualize; };
/* Fills up to max entries (unordered); returns the number of live pages. */
size_t prescan_pages(const struct prescan *ps, struct prescan_page_info *out, size_t max);

struct prescan_stats {
    uint64_t scans;                 /* prescan_scan/start/resolve scans begun */
    uint64_t steps;
    uint64_t insns_scanned;         /* instructions decoded and marked */
    uint64_t bytes_decoded;         /* sum of their lengths */
    uint64_t pages_live, pages_allocated, pages_freed;
    uint64_t page_memory;           /* bytes held by live pages + hash table */
    uint64_t virtualize[PRESCAN_REASON_COUNT]; /* virtualize marks by reason ([0] unused) */
    uint64_t branch_flips;
    uint64_t links, unlinks;        /* out-of-page branches linked native / made virtualize again */
    uint64_t invalidations;         /* invalidate calls that freed a page */
    uint64_t write_checks, write_hits;
    uint64_t data_writes, data_write_bytes;
    uint64_t read_errors;
    unsigned max_depth_reached;
    size_t worklist_high_water;
};
void prescan_get_stats(const struct prescan *ps, struct prescan_stats *out);

/* ── the deprivileging policy (depriv.c) ──────────────────────────────
 * Guest code that believes it runs at CPL 0 runs at CPL 3: every
 * instruction whose behaviour depends on the CPL is virtualize with reason
 * deprivilege (whatever its class; a classifier cannot make it native).
 * Set before the first scan.  prescan_depriv_insn: 1 if the decoded
 * instruction (a const ZydisDecodedInstruction *, minimal decode is
 * enough) is one of them. */
void prescan_set_deprivilege(struct prescan *ps, int on);
int  prescan_deprivilege(const struct prescan *ps);
int  prescan_depriv_insn(const void *zydis);

/* ── decoders ─────────────────────────────────────────────────────────
 * A Zydis decoder for 16-, 32- or 64-bit code (decoder.c): the one place
 * that maps a code size to Zydis's machine mode and stack width.  The
 * engine (minimal mode, for speed) and the monitor's x86 module (full
 * decode, for emulation and disassembly) both build theirs here.
 * code_size: 16, 32 or 64 (anything else: 16).  amd_branches: near
 * branches decode as an AMD CPU runs them.  minimal: no operand details.
 * 0, or -1 if Zydis refuses.  (d is a ZydisDecoder; this header does not
 * include Zydis.) */
struct ZydisDecoder_;
int prescan_decoder_init(struct ZydisDecoder_ *d, int code_size, int amd_branches, int minimal);

#endif
