# tests/guests/guests.mk — builds the test guests into $(BUILD)/guests/.
GD := $(BUILD)/guests
GSRC := tests/guests
GLD32 := ld -m elf_i386 -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments
GLD64 := ld -m elf_x86_64 -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

$(GD)/%.o32: $(GSRC)/%.s
	@mkdir -p $(dir $@)
	as --32 -o $@ $<
$(GD)/%.o64: $(GSRC)/%.s
	@mkdir -p $(dir $@)
	as --64 -o $@ $<

# boot sectors (real mode, 0x7C00)
$(GD)/%.bootsect: $(GD)/%.o32
	$(GLD32) -Ttext=0x7c00 -e _start -o $@.elf $<
	objcopy -O binary -j .text $@.elf $@
# ELF32 (multiboot or plain) linked at 1 MiB
$(GD)/%.elf32: $(GD)/%.o32
	$(GLD32) -Ttext=0x100000 -e _start -o $@ $<
# flat 32-bit binaries: multiboot a.out kludge at 1 MiB, or plain at 2 MiB
$(GD)/exit_mb.bin: $(GD)/exit_mb.o32
	$(GLD32) -Ttext=0x100000 -e _start -o $@.elf $<
	objcopy -O binary -j .text $@.elf $@
$(GD)/%.flat32: $(GD)/%.o32
	$(GLD32) -Ttext=0x200000 -e _start -o $@.elf $<
	objcopy -O binary -j .text $@.elf $@
$(GD)/%.flat64: $(GD)/%.o64
	$(GLD64) -Ttext=0x200000 -e _start -o $@.elf $<
	objcopy -O binary -j .text $@.elf $@
# ELF64 linked at 4 MiB
$(GD)/%.elf64: $(GD)/%.o64
	$(GLD64) -Ttext=0x400000 -e _start -o $@ $<
# loop64 with a given iteration count
$(GD)/loop64-%.o64: $(GSRC)/loop64.s
	@mkdir -p $(dir $@)
	as --64 --defsym ITER=$* -o $@ $<

GUESTS := $(addprefix $(GD)/, hello_boot.bootsect modeswitch.bootsect hello_mb.elf32 exit_mb.bin \
          hello64.elf64 fault64.elf64 triple64.elf64 spin64.flat64 hello_flat.flat32 ud32.flat32 \
          serial.elf32 loop64-1000000.elf64)
TEST_DEPS += $(GUESTS)

# benchmark guests: bench32 (multiboot, CPL 0) with a given iteration count
$(GD)/bench32-%.o32: $(GSRC)/bench32.s
	@mkdir -p $(dir $@)
	as --32 --defsym ITER=$* -o $@ $<
