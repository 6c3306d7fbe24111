/* commands.h — scout's debugger commands on a session, with gdb's
 * spelling and semantics where they apply: execution (run, continue,
 * stepi, nexti, finish, until, advance, kill, interrupt), breakpoints and
 * watchpoints (break, tbreak, watch, delete, enable, disable, condition,
 * ignore, commands), values (print, display, set $reg = ..., info symbol,
 * list), state (info registers, x, xp, disas, info host/pages/trace), the
 * descriptor and page tables (info gdt/idt/ldt/tss/tab/mem/tlb), prescan
 * (prescan, pstart, pstep, map, attr, poke, rescan, forget, stats, set
 * depth/scan) and trace on/off.  They are registered into a command
 * context (command.h), shared by scripts, -ex and the TUI.  Output is
 * plain, stable text for diffing: no host pointers, no timing.
 *
 *     struct commands *c = commands_new(ctx, session);   // registers all
 *     ... cmd_execute_line(ctx, "break 0x401000", false) ...
 *     commands_free(c);    // after the last command, before cmd_ctx_free
 *
 * The context's user pointer (cmd_user) is the struct commands; its
 * register reader (cmd_set_regs) reads the session's vCPU. */
#ifndef SCOUT_UI_COMMANDS_H
#define SCOUT_UI_COMMANDS_H
#include <stdint.h>

struct cmd_ctx;
struct session;
struct commands;

/* NULL (error printed through ctx) if registration failed or no memory. */
struct commands *commands_new(struct cmd_ctx *ctx, struct session *s);
void commands_free(struct commands *c);
/* Extra lines at the end of `stats` (e.g. plugin counters). */
void commands_set_stats_hook(struct commands *c, void (*hook)(void *arg, struct cmd_ctx *ctx), void *arg);
/* Told where `map ADDR` looked (follow_rip 0, the linear address), or that
 * the map follows RIP again (follow_rip 1): the TUI moves its map pane. */
void commands_set_focus_hook(struct commands *c, void (*hook)(void *arg, int follow_rip, uint64_t linear),
                             void *arg);

/* Maximum counts, checked with a clear error. */
#define COMMANDS_MAX_X_COUNT     4096u    /* x/N, xp/N */
#define COMMANDS_MAX_DISAS       4096u    /* disas ADDR N */
#define COMMANDS_MAX_STEPS       1000000u /* stepi N, pstep N, continue N */
#define COMMANDS_MAX_BREAKPOINTS 256u
#define COMMANDS_MAX_POKE        64u      /* bytes */
#define COMMANDS_MAX_LIST        1000u    /* list N lines */
#endif
