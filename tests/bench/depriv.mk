# tests/bench/depriv.mk — --deprivilege vs enforced CPL 0 vs QEMU TCG on the
# CPL 0 bench guests, side by side in one run (tests/bench/depriv_bench.sh).
BENCH_DEPRIV_N := 1 200000 200000000
BENCH_DEPRIV_GUESTS := $(foreach n,$(BENCH_DEPRIV_N),$(BUILD)/guests/bench_loop-$(n).elf64) \
                       $(foreach g,calls interp smc,$(BUILD)/guests/bench_$(g)-2000.elf64 $(BUILD)/guests/bench_$(g)-1.elf64) \
                       $(BUILD)/bench/depriv_boot.mb64 \
                       $(foreach n,$(BENCH_DEPRIV_N),$(BUILD)/guests/bench_loop_mb-$(n).mb64)
# bench_loop_mb-ITER: the loop in a Multiboot kernel with its own tables (the shadow path)
$(BUILD)/guests/bench_loop_mb-%.mb64: tests/guests/bench_loop_mb.s tests/guests/bench_loop.inc tests/guests/mb64.inc tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 -I tests/guests --defsym ITER=$* -o $@.o $<
	$(GLD64) -Ttext=0x100000 -e _start -o $@.elf $@.o
	objcopy -O elf32-i386 $@.elf $@
TEST_DEPS += $(BUILD)/guests/bench_loop_mb-1000.mb64
# cpl3_loop-{64,32}-ITER: the host runs which CPL 3 code natively
BENCH_DEPRIV_GUESTS += $(foreach g,64-1000 64-400000000 32-1000 32-1000000,$(BUILD)/guests/cpl3_loop-$(g).elf64)
$(BUILD)/guests/cpl3_loop-%.elf64: tests/guests/cpl3_loop.s
	@mkdir -p $(dir $@)
	as --64 $(if $(filter 32-%,$*),--defsym COMPAT=1) --defsym ITER=$(lastword $(subst -, ,$*)) -o $@.o $<
	$(GLD64) -Ttext=0x400000 -e _start -o $@ $@.o
$(BUILD)/bench/depriv_boot.mb64: tests/bench/depriv_boot.s tests/guests/mb64.inc tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 -o $@.o $<
	ld -m elf_x86_64 -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -Ttext=0x100000 -e _start -o $@.elf $@.o
	objcopy -O elf32-i386 $@.elf $@
.PHONY: bench-depriv
bench-depriv: $(BUILD)/scout $(BENCH_DEPRIV_GUESTS)
	@BUILD=$(BUILD) N="$(BENCH_DEPRIV_N)" tests/bench/depriv_bench.sh
BENCH_TARGETS += bench-depriv
