# tests/guests/platform.mk — guests for the PC platform (interrupt
# controllers, timers, firmware interfaces): 64-bit kernels booted as
# Multiboot kernels (mb64.inc), linked at 1 MiB as ELF64 and converted to
# ELF32 as kvm-unit-tests' .flat files are.
PLATFORM_NAMES := irq_pit irq_lapic fw_acpi testdev
$(BUILD)/guests/%.mb64: tests/guests/%.s tests/guests/mb64.inc tests/guests/common64.inc
	@mkdir -p $(dir $@)
	as --64 -I tests/guests -o $@.o $<
	$(GLD64) -Ttext=0x100000 -e _start -o $@.elf $@.o
	objcopy -O elf32-i386 $@.elf $@
PLATFORM_GUESTS := $(PLATFORM_NAMES:%=$(BUILD)/guests/%.mb64)
TEST_DEPS += $(PLATFORM_GUESTS)
