/* check.h — the tiny test harness every unit test uses.
 * Each CHECK prints nothing on success; a failed one prints
 * "not ok TEST: file:line: expression" and marks the test failed.
 * TEST(name) { ... } blocks are run by RUN(name) from main(), which
 * prints "ok name" when all of its checks passed.  Exit status is the
 * number of failed tests (capped), so a crash is also a failure. */
#ifndef SCOUT_TEST_CHECK_H
#define SCOUT_TEST_CHECK_H
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failed_tests;
static int check_current_failed;
static const char *check_current_name;

#define CHECK(cond) do { if (!(cond)) { \
    printf("not ok %s: %s:%d: %s\n", check_current_name, __FILE__, __LINE__, #cond); \
    check_current_failed = 1; } } while (0)

#define CHECK_EQ(a, b) do { unsigned long long check_a_ = (unsigned long long)(a), \
    check_b_ = (unsigned long long)(b); if (check_a_ != check_b_) { \
    printf("not ok %s: %s:%d: %s == %s (0x%llx != 0x%llx)\n", check_current_name, \
           __FILE__, __LINE__, #a, #b, check_a_, check_b_); \
    check_current_failed = 1; } } while (0)

#define CHECK_STR(a, b) do { const char *check_a_ = (a), *check_b_ = (b); \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
    printf("not ok %s: %s:%d: %s == %s (\"%s\" != \"%s\")\n", check_current_name, \
           __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)", \
           check_b_ ? check_b_ : "(null)"); check_current_failed = 1; } } while (0)

#define TEST(name) static void name(void)
#define RUN(name) do { check_current_name = #name; check_current_failed = 0; name(); \
    if (check_current_failed) check_failed_tests++; else printf("ok %s\n", #name); \
    fflush(stdout); } while (0)
#define CHECK_EXIT() return check_failed_tests > 100 ? 100 : check_failed_tests
#endif
