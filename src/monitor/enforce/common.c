/* common.c — what every file of the enforcement layer uses and that calls
 * nothing back: the error it stops on, and events. */
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
