#!/usr/bin/env bash
# House rules on size (issue #19): no file under src/ over 1,200 lines and no function over 200 lines.
#
# A file's lines are counted before its trailing `#[cfg(test)] mod tests { ... }` block (tests aside);
# functions are the `fn` items outside that block, counted from the `fn` line to its closing brace. The
# scan relies on rustfmt's layout (CI checks formatting first): a body's closing `}` sits alone at the
# indentation of its `fn`, and so does the `}` of an `impl` or `trait` block, which gives methods their
# type (`Type::name`).
#
# scripts/size-allowlist.txt lists the offenders this rule found when it came in, each with its size then.
# An allowlisted item may shrink, never grow; anything else over a limit fails. When an allowlisted item
# is within its limit (or gone), the script says so: delete its line.
#
# Usage: scripts/check-size.sh [--list] [--root DIR]
#   --list      also print every file's size and every function over the limit
#   --root DIR  check DIR/src against DIR/scripts/size-allowlist.txt (default: this repository; tests use it)
set -euo pipefail
ROOT="$(dirname "$0")/.."
LIST=0
while [ $# -gt 0 ]; do
  case "$1" in
    --list) LIST=1; shift ;;
    --root) ROOT="$2"; shift 2 ;;
    *) echo "usage: $0 [--list] [--root DIR]" >&2; exit 2 ;;
  esac
done
cd "$ROOT"

FILE_LIMIT=1200
FN_LIMIT=200
ALLOW=scripts/size-allowlist.txt

# One line per measurement: "file <path> <lines>" and "fn <path>:<name> <lines>" (functions over 50 lines).
measure() {
  find src -name '*.rs' -print | LC_ALL=C sort | while IFS= read -r f; do
    awk -v file="$f" '
      function indent_of(s) { match(s, /^ */); return RLENGTH }
      # The type an impl or trait line is about: `impl<T> fmt::Display for Foo<T> {` -> Foo.
      function type_of(s,    t, depth, i, c) {
        t = s
        sub(/^ *(pub(\([^)]*\))? +)?(unsafe +)?/, "", t)
        if (t ~ /^trait /) { sub(/^trait +/, "", t) }
        else {
          sub(/^impl/, "", t)
          if (substr(t, 1, 1) == "<") {          # drop the impl generics, nested <> included
            depth = 0
            for (i = 1; i <= length(t); i++) {
              c = substr(t, i, 1)
              if (c == "<") depth++
              else if (c == ">" && substr(t, i - 1, 1) != "-") { depth--; if (depth == 0) break }
            }
            t = substr(t, i + 1)
          }
          if (index(t, " for ") > 0) t = substr(t, index(t, " for ") + 5)
        }
        sub(/^ +/, "", t)
        sub(/^(dyn|&|mut|\x27[a-z_]+) */, "", t)
        match(t, /^[A-Za-z_][A-Za-z0-9_:]*/)
        t = substr(t, RSTART, RLENGTH)
        sub(/.*::/, "", t)
        return t
      }
      { line[NR] = $0 }
      END {
        # The trailing test modules: from the first `#[cfg(test)]` + `mod NAME {` at column 0 after
        # which no item starts at column 0 except further `#[cfg(test)]` modules, to the end of the file
        # (whose last non-blank line is `}`). Raw strings in tests may put `}` at column 0, so the end of
        # the module is not looked for.
        n = NR; last = n
        while (last > 0 && line[last] ~ /^[ \t]*$/) last--
        code_end = n
        for (i = 1; i < n && line[last] == "}"; i++) {
          if (line[i] != "#[cfg(test)]" || line[i + 1] !~ /^mod [a-z_0-9]+ \{$/) continue
          trailing = 1
          for (j = i + 2; j <= n; j++) {
            if (line[j] ~ /^(pub|fn|impl|struct|enum|const|static|type|trait|use|macro_rules|unsafe|extern)[ (<!]/ \
                || (line[j] ~ /^mod / && line[j - 1] != "#[cfg(test)]")) { trailing = 0; break }
          }
          if (trailing) code_end = i - 1
          break
        }
        print "file", file, code_end
        for (i = 1; i <= code_end; i++) {
          s = line[i]
          ind = indent_of(s)
          t = s; sub(/[ \t]+$/, "", t)
          if (t == sprintf("%*s}", ind, "") || t == sprintf("%*s},", ind, "")) {
            if (ind in fn_start && fn_body[ind]) {
              len = i - fn_start[ind] + 1
              if (len > 50) print "fn", file ":" fn_name[ind], len
              delete fn_start[ind]; delete fn_body[ind]; delete fn_name[ind]
            } else if (ind in owner) {
              delete owner[ind]
            }
            continue
          }
          # Pending signatures: the body opens at a line ending in `{`; a `;` first means no body.
          for (k in fn_start) {
            if (!fn_body[k] && i > fn_start[k]) {
              if (t ~ /\{$/) fn_body[k] = 1
              else if (t ~ /;$/) { delete fn_start[k]; delete fn_body[k]; delete fn_name[k] }
            }
          }
          if (s ~ /^ *(pub(\([^)]*\))? +)?((const|async|unsafe|default|extern +"[^"]*") +)*fn +[A-Za-z_][A-Za-z0-9_]*/) {
            name = s
            sub(/^.*fn +/, "", name)
            match(name, /^[A-Za-z_][A-Za-z0-9_]*/)
            name = substr(name, RSTART, RLENGTH)
            best = -1
            for (k in owner) if (k + 0 < ind && k + 0 > best) best = k + 0
            if (best >= 0) name = owner[best] "::" name
            if (t ~ /\}$/ || t ~ /;$/) continue   # one line, or a declaration without a body
            fn_start[ind] = i; fn_name[ind] = name; fn_body[ind] = (t ~ /\{$/)
            continue
          }
          if (s ~ /^ *(pub(\([^)]*\))? +)?(unsafe +)?(impl[< ]|trait )/ && t ~ /\{$/) {
            owner[ind] = type_of(s)
          }
        }
      }
    ' "$f"
  done
}

declare -A allowed=()
if [ -f "$ALLOW" ]; then
  while read -r key size _; do
    case "$key" in ''|'#'*) continue ;; esac
    allowed["$key"]=$size
  done < "$ALLOW"
fi

declare -A seen=()
fail=0
while read -r kind key size; do
  if [ "$kind" = file ]; then limit=$FILE_LIMIT; what="file"; else limit=$FN_LIMIT; what="function"; fi
  if [ "$LIST" = 1 ] && { [ "$kind" = file ] || [ "$size" -gt "$limit" ]; }; then
    echo "$key $size"
  fi
  [ "$size" -le "$limit" ] && continue
  if [ -n "${seen[$key]:-}" ]; then
    echo "size: $what $key appears twice (two functions of one name in one type?); rename one" >&2
    fail=1
  fi
  seen["$key"]=$size
  if [ -z "${allowed[$key]:-}" ]; then
    echo "size: $what $key is $size lines, over the limit of $limit (split it; see ARCHITECTURE.md, House rules)" >&2
    fail=1
  elif [ "$size" -gt "${allowed[$key]}" ]; then
    echo "size: $what $key grew to $size lines; the allowlist holds it at ${allowed[$key]} and it may only shrink" >&2
    fail=1
  elif [ "$size" -lt "${allowed[$key]}" ]; then
    echo "size: note: $key shrank to $size lines (allowlisted at ${allowed[$key]}); lower its line in $ALLOW"
  fi
done < <(measure)

for key in "${!allowed[@]}"; do
  if [ -z "${seen[$key]:-}" ]; then
    echo "size: note: $key is now within its limit (or gone): delete its line from $ALLOW"
  fi
done

if [ "$fail" = 1 ]; then
  echo "size check failed: files over $FILE_LIMIT lines or functions over $FN_LIMIT lines (see above)" >&2
  exit 1
fi
echo "size check passed (files <= $FILE_LIMIT lines, functions <= $FN_LIMIT lines, ${#allowed[@]} allowlisted)"
