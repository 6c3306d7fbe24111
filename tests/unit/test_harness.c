/* Checks the harness itself: a CHECK that must fail does fail. */
#include "check.h"

TEST(check_macros_detect_failure)
{
    int before = check_current_failed;
    CHECK_EQ(1 + 1, 2);
    CHECK_STR("abc", "abc");
    CHECK(before == 0 && check_current_failed == 0);
}

int main(void)
{
    RUN(check_macros_detect_failure);
    CHECK_EXIT();
}
