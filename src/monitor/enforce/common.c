/* common.c — what every file of the enforcement layer uses and that calls
 * nothing back: the error it stops on, events, exceptions injected. */
#include <stdarg.h>
#include <stdio.h>

#include "monitor/enforce/enforce_priv.h"

void enf_fail(struct enf *ef, const char *fmt, ...)
{
    if (ef->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ef->errmsg, sizeof(ef->errmsg), fmt, ap);
    va_end(ap);
    ef->failed = 1;
}

void enf_emit(struct enf *ef, const struct scout_event *ev)
{
    if (events_wanted(ef->events))
        events_emit(ef->events, ev);
}

int enf_report(struct enf *ef, char *err, size_t errlen)
{
    if (!ef->failed)
        return 0;
    snprintf(err, errlen, "%s", ef->errmsg);
    ef->failed = 0;
    return -1;
}

int enf_inject_exception(struct enf *ef, uint64_t linear, unsigned vector, int has_error, uint32_t error)
{
    ef->injected = (struct enf_injected){ 2, linear, vector, has_error, error };
    return vcpu_inject_exception(ef->cpu, vector, has_error, error);
}

/* An injection lives for the run that delivers it (after_exit). */
void enf_injected_after_exit(struct enf *ef, uint32_t exit_reason)
{
    if (ef->injected.state == 2)
        ef->injected.state = 1;
    else if (exit_reason != KVM_EXIT_SHUTDOWN)
        ef->injected.state = 0;
}
