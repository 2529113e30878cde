# tools/gen_opcua.awk: data/opcua-status-codes.csv -> C table rows (name, hex, description).
# Rows are "name,0xHEX,\"description\""; the description may hold commas but no quotes.
NR == 1 { next }
{
    line = $0
    sub(/\r$/, "", line)
    i = index(line, ",")
    name = substr(line, 1, i - 1)
    rest = substr(line, i + 1)
    j = index(rest, ",")
    hex = substr(rest, 1, j - 1)
    desc = substr(rest, j + 1)
    gsub(/^"|"$/, "", desc)
    gsub(/\\/, "\\\\", desc)
    gsub(/"/, "\\\"", desc)
    printf "    {\"%s\", %sU, \"%s\"},\n", name, hex, desc
}
