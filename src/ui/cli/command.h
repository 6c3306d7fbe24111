/* command.h — scout's command language: one command table shared by
 * scripts (`scout -x FILE`), `-ex CMD` and the TUI.
 *
 * A context (struct cmd_ctx) owns a command tree, a variable registry, an
 * output sink and the session flags (quit, error count).  Modules add
 * their commands and variables to a context with cmd_register() and
 * cmd_var_register(); the tables they pass must outlive the context
 * (static const tables are the intended use).
 *
 * Command names
 *   A name is one or more words: "continue", "info registers".  Registering
 *   "info registers" creates the prefix "info" if nobody registered it (a
 *   prefix without a handler lists its subcommands when run alone).  Each
 *   word is looked up at its level: an exact name or alias wins, otherwise
 *   a unique prefix is accepted (`i r` = `info registers`), otherwise the
 *   error names the candidates:
 *       ambiguous command "s": set, show, si, stats, stepi
 *       unknown command "foo"; try "help"
 *       unknown command "info foo"; try "help info"
 *   Aliases (`.aliases = "c,cont"`, each a full path such as "regs" or
 *   "info reg") are entries of their own level: they match exactly and
 *   take part in prefix matching; several matches that all resolve to the
 *   same command are not ambiguous.
 *
 * Command lines
 *   Leading/trailing blanks are ignored (a trailing blank escaped with a
 *   backslash is kept); a line whose first non-blank is '#' is a comment.
 *   A '/' right after the last command word starts a suffix that belongs
 *   to the command (`x/4xw 0x1000`); only commands with CMD_F_SUFFIX take
 *   one.  The rest of the line is split into argv words on blanks; double
 *   quotes group a word ("a b", with \" and \\ inside), single quotes
 *   group literally.  The unsplit rest is also available (cmd_args_raw).
 *
 * Handlers
 *   int run(struct cmd_ctx *ctx, int argc, char **argv)
 *   argv[0] is the full canonical name ("info registers"), argv[1..argc-1]
 *   the words; argv[argc] is NULL.  Return 0 on success.  On failure call
 *   cmd_error() (which returns -1) and return non-zero:
 *       return cmd_error(ctx, "cannot read 0x%" PRIx64 ": outside guest memory", a);
 *   prints "x: cannot read 0xdeadbeef: outside guest memory"; inside a
 *   script the runner's location comes first: "boot.scout:3: x: ...".
 *   A handler that fails without calling cmd_error gets a generic
 *   "NAME: command failed" line.  Print normal output with cmd_printf().
 */
#ifndef SCOUT_UI_COMMAND_H
#define SCOUT_UI_COMMAND_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmd_ctx;

/* ---- command definitions ---------------------------------------------- */

enum cmd_class {               /* groups in the `help` listing */
    CMD_CLASS_EXECUTION,       /* continue, stepi, break, ... */
    CMD_CLASS_STATE,           /* info registers, x, ... */
    CMD_CLASS_PRESCAN,         /* scan, info pages, stats, ... */
    CMD_CLASS_SESSION,         /* set, show, echo, source, help, quit, ... */
    CMD_CLASS_COUNT
};

enum cmd_complete_kind {       /* what the arguments are, for completion */
    CMD_COMPLETE_NONE,
    CMD_COMPLETE_COMMAND,      /* command names (help) */
    CMD_COMPLETE_REGISTER,     /* register names (no '$') */
    CMD_COMPLETE_VARIABLE,     /* variable names (show) */
    CMD_COMPLETE_FILE,         /* file names */
    CMD_COMPLETE_ADDRESS,      /* expressions: "$reg" names */
    CMD_COMPLETE_SETTING,      /* a variable name, then its value (set) */
};

enum {
    CMD_F_SUFFIX    = 1u << 0, /* accepts a /FMT suffix (cmd_suffix) */
    CMD_F_NO_REPEAT = 1u << 1, /* an empty interactive line does not repeat it */
    CMD_F_RAW       = 1u << 2, /* argv is not split (argc == 1): the handler
                                  parses cmd_args_raw() itself (echo, set) */
};

typedef int (*cmd_run_fn)(struct cmd_ctx *ctx, int argc, char **argv);

struct cmd_def {
    const char *name;          /* "continue", "info registers" */
    const char *aliases;       /* comma separated full paths or NULL: "c,cont" */
    const char *syntax;        /* arguments for help: "[N]", "/NFU ADDRESS" */
    const char *help;          /* one line, no final period needed */
    const char *long_help;     /* more lines or NULL */
    enum cmd_class cls;
    enum cmd_complete_kind complete;
    unsigned flags;            /* CMD_F_* */
    cmd_run_fn run;            /* NULL: a prefix command (lists subcommands) */
    void *data;                /* for the handler: cmd_data(ctx) */
};

/* ---- context ------------------------------------------------------------ */

/* A new context with the built-in session commands (set, show, echo,
 * source, help, quit) and variables (on-error) registered.  NULL only when
 * out of memory. */
struct cmd_ctx *cmd_ctx_new(void);
void cmd_ctx_free(struct cmd_ctx *ctx);

/* Opaque pointer for the front end (the debugger commands' state ...). */
void cmd_set_user(struct cmd_ctx *ctx, void *user);
void *cmd_user(const struct cmd_ctx *ctx);

/* Adds n definitions.  All or nothing: on a bad or duplicate name nothing
 * is added, an error line "cannot register command "x": already defined"
 * is printed and -1 returned. */
int cmd_register(struct cmd_ctx *ctx, const struct cmd_def *defs, size_t n);
/* Removes the commands (and their aliases) registered from these defs,
 * e.g. when a plugin is unloaded.  Returns how many were removed. */
size_t cmd_unregister(struct cmd_ctx *ctx, const struct cmd_def *defs, size_t n);
/* 1 if cmd_register would refuse NAME (bad syntax, or it or a word of it
 * is a command or an alias already), else 0.  Prints nothing. */
int cmd_name_taken(struct cmd_ctx *ctx, const char *name);

/* ---- output ------------------------------------------------------------- */

enum cmd_stream { CMD_OUT, CMD_ERR };
typedef void (*cmd_output_fn)(void *arg, enum cmd_stream stream,
                              const char *text, size_t len);
/* Default sink: CMD_OUT to stdout, CMD_ERR to stderr.  fn NULL restores it. */
void cmd_set_output(struct cmd_ctx *ctx, cmd_output_fn fn, void *arg);
/* The sink now (to put it back after capturing a command's output). */
void cmd_get_output(const struct cmd_ctx *ctx, cmd_output_fn *fn, void **arg);

void cmd_write(struct cmd_ctx *ctx, const char *text, size_t len);
void cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cmd_vprintf(struct cmd_ctx *ctx, const char *fmt, va_list ap);

/* Prints one error line "[LOCATION: ][COMMAND: ]message" to CMD_ERR,
 * counts it, and returns -1.  A final newline in fmt is not needed. */
int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cmd_verror(struct cmd_ctx *ctx, const char *fmt, va_list ap);
/* The last error line as printed (no newline), "" if none. */
const char *cmd_last_error(const struct cmd_ctx *ctx);
/* Errors reported so far in this context. */
unsigned long cmd_error_count(const struct cmd_ctx *ctx);

/* ---- running commands --------------------------------------------------- */

/* Parses and runs one line.  Returns 0 on success (also for blank and
 * comment lines), -1 if the command failed (the error is already printed).
 * interactive: an empty line repeats the previous command unless that
 * command has CMD_F_NO_REPEAT (cmd_is_repeat() tells the handler); in
 * scripts an empty line does nothing. */
int cmd_execute_line(struct cmd_ctx *ctx, const char *line, bool interactive);

/* Inside a handler: */
const char *cmd_name(const struct cmd_ctx *ctx);     /* "info registers" */
const char *cmd_suffix(const struct cmd_ctx *ctx);   /* "/4xw" or "" */
const char *cmd_args_raw(const struct cmd_ctx *ctx); /* rest of line, trimmed */
void *cmd_data(const struct cmd_ctx *ctx);           /* def->data */
bool cmd_is_repeat(const struct cmd_ctx *ctx);       /* run by an empty line */

/* What the running command has done so far ("stepi 1200/100000"), for a
 * front end that redraws while it runs; "" when nothing is said.  Cleared
 * when the command line ends. */
void cmd_set_progress(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cmd_progress(const struct cmd_ctx *ctx);

/* Line capture (gdb's `commands` ... `end`): the lines that follow go to
 * fn instead of being run, until fn returns 1.  The prompt is what a
 * front end shows meanwhile (">").  fn NULL stops capturing. */
void cmd_capture_lines(struct cmd_ctx *ctx, int (*fn)(void *arg, const char *line), void *arg, const char *prompt);
/* The capture prompt, or NULL when lines run normally. */
const char *cmd_capture_prompt(const struct cmd_ctx *ctx);

/* quit [N] sets this; script runners stop when it is set. */
bool cmd_quit_requested(const struct cmd_ctx *ctx, int *status);
void cmd_request_quit(struct cmd_ctx *ctx, int status);

/* ---- variables (set VAR VALUE / show [VAR]) ----------------------------- */

enum cmd_var_type {
    CMD_VAR_INT,               /* int64 within [min, max] */
    CMD_VAR_BOOL,              /* on|off (also 1|0, yes|no, enable|disable) */
    CMD_VAR_ENUM,              /* one of choices "lazy|recursive" (unique prefix ok) */
    CMD_VAR_STRING,            /* free text; "double quoted" to keep blanks */
};

struct cmd_var_def {
    const char *name;          /* "depth", "on-error" */
    enum cmd_var_type type;
    const char *init;          /* initial value as typed after set: "stop" */
    const char *help;          /* one line */
    int64_t min, max;          /* CMD_VAR_INT */
    const char *choices;       /* CMD_VAR_ENUM: "stop|continue" */
    /* Called after a successful set (not for the initial value). */
    void (*changed)(struct cmd_ctx *ctx, const char *name, void *arg);
    void *arg;
};

/* All or nothing, like cmd_register; also -1 if an init value is invalid. */
int cmd_var_register(struct cmd_ctx *ctx, const struct cmd_var_def *defs, size_t n);

/* Sets a variable from text exactly like `set NAME VALUE` (errors are
 * reported with cmd_error and -1 returned).  Name must be exact here. */
int cmd_var_set(struct cmd_ctx *ctx, const char *name, const char *value);

/* Readers; an unknown name (or the wrong type) yields 0 / false / NULL. */
int64_t cmd_var_int(const struct cmd_ctx *ctx, const char *name);
bool cmd_var_bool(const struct cmd_ctx *ctx, const char *name);
const char *cmd_var_enum(const struct cmd_ctx *ctx, const char *name); /* "stop" */
int cmd_var_enum_index(const struct cmd_ctx *ctx, const char *name);  /* -1 unknown */
const char *cmd_var_string(const struct cmd_ctx *ctx, const char *name);
/* The value as `show` prints it, written into buf; NULL if unknown. */
const char *cmd_var_format(const struct cmd_ctx *ctx, const char *name,
                           char *buf, size_t size);

/* ---- the expression environment (provided by the front end) ------------
 * What expressions (cmd_args.h) read and write: registers, symbols,
 * memory.  Members other than read_reg may be NULL (not offered). */

#define CMD_SYMBOL_NONE_LOADED 1   /* symbol(): no symbol table at all */
struct cmd_expr_env {
    void *arg;
    /* $name (no '$', e.g. "rip", "eax", or "1" for the value history):
     * 0 and the value and its width in bits, or -1 (no such register). */
    int (*read_reg)(void *arg, const char *name, uint64_t *value, unsigned *bits);
    const char *const *reg_names;  /* NULL-terminated, for completion; may be NULL */
    /* $name = value: 0, or -1 with err */
    int (*write_reg)(void *arg, const char *name, uint64_t value, char *err, size_t errlen);
    /* a symbol's address: 0; -1 unknown; CMD_SYMBOL_NONE_LOADED */
    int (*symbol)(void *arg, const char *name, uint64_t *addr);
    /* every symbol name, for completion */
    void (*symbol_names)(void *arg, void (*cb)(void *cbarg, const char *name), void *cbarg);
    /* guest memory at a linear address: 0, or -1 */
    int (*read_mem)(void *arg, uint64_t addr, void *buf, size_t len);
    int (*write_mem)(void *arg, uint64_t addr, const void *buf, size_t len, char *err, size_t errlen);
};
/* NULL removes it. */
void cmd_set_expr_env(struct cmd_ctx *ctx, const struct cmd_expr_env *env);
const struct cmd_expr_env *cmd_get_expr_env(const struct cmd_ctx *ctx);

/* ---- completion --------------------------------------------------------- */

typedef void (*cmd_complete_cb)(void *arg, const char *candidate);
/* Completes the word that ends at `cursor` in `line`: command names at
 * each level, then per the command's completion kind.  Candidates are
 * whole words (replacing the word from *word_start, which may be NULL),
 * sorted and unique.  Returns the number of candidates. */
size_t cmd_complete(struct cmd_ctx *ctx, const char *line, size_t cursor,
                    size_t *word_start, cmd_complete_cb cb, void *arg);

/* ---- script locations (used by script.c) -------------------------------- */

/* Error lines start with the innermost location: "FILE:LINE: " or, when
 * `where` starts with '-' (like "-ex"), "WHERE LINE: ".  A runner pushes a
 * location (which also hides the running command, e.g. `source`, from the
 * error prefix), updates the line, and pops it to restore the saved state.
 * `where` must stay valid until popped. */
struct cmd_location {
    const char *where;
    unsigned long line;
    const void *cmd;
};
void cmd_location_push(struct cmd_ctx *ctx, struct cmd_location *saved,
                       const char *where);
void cmd_location_line(struct cmd_ctx *ctx, unsigned long line);
void cmd_location_pop(struct cmd_ctx *ctx, const struct cmd_location *saved);

/* Script nesting depth (source inside source) and the "stop every running
 * script" flag (set when nesting goes too deep). */
unsigned cmd_script_depth(const struct cmd_ctx *ctx);
void cmd_script_set_depth(struct cmd_ctx *ctx, unsigned depth);
bool cmd_script_aborted(const struct cmd_ctx *ctx);
void cmd_script_set_aborted(struct cmd_ctx *ctx, bool aborted);

#endif
