# h2m-plugins.awk — the shipped plugins as man page items, from the head
# comment of each plugins/*.c: "/* NAME — what it does." (up to the first
# line ending in a period) and its " *   --plugin NAME.so[,ARGS]" line.
function roff(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); gsub(/\[/, "\\:[", s); return s }
function out() {
    printf ".TP\n\\fB%s\\fR\n", roff(name)
    u = roff(use); gsub(/ /, "\\ ", u)
    if (use != "") printf ".ad l\n\\fB%s\\fR\n.br\n.ad\n", u
    print roff(text)
}
FNR == 1 { if (NR > 1) out(); name = $2; text = $0; sub(/^\/\* [^ ]+ — /, "", text); more = text !~ /\.$/; use = ""; next }
more { if ($0 ~ /^ \*\/?$/) more = 0; else { l = $0; sub(/^ \* */, "", l); text = text " " l; more = l !~ /\.$/ } }
/^ \* +--plugin / && use == "" { use = $0; sub(/^ \* +/, "", use); sub(/  .*/, "", use); sub(/\.so/, "", use) }
END { out() }
