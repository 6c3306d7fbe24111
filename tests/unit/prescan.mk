# prescan: libFuzzer target (clang, built from the sources, not libscout.a),
# the `fuzz` target, and the prescan benchmark.
FUZZ_SECONDS ?= 60
PRESCAN_FUZZ := $(BUILD)/fuzz/fuzz_prescan
PRESCAN_SRCS := $(sort $(wildcard src/prescan/*.c))

$(PRESCAN_FUZZ): tests/fuzz/fuzz_prescan.c $(PRESCAN_SRCS) src/prescan/prescan.h
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Isrc \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    tests/fuzz/fuzz_prescan.c $(PRESCAN_SRCS) -o $@ -lZydis -lZycore

fuzz: deps
	$(MAKE) --no-print-directory $(PRESCAN_FUZZ)
	@mkdir -p $(BUILD)/fuzz/corpus
	$(PRESCAN_FUZZ) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(BUILD)/fuzz/corpus

PRESCAN_BENCH := $(BUILD)/bench/bench_prescan
$(PRESCAN_BENCH): tests/bench/bench_prescan.c $(BUILD)/libscout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(BUILD)/libscout.a -o $@ $(LDFLAGS) -lZydis -lZycore

.PHONY: bench-prescan
bench-prescan: $(PRESCAN_BENCH)
	$(PRESCAN_BENCH) /lib/x86_64-linux-gnu/libc.so.6 512 read
	$(PRESCAN_BENCH) /lib/x86_64-linux-gnu/libc.so.6 512 map

TEST_DEPS     += $(PRESCAN_FUZZ)
BENCH_TARGETS += bench-prescan
