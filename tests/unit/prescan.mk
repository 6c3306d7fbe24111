# prescan: the prescan benchmark (its fuzzer is in tests/fuzz/fuzz.mk).
PRESCAN_BENCH := $(BUILD)/bench/bench_prescan
$(PRESCAN_BENCH): tests/bench/bench_prescan.c $(BUILD)/libscout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(BUILD)/libscout.a -o $@ $(LDFLAGS) -lZydis -lZycore

.PHONY: bench-prescan
bench-prescan: $(PRESCAN_BENCH)
	$(PRESCAN_BENCH) /lib/x86_64-linux-gnu/libc.so.6 512 read
	$(PRESCAN_BENCH) /lib/x86_64-linux-gnu/libc.so.6 512 map

BENCH_TARGETS += bench-prescan
