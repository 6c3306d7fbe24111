# tests/fuzz/guestfuzz.mk — the guest-code fuzzer (tests/fuzz/guestfuzz.py):
# random guest programs, self-modifying ones too, raw vs enforced.  `make
# fuzz` runs it for FUZZ_SECONDS with new seeds (mismatches are kept in
# $(BUILD)/fuzz/guest/); `make fuzz SAN=1` also checks scout's invariants
# at every exit.  `make test` runs a fixed set of seeds
# (tests/integration/guestfuzz.sh).
FUZZ_SECONDS ?= 60
.PHONY: fuzz-guests
fuzz-guests: $(BUILD)/scout
	python3 tests/fuzz/guestfuzz.py --scout $(BUILD)/scout --seconds $(FUZZ_SECONDS) --out $(BUILD)/fuzz/guest
fuzz: fuzz-guests
