/* main.c — scout's command-line entry point (placeholder until the
 * monitor lands). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("scout 0.1\n");
        return 0;
    }
    fprintf(stderr, "scout: no monitor yet\n");
    return 1;
}
