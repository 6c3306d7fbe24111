# prescan: the prescan benchmark (its fuzzer is in tests/fuzz/fuzz.mk).
PRESCAN_BENCH := $(BUILD)/bench/bench_prescan
$(PRESCAN_BENCH): tests/bench/bench_prescan.c $(BUILD)/libscout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(BUILD)/libscout.a -o $@ $(LDFLAGS) -lZydis -lZycore

.PHONY: bench-prescan
# A second, bigger corpus when installed (a `make deps` package): QEMU's
# x86 system emulator, 5.8 MB of .text and ~9500 exported functions.
PRESCAN_BENCH_BIG := /usr/bin/qemu-system-x86_64
bench-prescan: $(PRESCAN_BENCH)
	$(PRESCAN_BENCH) /lib/x86_64-linux-gnu/libc.so.6 512 read
	$(PRESCAN_BENCH) /lib/x86_64-linux-gnu/libc.so.6 512 map
	@if [ -e $(PRESCAN_BENCH_BIG) ]; then \
	    echo "$(PRESCAN_BENCH) $(PRESCAN_BENCH_BIG) 512 read"; $(PRESCAN_BENCH) $(PRESCAN_BENCH_BIG) 512 read; \
	else echo "bench-prescan: $(PRESCAN_BENCH_BIG) absent: second corpus skipped"; fi

BENCH_TARGETS += bench-prescan
