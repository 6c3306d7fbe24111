# src/monitor/dev/bios.mk — the BIOS ROM: src/monitor/dev/bios.s assembled
# as a 64 KiB image for segment F000 and linked into libscout.a as a blob
# (bios.c installs it).
BIOS_DIR := $(BUILD)/bios
$(BIOS_DIR)/bios.bin: src/monitor/dev/bios.s
	@mkdir -p $(BIOS_DIR)
	as --32 -o $(BIOS_DIR)/bios.o $<
	ld -m elf_i386 -z noexecstack -Ttext=0 -e 0 -o $(BIOS_DIR)/bios.elf $(BIOS_DIR)/bios.o
	objcopy -O binary -j .text $(BIOS_DIR)/bios.elf $@
	@test $$(stat -c %s $@) = 65536 || { echo "$@: not 64 KiB"; rm -f $@; exit 1; }
# ld -r -b binary names the symbols after the path it is given: run in the dir.
$(BIOS_DIR)/bios_blob.o: $(BIOS_DIR)/bios.bin
	cd $(BIOS_DIR) && ld -r -b binary -z noexecstack -o bios_blob.o bios.bin
# (the library's recipe takes $^: every prerequisite, this one too)
$(BUILD)/libscout.a: $(BIOS_DIR)/bios_blob.o
