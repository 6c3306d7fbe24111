# tests/fuzz/fuzz.mk — the libFuzzer targets (clang; Debian's clang and
# libclang-rt-14-dev come with `make deps`), built with ASan + UBSan from
# the library's sources compiled once more with coverage instrumentation:
#
#   fuzz_prescan   the prescan engine (seeded with the test guests' code and
#                  chunks of libc's .text; -max_len 8300 fills its two pages)
#   fuzz_loader    the image parsers, and loader_load into a real VM
#   fuzz_trace     the trace reader, a writer round trip, stats and diff
#   fuzz_emul      the instruction emulator, x86_emul_successors the oracle
#   fuzz_commands  the command language and debugger commands on a live VM
#
# `make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="prescan trace"]` runs each in
# turn (tests/fuzz/run.sh: each harness's -max_len there) on
# $(BUILD)/fuzz/corpus/NAME, grown from the seeds and the regression
# inputs, and writes crashes to $(BUILD)/fuzz/crashes/NAME/; each run's
# output goes to $(BUILD)/fuzz/NAME.log and a summary line (execs, the
# last cov:/ft:, crashes) to $(BUILD)/fuzz/summary.txt.  A crash found
# becomes a regression input in tests/fuzz/regress/NAME/, which `make test`
# runs (tests/integration/fuzz_regress.sh) with the seeds.
FUZZ_SECONDS ?= 60
FUZZ_ALL     := prescan loader trace emul commands
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_OBJDIR  := $(FUZZ_DIR)/obj
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
# (gcc's -Werror build checks the library's warnings; clang's own, such
# as the kernel headers' variable-sized structs, are not errors here.)
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Iinclude -Isrc $(FUZZ_SAN) \
                -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_OBJS    := $(LIB_SRCS:%.c=$(FUZZ_OBJDIR)/%.o)
FUZZ_LIB     := $(FUZZ_DIR)/libscout-fuzz.a
FUZZ_BINS    := $(FUZZ_ALL:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

# (the BIOS ROM is a blob of the library, as in libscout.a)
$(FUZZ_LIB): $(FUZZ_OBJS) $(BUILD)/bios/bios_blob.o
	rm -f $@ && ar rcs $@ $^

# fuzz_commands needs the demo guest's bytes (a plain data object).
$(FUZZ_DIR)/fuzz_commands: $(DEMO_DIR)/demo_blob.o
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	clang $(filter-out -MMD -MP -fsanitize=fuzzer-no-link,$(FUZZ_CFLAGS)) -Werror -fsanitize=fuzzer \
	    $< $(filter %.o,$^) $(FUZZ_LIB) -o $@ $(LDLIBS)

# Seeds: generated from what the build has (guests, goldens, libc).
FUZZ_SEED_GUESTS = $(filter %.elf32 %.elf64 %.bin %.bootsect %.flat32 %.flat64,$(GUESTS) $(ENF_GUESTS))
# (The guest lists are made by tests/guests/*.mk, read after this file:
# the prerequisites are expanded a second time, once all is read.)
.SECONDEXPANSION:
$(FUZZ_DIR)/seeds/.done: tests/fuzz/seeds.py $$(GUESTS) $$(ENF_GUESTS)
	rm -rf $(FUZZ_DIR)/seeds && mkdir -p $(FUZZ_DIR)/seeds
	python3 tests/fuzz/seeds.py prescan $(FUZZ_DIR)/seeds/prescan $(FUZZ_SEED_GUESTS)
	python3 tests/fuzz/seeds.py loader $(FUZZ_DIR)/seeds/loader $(FUZZ_SEED_GUESTS)
	python3 tests/fuzz/seeds.py trace $(FUZZ_DIR)/seeds/trace $(sort $(wildcard tests/golden/*.trace))
	python3 tests/fuzz/seeds.py emul $(FUZZ_DIR)/seeds/emul
	python3 tests/fuzz/seeds.py commands $(FUZZ_DIR)/seeds/commands
	touch $@

fuzz: deps
	$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%) $(FUZZ_DIR)/seeds/.done
	@rm -f $(FUZZ_DIR)/summary.txt
	tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

-include $(FUZZ_OBJS:.o=.d)
TEST_DEPS += $(FUZZ_BINS) $(FUZZ_DIR)/seeds/.done
