# tests/bench/pages.mk — one OUT stepped in place with 10 and 10,000 code
# pages: the per-step cost must not grow with the guest (issue 10).
BENCH_PAGES_ITER := 20000
BENCH_PAGES_GUESTS := $(foreach p,10 10000,$(BUILD)/guests/bench_pages-$(p)_$(BENCH_PAGES_ITER).elf64)
.PHONY: bench-pages
bench-pages: $(BUILD)/scout $(BENCH_PAGES_GUESTS)
	python3 tests/bench/pages_bench.py --scout $(BUILD)/scout --guests $(BUILD)/guests --iter $(BENCH_PAGES_ITER)
BENCH_TARGETS += bench-pages
