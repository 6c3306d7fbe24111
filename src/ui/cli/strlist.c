/* strlist.c — sorted lists of candidate names (completion, "ambiguous"
 * errors, aliases).  See cli_priv.h. */
#include "ui/cli/cli_priv.h"

#include <stdio.h>

#define MAX_CANDIDATES  20      /* listed in an "ambiguous" error */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cmd_strlist_add(struct cmd_strlist *l, const char *s)
{
    char *d = strdup(s);
    if (!d || VEC_PUSH(l, d) != 0) {
        free(d);
        l->oom = true;
    }
}

void cmd_strlist_sort(struct cmd_strlist *l)
{
    if (l->n == 0)
        return;
    qsort(l->v, l->n, sizeof *l->v, cmp_str);
    size_t j = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (j > 0 && strcmp(l->v[j - 1], l->v[i]) == 0)
            free(l->v[i]);
        else
            l->v[j++] = l->v[i];
    }
    l->n = j;
}

void cmd_strlist_free(struct cmd_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Joins up to MAX_CANDIDATES entries with ", " into buf. */
void cmd_strlist_join(const struct cmd_strlist *l, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < l->n && used < size; i++) {
        int k;
        if (i == MAX_CANDIDATES)
            k = snprintf(buf + used, size - used, ", ...");
        else
            k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", l->v[i]);
        if (k < 0)
            break;
        used += (size_t)k;
        if (i == MAX_CANDIDATES)
            break;
    }
}
