# tests/guests/enforce.mk — guests for scan-before-execute (enf_*.s), each a
# 64-bit ELF linked at 4 MiB; enf_loop is built for two iteration counts.
ENF_NAMES := enf_lazy enf_depth enf_farcall enf_jumptable enf_smc enf_data enf_overlap \
             enf_crosspage enf_sensitive enf_cpl3 enf_trapwrite enf_trapmiddle enf_undecodable enf_strwrite enf_selfjump enf_pageend enf_reserved enf_crosstrap enf_syscall enf_cr3 enf_idt
$(BUILD)/guests/enf_%.o64: tests/guests/enf_%.s tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 -o $@ $<
$(BUILD)/guests/enf_loop-%.o64: tests/guests/enf_loop.s tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 --defsym ITER=$* -o $@ $<
ENF_GUESTS := $(ENF_NAMES:%=$(BUILD)/guests/%.elf64) $(BUILD)/guests/enf_loop-10.elf64 $(BUILD)/guests/enf_loop-1000.elf64
TEST_DEPS += $(ENF_GUESTS)
