/* base.h — the few helpers every layer shares (the layer below prescan):
 * page arithmetic with the kernel's meaning of PAGE_MASK, a growable
 * array, and the one way errors are reported: a message written into the
 * caller's (err, errlen) buffer, one line, "what: why", never printed here. */
#ifndef SCOUT_BASE_H
#define SCOUT_BASE_H
#include <stddef.h>
#include <stdint.h>

/* ── pages ─────────────────────────────────────────────────────────── */
#define BASE_PAGE_SIZE 4096u
#define BASE_PAGE_MASK (~(uint64_t)(BASE_PAGE_SIZE - 1))     /* the page bits, as in the kernel */
static inline uint64_t base_page_of(uint64_t a) { return a & BASE_PAGE_MASK; }
static inline unsigned base_page_off(uint64_t a) { return (unsigned)(a & (BASE_PAGE_SIZE - 1)); }
/* Bytes from a to the end of its page, at most len. */
static inline size_t base_page_chunk(uint64_t a, size_t len)
{
    size_t n = BASE_PAGE_SIZE - base_page_off(a);
    return n < len ? n : len;
}

/* ── a growable array ──────────────────────────────────────────────── *
 *   VEC(uint64_t) pages = { 0 };
 *   if (VEC_PUSH(&pages, gpa) != 0) ... out of memory ...
 *   for (size_t i = 0; i < pages.n; i++) use(pages.v[i]);
 *   VEC_FREE(&pages);                                                  */
#define VEC(T) struct { T *v; size_t n, cap; }
/* Makes room for `need` elements of `elem` bytes; 0, or -1 (ENOMEM,
 * overflow) with the array unchanged. */
int base_vec_reserve(void **v, size_t *cap, size_t need, size_t elem);
#define VEC_RESERVE(a, need) base_vec_reserve((void **)&(a)->v, &(a)->cap, (need), sizeof(*(a)->v))
#define VEC_PUSH(a, x) (VEC_RESERVE((a), (a)->n + 1) != 0 ? -1 : ((a)->v[(a)->n++] = (x), 0))
#define VEC_FREE(a) (free((a)->v), (a)->v = NULL, (a)->n = (a)->cap = 0)

/* ── errors ────────────────────────────────────────────────────────── */
/* printf into err (if err and errlen); returns -1 so callers can
 * `return base_err(err, errlen, "...")`. */
int base_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
