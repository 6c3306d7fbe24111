/* libFuzzer target for the command language (src/ui/cli) and the debugger
 * commands (src/ui/commands) against a live VM: every input opens a fresh
 * session on the built-in demo guest (enforced, 8 MiB), registers the
 * commands and runs the input's lines as a script with on-error continue.
 * Oracles: no crash or sanitizer report; every error is one line without
 * control characters.  Runs are cut after 25 ms (--timeout's interrupt);
 * files the commands create land in a temporary folder (the harness
 * chdirs there for each input, and back: libFuzzer's paths may be
 * relative); stdin is /dev/null.  Without /dev/kvm only the command
 * parsing runs (a detached session). */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "base/text.h"
#include "ui/cli/command.h"
#include "ui/cli/script.h"
#include "ui/commands/commands.h"
#include "ui/demo/demo_guest.h"
#include "ui/session/session.h"

static struct session *live;
static FILE *devnull;
static int home_fd = -1, tmp_fd = -1;
static int no_kvm;

static void on_alarm(int sig)
{
    (void)sig;
    if (live)
        session_interrupt(live, VM_STOP_TIMEOUT);
}

/* An error comes as its text, then "\n": the text is one line of text. */
static void sink(void *arg, enum cmd_stream stream, const char *text, size_t len)
{
    (void)arg;
    if (stream == CMD_ERR && !(len == 1 && text[0] == '\n') && !base_is_text(text, len, 0))
        __builtin_trap();
}

static void setup(void)
{
    char dir[] = "/tmp/scout-fuzz-commands-XXXXXX";
    if (!mkdtemp(dir) || (home_fd = open(".", O_RDONLY | O_DIRECTORY)) < 0 ||
        (tmp_fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
        abort();
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
        close(fd);
    }
    devnull = fopen("/dev/null", "w");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    if (!devnull)
        setup();
    char err[512];
    struct session s;
    struct session_opts so;
    memset(&so, 0, sizeof so);
    so.load.path = DEMO_GUEST_NAME;
    so.load.image = demo_guest_image(&so.load.image_len);
    so.load.format = LOADER_FLAT;
    so.load.mode = VM_MODE_LONG64;
    so.load.load_addr = so.load.entry = DEMO_GUEST_LOAD;
    so.load.have_load = so.load.have_entry = 1;
    so.vm.mem_size = 8u << 20;
    so.depth = data[0] & 1 ? 16 : 0;
    if (no_kvm || session_open(&s, &so, err, sizeof err) != 0) {
        no_kvm = 1;
        if (session_open_detached(&s, err, sizeof err) != 0)
            return 0;
    } else {
        struct dev_console con = { devnull, NULL, NULL };
        session_set_console(&s, &con);
        session_prepare(&s, err, sizeof err);
    }
    struct cmd_ctx *ctx = cmd_ctx_new();
    struct commands *cm = ctx ? commands_new(ctx, &s) : NULL;
    if (cm) {
        cmd_set_output(ctx, sink, NULL);
        cmd_var_set(ctx, "on-error", "continue");
        /* the input's lines (NUL-separated or newline-separated) */
        char *text = malloc(size + 1);
        const char *lines[256];
        size_t n = 0;
        if (text) {
            memcpy(text, data, size);
            text[size] = 0;
            for (char *p = text; n < 256 && p <= text + size;) {
                size_t l = strcspn(p, "\n");
                lines[n++] = p;
                p[l] = 0;
                p += l + 1;
            }
            live = &s;
            if (fchdir(tmp_fd) != 0)
                abort();
            struct itimerval it = { { 0, 25000 }, { 0, 25000 } };   /* every run: 25 ms at most */
            setitimer(ITIMER_REAL, &it, NULL);
            script_run_lines(ctx, "fuzz", lines, n);
            struct itimerval z = { { 0, 0 }, { 0, 0 } };
            setitimer(ITIMER_REAL, &z, NULL);
            live = NULL;
            if (fchdir(home_fd) != 0)
                abort();
        }
        free(text);
        commands_free(cm);
    }
    cmd_ctx_free(ctx);
    session_close(&s);
    return 0;
}
