# tests/guests/debugger.mk — the debugger's test guests: dbg64 assembled
# with -g (symbols and line information), the INT3 guests, and the boot
# sector hello_boot's ELF for --symbols (built by guests.mk).
$(BUILD)/guests/dbg64.o64: tests/guests/dbg64.s tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 -g -o $@ $<
$(BUILD)/guests/dbg_%.o64: tests/guests/dbg_%.s
	@mkdir -p $(dir $@)
	as --64 -o $@ $<
DBG_GUESTS := $(addprefix $(BUILD)/guests/, dbg64.elf64 dbg_int3.elf64 dbg_int3idt.elf64)
TEST_DEPS += $(DBG_GUESTS)
