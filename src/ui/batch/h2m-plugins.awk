# h2m-plugins.awk — the shipped plugins as man page items, from the head
# comment of each plugins/*.c: "/* NAME — what it does." (up to the first
# line ending in a period) under the tag from its " *   --plugin NAME.so[,ARGS]"
# line (NAME alone if it has none).
function out() { gsub(/\\/, "\\e", t); gsub(/-/, "\\-", t); gsub(/-/, "\\-", u); printf ".TP\n\\fB%s\\fR\n%s\n", u, t }
FNR == 1 { if (NR > 1) out(); t = $0; sub(/^\/\* [^ ]+ — /, "", t); more = t !~ /\.$/; u = $2; tagged = 0; next }
more { if ($0 ~ /^ \*\/?$/) more = 0; else { l = $0; sub(/^ \* */, "", l); t = t " " l; more = l !~ /\.$/ } }
/^ \* +--plugin / && !tagged { u = $0; sub(/^ \* +--plugin +/, "", u); sub(/  .*/, "", u); sub(/\.so/, "", u); tagged = 1 }
END { out() }
