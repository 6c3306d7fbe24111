# tests/adversarial/adversarial.mk — guests written to break scan-before-
# execute (tests/adversarial/README.md).  The prefix names the format:
#   a64_*.s  64-bit ELF linked at 4 MiB (long mode, CPL 0)
#   a32_*.s  32-bit ELF linked at 1 MiB (flat protected mode, CPL 0)
#   a16_*.s  boot sector (real mode at 0x7C00)
# Built into $(BUILD)/adversarial/; tests/integration/adversarial.sh runs
# them as listed in tests/adversarial/guests.list.
ADV_SRC := tests/adversarial
ADV_OUT := $(BUILD)/adversarial
ADV64 := $(patsubst $(ADV_SRC)/%.s,$(ADV_OUT)/%.elf64,$(sort $(wildcard $(ADV_SRC)/a64_*.s)))
ADV32 := $(patsubst $(ADV_SRC)/%.s,$(ADV_OUT)/%.elf32,$(sort $(wildcard $(ADV_SRC)/a32_*.s)))
ADV16 := $(patsubst $(ADV_SRC)/%.s,$(ADV_OUT)/%.bootsect,$(sort $(wildcard $(ADV_SRC)/a16_*.s)))

$(ADV_OUT)/%.o64: $(ADV_SRC)/%.s tests/guests/common64.inc $(ADV_SRC)/gate64.inc $(ADV_SRC)/paging64.inc
	@mkdir -p $(dir $@)
	as --64 -o $@ $<
$(ADV_OUT)/%.elf64: $(ADV_OUT)/%.o64
	ld -m elf_x86_64 -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -Ttext=0x400000 -e _start -o $@ $<
$(ADV_OUT)/%.o32: $(ADV_SRC)/%.s tests/guests/common32.inc
	@mkdir -p $(dir $@)
	as --32 -o $@ $<
$(ADV_OUT)/%.elf32: $(ADV_OUT)/%.o32
	ld -m elf_i386 -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -Ttext=0x100000 -e _start -o $@ $<
$(ADV_OUT)/%.bootsect: $(ADV_OUT)/%.o32
	ld -m elf_i386 -z noexecstack --no-warn-rwx-segments -Ttext=0x7c00 -e _start -o $@.elf $<
	objcopy -O binary -j .text $@.elf $@

ADV_GUESTS := $(ADV64) $(ADV32) $(ADV16)
TEST_DEPS += $(ADV_GUESTS)
