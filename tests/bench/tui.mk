# tests/bench/tui.mk — cost of the TUI's refresh while the guest runs:
# the same CPL 3 loop in batch mode and in the TUI (under tmux), side by side.
BENCH_TUI_ITER := 16000000000
.PHONY: bench-tui
bench-tui: $(BUILD)/scout $(BUILD)/guests/loop64-$(BENCH_TUI_ITER).elf64
	@BUILD=$(BUILD) ITER=$(BENCH_TUI_ITER) tests/bench/tui_refresh_bench.sh
BENCH_TARGETS += bench-tui
