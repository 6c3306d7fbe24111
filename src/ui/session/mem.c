/* mem.c — guest memory as the guest wrote it (trap bytes undone), and
 * writes as the guest would make them.  See session.h. */
#include "ui/session/session_priv.h"

#include <inttypes.h>
#include <stdio.h>

#include "base/base.h"

uint64_t session_mem_size(const struct session *s) { return vm_mem_size(s->impl->vm); }

int session_translate(struct session *s, uint64_t linear, uint64_t *gpa)
{
    return gmem_translate(s->impl->vm, linear, 0, gpa) == 0 ? 0 : -1;
}

/* Every page of [linear, linear+len) translated (writable when asked),
 * and its bytes inside RAM: 0, or -1 at the first that is not, with the
 * address in *bad.  Checked before anything is copied: all or nothing. */
static int range_ok(struct session *s, uint64_t linear, size_t len, int writable, uint64_t *bad)
{
    uint64_t gpa, mem = vm_mem_size(s->impl->vm);
    *bad = linear;
    if (len > mem || linear + len < linear)
        return -1;              /* more than RAM holds, or wrapping */
    for (size_t done = 0, n; done < len; done += n) {
        n = base_page_chunk(linear + done, len - done);
        *bad = linear + done;
        if (gmem_translate(s->impl->vm, linear + done, writable, &gpa) != 0 || gpa >= mem || n > mem - gpa)
            return -1;
    }
    return 0;
}

int session_read_linear(struct session *s, uint64_t linear, void *buf, size_t len)
{
    uint64_t bad;
    if ((len && !buf) || range_ok(s, linear, len, 0, &bad) != 0)
        return -1;
    if (s->impl->ef)
        return enf_read_code(s->impl->ef, linear, buf, len) == 0 ? 0 : -1;
    return gmem_read_linear(s->impl->vm, linear, buf, len) == 0 ? 0 : -1;
}

int session_read_phys(struct session *s, uint64_t gpa, void *buf, size_t len)
{
    if (gmem_read_phys(s->impl->vm, gpa, buf, len) != 0)
        return -1;
    if (s->impl->ef)
        enf_trap_undo(enf_traps(s->impl->ef), gpa, buf, len);
    return 0;
}

/* The trace's `poke` event: a write as if the guest made it (--poke,
 * poke, a plugin, a debugger's store) comes before what it causes. */
static void note_poke(struct session *s, uint64_t gpa, const void *buf, size_t len)
{
    char hex[2 * 32 + 4];
    const uint8_t *b = buf;
    size_t n = 0;
    for (size_t i = 0; i < len && i < 32; i++)
        n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x", b[i]);
    if (len > 32)
        snprintf(hex + n, sizeof(hex) - n, "...");
    trace_emit(s->impl->trace, "poke", "addr=0x%" PRIx64 " len=%zu bytes=%s", gpa, len, len ? hex : "-");
}

int session_write_phys(struct session *s, uint64_t gpa, const void *buf, size_t len, char *err, size_t errlen)
{
    if (s->impl->trace)
        note_poke(s, gpa, buf, len);
    if (s->impl->ef)
        return enf_inject_write(s->impl->ef, gpa, buf, len, err, errlen);
    if (gmem_write_phys(s->impl->vm, gpa, buf, len) != 0)
        return base_err(err, errlen, "0x%llx: outside guest memory", (unsigned long long)gpa);
    return 0;
}

int session_write_linear(struct session *s, uint64_t linear, const void *buf, size_t len, int check_writable,
                         char *err, size_t errlen)
{
    const uint8_t *b = buf;
    uint64_t gpa, bad;
    /* translate every page first: all or nothing */
    if (range_ok(s, linear, len, check_writable, &bad) != 0)
        return base_err(err, errlen, "0x%llx is not mapped%s", (unsigned long long)bad,
                        check_writable ? " writable" : "");
    for (size_t done = 0, n; done < len; done += n) {
        n = base_page_chunk(linear + done, len - done);
        if (gmem_translate(s->impl->vm, linear + done, check_writable, &gpa) != 0 ||
            session_write_phys(s, gpa, b + done, n, err, errlen) != 0)
            return -1;
    }
    return 0;
}
