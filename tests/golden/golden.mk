# tests/golden/golden.mk — `make goldens` regenerates the golden traces
# (tests/golden/*.trace) on purpose, after a change that alters traces;
# review the diff before committing.  tests/integration/goldens.sh checks them.
# (This fragment is read before tests/guests/*.mk: the guest lists are
# expanded in the recipe, not in the prerequisites.)
goldens: deps
	$(MAKE) --no-print-directory $(BUILD)/scout $(GUESTS) $(ENF_GUESTS) $(PLATFORM_GUESTS) $(BIOS_GUESTS) $(BUILD)/guests/spin64.flat64
	@BUILD=$(BUILD) TOP=$(CURDIR) SCOUT=$(CURDIR)/$(BUILD)/scout tests/golden/goldens.sh regen
TEST_DEPS += $(BUILD)/guests/spin64.flat64
