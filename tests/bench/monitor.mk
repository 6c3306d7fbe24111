# tests/bench/monitor.mk — raw-mode speed of scout vs QEMU TCG, side by side.
BENCH_CPL0_N := 1 2000000
BENCH_QEMU_N := 1 200000000
BENCH_CPL3_N := 1 2000000000
BENCH_QEMU3_N := 1 1000000000
BENCH_MONITOR_GUESTS := $(foreach n,$(sort $(BENCH_CPL0_N) $(BENCH_QEMU_N)),$(BUILD)/guests/bench32-$(n).elf32) \
                        $(foreach n,$(BENCH_CPL3_N),$(BUILD)/guests/loop64-$(n).elf64) \
                        $(foreach n,$(sort $(BENCH_CPL3_N) $(BENCH_QEMU3_N)),$(BUILD)/guests/loop64_mb-$(n).mb64)
.PHONY: bench-monitor
bench-monitor: $(BUILD)/scout $(BENCH_MONITOR_GUESTS)
	@BUILD=$(BUILD) CPL0_N="$(BENCH_CPL0_N)" QEMU_N="$(BENCH_QEMU_N)" CPL3_N="$(BENCH_CPL3_N)" QEMU3_N="$(BENCH_QEMU3_N)" tests/bench/monitor_bench.sh
BENCH_TARGETS += bench-monitor
