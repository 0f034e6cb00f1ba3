# Counts the system calls in each stretch of a `strace -f` trace of benchmark/hits.js, by name.
# Usage: awk -f benchmark/stretches.awk /tmp/hits.trace
/smmap-hits begin/ { match($0, /begin [a-z-]+/); s = substr($0, RSTART + 6, RLENGTH - 6); n[s] += 0; next }
/smmap-hits end/ { s = ""; next }
s != "" && !/resumed>/ { n[s]++; split($2, call, "("); what[s] = what[s] " " call[1] }
END { for (k in n) { delete seen; split(what[k], calls, " "); list = ""; for (i in calls) seen[calls[i]]++; for (c in seen) list = list " " c "x" seen[c]; print k ": " n[k] " system calls" list } }
