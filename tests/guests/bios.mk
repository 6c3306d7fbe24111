# tests/guests/bios.mk — the BIOS guests: disk images of a boot sector and
# the sectors after it (real mode at 0x7C00; see bios_*.s), built into
# $(BUILD)/guests/NAME.img, and the keyboard input they are given.
$(BUILD)/guests/bios_%.o16: tests/guests/bios_%.s tests/guests/bios16.inc
	@mkdir -p $(dir $@)
	as --32 -o $@ $<
$(BUILD)/guests/bios_%.img: $(BUILD)/guests/bios_%.o16
	ld -m elf_i386 -z noexecstack --no-warn-rwx-segments -Ttext=0x7c00 -e _start -o $@.elf $<
	objcopy -O binary -j .text $@.elf $@
# the tutorial image again, as a 1.44 MB diskette (booted with DL = 0)
$(BUILD)/guests/bios_tutor_fd.img: $(BUILD)/guests/bios_tutor.img
	cp $< $@ && truncate -s 1474560 $@
$(BUILD)/guests/keys_%.txt: tests/guests/keys_%.txt
	@mkdir -p $(dir $@)
	cp $< $@
BIOS_GUESTS := $(addprefix $(BUILD)/guests/, bios_hello.img bios_reboot.img bios_svc.img bios_tutor.img bios_tutor_fd.img keys_svc.txt keys_tutor.txt)
TEST_DEPS += $(BIOS_GUESTS)
