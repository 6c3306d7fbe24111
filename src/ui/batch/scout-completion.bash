# bash completion for scout(1): options, their choices, commands after -ex,
# plugin names after --plugin, `scout trace diff|stats`.
# The build fills in the @...@ lines from `scout --help` and the hidden
# `scout --list-commands` (src/ui/batch/batch.mk).

# The plugins scout finds by name (src/ui/plugin/plugin.c): NAME.so in
# PREFIX/lib/scout/plugins (the binary is PREFIX/bin/scout) or in plugins/
# beside the binary (a build tree).
_scout_plugin_names()
{
    local exe dir f
    exe=$(type -P "$1") || return 0
    exe=$(readlink -f "$exe") && dir=${exe%/*}
    for f in "${dir%/*}"/lib/scout/plugins/*.so "$dir"/plugins/*.so; do
        [[ -f $f ]] || continue
        f=${f##*/}
        printf '%s\n' "${f%.so}"
    done
}

_scout()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words=
    COMPREPLY=()
    if [[ ${COMP_WORDS[1]} == trace && $COMP_CWORD -ge 2 ]]; then
        if [[ $COMP_CWORD -eq 2 ]]; then words="diff stats"; else
            COMPREPLY=($(compgen -f -- "$cur")); return; fi
    else
        case $prev in
@CHOICES@
        --plugin|-plugin)
            words=$(_scout_plugin_names "${COMP_WORDS[0]}")
            COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur")); return ;;
        -ex|--ex) words="@COMMANDS@" ;;
        @ARGOPTS@) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        *)
            if [[ $cur == -* ]]; then words="@OPTIONS@"
            else
                [[ $COMP_CWORD -eq 1 ]] && words=trace
                COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur")); return
            fi ;;
        esac
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o filenames -F _scout scout
