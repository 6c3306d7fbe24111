# src/ui/batch/batch.mk — what is generated from the built front end, so it
# follows every change of the options and commands:
#   $(BUILD)/man/scout.1         the man page: help2man from --help and
#                                --version, plus scout.h2m with the command
#                                list (the hidden --list-commands) and the
#                                shipped plugins (their head comments) put in;
#   $(BUILD)/completion/scout    bash completion: options, their choices and
#                                which take an argument from --help, commands
#                                from --list-commands (scout-completion.bash
#                                is the template).
# Neither needs /dev/kvm.  `make install`, `make deb` and `make test` build them.
MAN_PAGE   := $(BUILD)/man/scout.1
COMPLETION := $(BUILD)/completion/scout

# `help` lines "  NAME -- what" become .TP items, "Group:" lines .SS headings.
$(BUILD)/man/scout.h2m: src/ui/batch/scout.h2m src/ui/batch/h2m-plugins.awk $(BUILD)/scout $(wildcard plugins/*.c)
	@mkdir -p $(dir $@)
	awk -f src/ui/batch/h2m-plugins.awk $(sort $(wildcard plugins/*.c)) >$@.plugins
	$(BUILD)/scout --list-commands | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' | \
	    sed -n -e 's/^\([A-Z][a-z]*\):$$/.SS \1/p' -e 's/^  \([^ ]*\) \\-\\- \(.*\)/.TP\n\\fB\1\\fR\n\2/p' >$@.cmds
	sed -e '/^@COMMANDS@$$/{r $@.cmds' -e 'd}' -e '/^@PLUGINS@$$/{r $@.plugins' -e 'd}' $< >$@
$(MAN_PAGE): $(BUILD)/man/scout.h2m $(BUILD)/scout
	help2man --no-info --section=1 --include=$< --output=$@ \
	    --version-string="$$($(BUILD)/scout --version | head -n1)" $(BUILD)/scout

$(COMPLETION): src/ui/batch/scout-completion.bash $(BUILD)/scout
	@mkdir -p $(dir $@)
	$(BUILD)/scout --help | grep -E '^ +-' | grep -oE '(^| )--?[a-z][a-z-]*' | tr -d ' ' | sort -u | paste -sd' ' >$@.opts
	$(BUILD)/scout --help | sed -n 's/^ *\(--[a-z-]*\) \([a-z0-9-]\{1,\}\(|[a-z0-9-]*\)*\) .*/        \1) words="\2" ;;/p' | tr '|' ' ' >$@.choices
	$(BUILD)/scout --help | grep -E '^ +-' | grep -oE '(^| )--?[a-z][a-z-]* [^ a-z]' | cut -d' ' -f2 | sort -u | paste -sd'|' >$@.args
	$(BUILD)/scout --list-commands | sed -n 's/^  \([^ ]*\) -- .*/\1/p' | paste -sd' ' >$@.cmds
	sed -e "s/@OPTIONS@/$$(cat $@.opts)/" -e "s/@COMMANDS@/$$(cat $@.cmds)/" -e "s/@ARGOPTS@/$$(cat $@.args)/" \
	    -e '/^@CHOICES@$$/{r $@.choices' -e 'd}' $< >$@

TEST_DEPS += $(MAN_PAGE) $(COMPLETION)
