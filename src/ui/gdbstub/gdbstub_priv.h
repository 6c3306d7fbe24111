/* gdbstub_priv.h — shared by the stub's files only (target.c for
 * gdbstub.c): the register file as gdb numbers it. */
#ifndef SCOUT_UI_GDBSTUB_PRIV_H
#define SCOUT_UI_GDBSTUB_PRIV_H
#include "ui/gdbstub/gdbstub.h"

/* A register file: "x86-64" or "i386" (NULL if neither). */
struct gdbstub_target;
const struct gdbstub_target *gdbstub_target_find(const char *name);
size_t gdbstub_reg_count(const struct gdbstub_target *t);
unsigned gdbstub_reg_bytes(const struct gdbstub_target *t, size_t i);     /* 0: no such register */
/* Little-endian bytes (gdbstub_reg_bytes of them): 0, or -1. */
int  gdbstub_reg_get(const struct gdbstub_target *t, struct session *s, size_t i, uint8_t *out);
/* 0, or -1 with err (not served, not writable, the vCPU refused). */
int  gdbstub_reg_set(const struct gdbstub_target *t, struct session *s, size_t i, const uint8_t *in,
                     char *err, size_t errlen);
const char *gdbstub_target_xml(const struct gdbstub_target *t, size_t *len);

#endif
