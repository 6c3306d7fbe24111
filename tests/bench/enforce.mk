# tests/bench/enforce.mk — cost of scan-before-execute: raw vs enforced wall
# time, virtualize exits by reason, invalidations, data writes, and a sweep
# over the max prescan depth, for four bench guests (tests/guests/bench_*.s)
# at CPL 3 (native between traps) and CPL 0 (emulated on this host, so fewer
# iterations).  Writes $(BUILD)/bench/enforce_depth.{csv,svg}.
# Each NAME:CPL:ITER sizes one run to a few tenths of a second enforced.
BENCH_ENF_CONFIGS := loop:3:100000000 loop:0:40000 \
                     calls:3:1000 calls:0:1500 \
                     interp:3:800 interp:0:1000 \
                     smc:3:1500 smc:0:2000
BENCH_ENF_DEPTHS  := 0 1 2 4 8 16 64
BENCH_ENF_REPEAT  ?= 5
# Technique switches: each is one more series of the sweep, at
# BENCH_ENF_VARIANT_DEPTHS (scout --OPT VAL; skipped when scout lacks OPT);
# the default depth only, to keep make bench under ten minutes here.
BENCH_ENF_VARIANTS       ?= links=on smc=insn links=on,smc=insn
BENCH_ENF_VARIANT_DEPTHS ?= 16
BENCH_ENF_GUESTS  := $(foreach c,$(BENCH_ENF_CONFIGS),$(BUILD)/guests/bench_$(word 1,$(subst :, ,$(c)))-$(word 3,$(subst :, ,$(c))).elf64)
# The floor: one exit through bare KVM_RUN (tests/bench/bench_exit.c),
# measured between the repetitions and printed beside scout's cost per
# virtualize exit and per invalidation.
EXIT_BENCH := $(BUILD)/bench/bench_exit
$(EXIT_BENCH): tests/bench/bench_exit.c $(BUILD)/libscout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(BUILD)/libscout.a -o $@ $(LDFLAGS) $(LDLIBS)
TEST_DEPS += $(EXIT_BENCH)   # (bench_guests.sh runs it once, briefly)
.PHONY: bench-enforce
bench-enforce: $(BUILD)/scout $(BENCH_ENF_GUESTS) $(EXIT_BENCH)
	python3 tests/bench/enforce_bench.py --scout $(BUILD)/scout --guests $(BUILD)/guests \
	    --out $(BUILD)/bench --repeat $(BENCH_ENF_REPEAT) --depths "$(BENCH_ENF_DEPTHS)" \
	    --default-depth $$(sed -n 's/^#define ENF_DEFAULT_DEPTH \([0-9]*\)u.*/\1/p' src/monitor/enforce/enforce.h) \
	    $(foreach v,$(BENCH_ENF_VARIANTS),--variant $(v)) --variant-depths "$(BENCH_ENF_VARIANT_DEPTHS)" \
	    --floor $(EXIT_BENCH) $(BENCH_ENF_CONFIGS)
BENCH_TARGETS += bench-enforce
