# tests/guests/depriv.mk — guests for --deprivilege (depriv_*.s): 64-bit
# ELFs at 4 MiB, run by tests/integration/depriv.sh; depriv_own is a
# Multiboot kernel with tables of its own (mb64.inc, built by platform.mk's
# rule).
$(BUILD)/guests/depriv_%.o64: tests/guests/depriv_%.s tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 -o $@ $<
DEPRIV_GUESTS := $(BUILD)/guests/depriv_observe.elf64 $(BUILD)/guests/depriv_reserved.elf64 \
                 $(BUILD)/guests/depriv_lar.elf64 $(BUILD)/guests/depriv_own.mb64
TEST_DEPS += $(DEPRIV_GUESTS)
$(BUILD)/guests/depriv_observe.o64 $(BUILD)/guests/depriv_own.mb64: tests/guests/depriv_sensitive.inc
