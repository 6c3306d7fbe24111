/* file.c — a whole file into memory (symbol files, source files, the guest
 * image's digest), opened and read as every file scout is given is
 * (base/file.h: never blocking in open, FIFOs and devices refused, a
 * bound on what is read).  See session_priv.h. */
#include "ui/session/session_priv.h"

#include <stdlib.h>

#include "base/base.h"
#include "base/file.h"

#define FILE_MAX (1ull << 30)

uint8_t *session_file_read(const char *path, unsigned flags, size_t *len, char *err, size_t errlen)
{
    struct base_file f;
    char why[256], *buf;
    *len = 0;
    if (base_file_open_read(path, flags, &f, why, sizeof why) < 0) {
        base_err(err, errlen, "%s: %s", path, why);
        return NULL;
    }
    int rc = base_file_read_all(&f, FILE_MAX, NULL, NULL, &buf, len, why, sizeof why);
    base_file_close(&f);
    if (rc < 0) {
        base_err(err, errlen, "%s: cannot read it: %s", path, why);
        return NULL;
    }
    return (uint8_t *)buf;
}
