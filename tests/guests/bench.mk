# tests/guests/bench.mk — enforcement benchmark guests (bench_*.s), 64-bit
# ELFs linked at 4 MiB, each built for an iteration count:
# $(BUILD)/guests/bench_NAME-ITER.elf64 from tests/guests/bench_NAME.s with
# --defsym ITER=ITER.  ($(GD) is defined in guests.mk, included after this.)
BENCH_ENF_NAMES := loop calls interp smc
define bench_enf_rule
$(BUILD)/guests/bench_$(1)-%.o64: tests/guests/bench_$(1).s $(wildcard tests/guests/bench_$(1).inc) tests/guests/common64.inc
	@mkdir -p $$(dir $$@)
	as --64 --defsym ITER=$$* -o $$@ $$<
endef
$(foreach n,$(BENCH_ENF_NAMES),$(eval $(call bench_enf_rule,$(n))))
# Small builds, checked by tests/integration/bench_guests.sh (bench_smc runs
# its slow path once at iteration 715).
BENCH_ENF_TEST_GUESTS := $(foreach n,loop calls interp,$(BUILD)/guests/bench_$(n)-50.elf64) \
                         $(BUILD)/guests/bench_smc-800.elf64 $(BUILD)/guests/bench_smc-20.elf64 \
                         $(BUILD)/guests/bench_pages-3_5.elf64 $(BUILD)/guests/bench_pages-3_0.elf64
TEST_DEPS += $(BENCH_ENF_TEST_GUESTS)
# bench_pages-PAGES_ITER: PAGES code pages, then ITER OUTs stepped in place
$(BUILD)/guests/bench_pages-%.o64: tests/guests/bench_pages.s tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 --defsym PAGES=$(word 1,$(subst _, ,$*)) --defsym ITER=$(word 2,$(subst _, ,$*)) -o $@ $<
# loop64_mb-ITER: loop64's loop at CPL 3 as a Multiboot kernel that enters
# long mode and drops to CPL 3 itself (mb64.inc), for qemu -kernel.
$(BUILD)/guests/loop64_mb-%.mb64: tests/guests/loop64_mb.s tests/guests/mb64.inc
	@mkdir -p $(dir $@)
	as --64 -I tests/guests --defsym ITER=$* -o $@.o $<
	$(GLD64) -Ttext=0x100000 -e _start -o $@.elf $@.o
	objcopy -O elf32-i386 $@.elf $@
TEST_DEPS += $(BUILD)/guests/loop64_mb-1000.mb64
