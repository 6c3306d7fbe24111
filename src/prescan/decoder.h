/* decoder.h — a Zydis decoder for 16-, 32- or 64-bit code: the one place
 * that maps a code size to Zydis's machine mode and stack width.  The
 * prescan engine (minimal mode, for speed) and the monitor's x86 module
 * (full decode, for emulation and disassembly) both build theirs here. */
#ifndef SCOUT_PRESCAN_DECODER_H
#define SCOUT_PRESCAN_DECODER_H
#include <Zydis/Zydis.h>

/* code_size: 16, 32 or 64 (anything else: 16).  amd_branches: near
 * branches decode as an AMD CPU runs them.  minimal: no operand details.
 * 0, or -1 if Zydis refuses. */
int prescan_decoder_init(ZydisDecoder *d, int code_size, int amd_branches, int minimal);

#endif
