/* test_num — the one number parser (src/ui/cli/num.h): gdb's rules for
 * options and commands alike (0x hex, leading 0 octal, decimal), and the
 * hex byte strings of poke / --poke. */
#include "check.h"
#include "ui/cli/num.h"

TEST(gdb_bases)
{
    uint64_t u = 99;
    CHECK_EQ(cmd_parse_u64("0", &u), CMD_NUM_OK);
    CHECK_EQ(u, 0);
    CHECK_EQ(cmd_parse_u64("00", &u), CMD_NUM_OK);
    CHECK_EQ(u, 0);
    CHECK_EQ(cmd_parse_u64("010", &u), CMD_NUM_OK);
    CHECK_EQ(u, 8);
    CHECK_EQ(cmd_parse_u64("0777", &u), CMD_NUM_OK);
    CHECK_EQ(u, 511);
    CHECK_EQ(cmd_parse_u64("10", &u), CMD_NUM_OK);
    CHECK_EQ(u, 10);
    CHECK_EQ(cmd_parse_u64("0x10", &u), CMD_NUM_OK);
    CHECK_EQ(u, 16);
    CHECK_EQ(cmd_parse_u64("0X0aB", &u), CMD_NUM_OK);
    CHECK_EQ(u, 0xab);
    CHECK_EQ(cmd_parse_u64("01777777777777777777777", &u), CMD_NUM_OK);
    CHECK(u == UINT64_MAX);
}

TEST(rejects)
{
    uint64_t u = 7;
    CHECK_EQ(cmd_parse_u64("08", &u), CMD_NUM_JUNK);           /* not an octal digit */
    CHECK_EQ(cmd_parse_u64("0128", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("0x", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("0xg", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("12z", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64(" 12", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("12 ", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("1 2", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("+1", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("-1", &u), CMD_NUM_NEGATIVE);
    CHECK_EQ(cmd_parse_u64("-010", &u), CMD_NUM_NEGATIVE);
    CHECK_EQ(cmd_parse_u64("-", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("", &u), CMD_NUM_EMPTY);
    CHECK_EQ(cmd_parse_u64("18446744073709551616", &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_u64("02000000000000000000000", &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_u64("0x10000000000000000", &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_u64("99999999999999999999z", &u), CMD_NUM_JUNK);  /* junk wins */
    CHECK_EQ(u, 7);                                           /* untouched on failure */
}

TEST(signed_numbers)
{
    int64_t i = 0;
    CHECK_EQ(cmd_parse_i64("-010", &i), CMD_NUM_OK);
    CHECK(i == -8);
    CHECK_EQ(cmd_parse_i64("+0x10", &i), CMD_NUM_OK);
    CHECK(i == 16);
    CHECK_EQ(cmd_parse_i64("-09", &i), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_i64("+", &i), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_i64("- 1", &i), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_i64("-01000000000000000000000", &i), CMD_NUM_OK);   /* -2^63 */
    CHECK(i == INT64_MIN);
    CHECK_EQ(cmd_parse_i64("01000000000000000000000", &i), CMD_NUM_OVERFLOW);
}

TEST(prefix_for_units)
{
    uint64_t u = 0;
    const char *end = NULL;
    CHECK_EQ(cmd_parse_u64_prefix("64M", &u, &end), CMD_NUM_OK);
    CHECK_EQ(u, 64);
    CHECK_STR(end, "M");
    CHECK_EQ(cmd_parse_u64_prefix("010K", &u, &end), CMD_NUM_OK);
    CHECK_EQ(u, 8);
    CHECK_STR(end, "K");
    CHECK_EQ(cmd_parse_u64_prefix("0x1G", &u, &end), CMD_NUM_OK);
    CHECK_EQ(u, 1);
    CHECK_STR(end, "G");
    CHECK_EQ(cmd_parse_u64_prefix("0M", &u, &end), CMD_NUM_OK);
    CHECK_EQ(u, 0);
    CHECK_STR(end, "M");
    CHECK_EQ(cmd_parse_u64_prefix("M", &u, &end), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64_prefix("0xM", &u, &end), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64_prefix("", &u, &end), CMD_NUM_EMPTY);
}

TEST(hex_bytes)
{
    uint8_t b[4] = { 0 };
    size_t n = 0;
    CHECK_EQ(cmd_parse_hex_bytes("90cC", b, 4, &n), CMD_NUM_OK);
    CHECK_EQ(n, 2);
    CHECK_EQ(b[0], 0x90);
    CHECK_EQ(b[1], 0xcc);
    CHECK_EQ(cmd_parse_hex_bytes("0x0f", b, 4, &n), CMD_NUM_OK);
    CHECK_EQ(n, 3);
    CHECK_EQ(b[2], 0x0f);
    CHECK_EQ(cmd_parse_hex_bytes("1122", b, 4, &n), CMD_NUM_OVERFLOW);
    CHECK_EQ(n, 3);
    CHECK_EQ(cmd_parse_hex_bytes("9", b, 4, &n), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_hex_bytes("0x", b, 4, &n), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_hex_bytes("", b, 4, &n), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_hex_bytes("zz", b, 4, &n), CMD_NUM_JUNK);
    CHECK_EQ(n, 3);
}

TEST(sizes)
{
    uint64_t u = 7;
    CHECK_EQ(cmd_parse_size("64", 1ull << 20, &u), CMD_NUM_OK);
    CHECK(u == 64ull << 20);
    CHECK_EQ(cmd_parse_size("64", 1, &u), CMD_NUM_OK);
    CHECK_EQ(u, 64);
    CHECK_EQ(cmd_parse_size("1G", 1, &u), CMD_NUM_OK);
    CHECK(u == 1ull << 30);
    CHECK_EQ(cmd_parse_size("0x10kiB", 1, &u), CMD_NUM_OK);
    CHECK_EQ(u, 16 << 10);
    CHECK_EQ(cmd_parse_size("010M", 1, &u), CMD_NUM_OK);      /* octal, like every number */
    CHECK(u == 8ull << 20);
    CHECK_EQ(cmd_parse_size("16777215G", 1, &u), CMD_NUM_OK);
    CHECK(u == 16777215ull << 30);
    /* the bytes must fit: no wrapping to 1 GiB or to 0 ("the default") */
    u = 7;
    CHECK_EQ(cmd_parse_size("17179869185G", 1ull << 20, &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_size("17179869184G", 1ull << 20, &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_size("17592186044416", 1ull << 20, &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_size("99999999999999999999K", 1, &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_size("-1M", 1, &u), CMD_NUM_NEGATIVE);
    CHECK_EQ(cmd_parse_size("1MM", 1, &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_size("1B", 1, &u), CMD_NUM_JUNK);      /* B only after a unit */
    CHECK_EQ(cmd_parse_size(" 1M", 1, &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_size("M", 1, &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_size("", 1, &u), CMD_NUM_EMPTY);
    CHECK_EQ(u, 7);
}

TEST(seconds)
{
    double d = 7;
    CHECK_EQ(cmd_parse_seconds("10", 1e6, &d), CMD_NUM_OK);
    CHECK(d == 10);
    CHECK_EQ(cmd_parse_seconds("0.25", 1e6, &d), CMD_NUM_OK);
    CHECK(d == 0.25);
    CHECK_EQ(cmd_parse_seconds("1.", 1e6, &d), CMD_NUM_OK);
    CHECK(d == 1);
    CHECK_EQ(cmd_parse_seconds("0", 1e6, &d), CMD_NUM_OK);
    CHECK(d == 0);
    d = 7;
    CHECK_EQ(cmd_parse_seconds("1000001", 1e6, &d), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_seconds("99999999999999999999999999", 1e6, &d), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_seconds("1e3", 1e6, &d), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_seconds("0x10", 1e6, &d), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_seconds("nan", 1e6, &d), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_seconds(".", 1e6, &d), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_seconds("1.2.3", 1e6, &d), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_seconds(" 1", 1e6, &d), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_seconds("-1", 1e6, &d), CMD_NUM_NEGATIVE);
    CHECK_EQ(cmd_parse_seconds("", 1e6, &d), CMD_NUM_EMPTY);
    CHECK(d == 7);
}

int main(void)
{
    RUN(gdb_bases);
    RUN(rejects);
    RUN(signed_numbers);
    RUN(prefix_for_units);
    RUN(hex_bytes);
    RUN(sizes);
    RUN(seconds);
    CHECK_EXIT();
}
