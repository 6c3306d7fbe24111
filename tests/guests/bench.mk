# tests/guests/bench.mk — enforcement benchmark guests (bench_*.s), 64-bit
# ELFs linked at 4 MiB, each built for an iteration count:
# $(BUILD)/guests/bench_NAME-ITER.elf64 from tests/guests/bench_NAME.s with
# --defsym ITER=ITER.  ($(GD) is defined in guests.mk, included after this.)
BENCH_ENF_NAMES := loop calls interp smc
define bench_enf_rule
$(BUILD)/guests/bench_$(1)-%.o64: tests/guests/bench_$(1).s tests/guests/common64.inc
	@mkdir -p $$(dir $$@)
	as --64 --defsym ITER=$$* -o $$@ $$<
endef
$(foreach n,$(BENCH_ENF_NAMES),$(eval $(call bench_enf_rule,$(n))))
# Small builds of each, checked by tests/integration/bench_guests.sh.
BENCH_ENF_TEST_GUESTS := $(BENCH_ENF_NAMES:%=$(BUILD)/guests/bench_%-50.elf64)
TEST_DEPS += $(BENCH_ENF_TEST_GUESTS)
