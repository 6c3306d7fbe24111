# src/ui/demo/demo.mk — the built-in demo guest: src/ui/demo/demo.s assembled as a
# flat long-mode image loaded at 0x400000 and linked into scout as a blob,
# with the ELF it came from as a second blob (its symbols: `break mul_far`).
DEMO_DIR := $(BUILD)/demo
$(DEMO_DIR)/demo.elf: src/ui/demo/demo.s tests/guests/common64.inc
	@mkdir -p $(DEMO_DIR)
	as --64 -o $(DEMO_DIR)/demo.o $<
	ld -m elf_x86_64 -z noexecstack -Ttext=0x400000 -e _start -o $@ $(DEMO_DIR)/demo.o
$(DEMO_DIR)/demo.bin: $(DEMO_DIR)/demo.elf
	objcopy -O binary -j .text $< $@
# ld -r -b binary names the symbols after the path it is given: run in the dir.
$(DEMO_DIR)/demo_blob.o: $(DEMO_DIR)/demo.bin $(DEMO_DIR)/demo.elf
	cd $(DEMO_DIR) && ld -r -b binary -z noexecstack -o demo_blob.o demo.bin demo.elf
SCOUT_OBJS += $(DEMO_DIR)/demo_blob.o
