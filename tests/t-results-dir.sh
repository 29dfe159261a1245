#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Issue 14 R3: two ./run.sh started in the same second never share a
# results directory; a name already taken (even by a symlink) is skipped.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)

# run.sh builds and runs build/faultline: only that build's pass tests it.
if [ "$FAULTLINE" != "$root/build/faultline" ]; then
	skip "run.sh results directories" "run.sh uses build/, not $(dirname "$FAULTLINE")"
	done_testing
fi
# The same second for every run: date gives one fixed stamp for the
# results name and stays itself for anything else.
stamp=t14-$$-$RANDOM
mkdir "$scratch/bin"
cat >"$scratch/bin/date" <<EOF2
#!/bin/sh
[ "\$1" = "+%Y%m%d-%H%M%S" ] && { echo $stamp; exit 0; }
exec /bin/date "\$@"
EOF2
chmod +x "$scratch/bin/date"
results_cleanup() { rm -rf "$root/results/$stamp"*; cleanup; }
trap results_cleanup EXIT
name=$stamp-$(uname -r)-$(hostname -s)

# A bad run option fails right after the results directory is made: cheap.
# (An unknown suite is refused before: no directory at all.)
for i in 1 2; do
	PATH=$scratch/bin:$PATH "$root/run.sh" --suite quick -- --no-such-option >"$scratch/run$i.out" 2>&1 &
	pids+=($!)
done
sts=()
for p in "${pids[@]}"; do wait "$p"; sts+=($?); done
dirs=$(cd "$root/results" && ls -d "$stamp"* | sort | tr '\n' ' ')
[ "$dirs" = "$name $name.2 " ]
ok $? "R3: two run.sh in the same second get two results directories ($dirs)"
[ "${sts[*]}" = "2 2" ] && grep -q 'unknown option --no-such-option' "$scratch/run1.out" &&
	grep -q 'unknown option --no-such-option' "$scratch/run2.out"
ok $? "R3: each run went on in its own directory (exits ${sts[*]})"

# A name that exists as a symlink is not followed: the run takes the next.
rm -rf "$root/results/$stamp"*
mkdir "$scratch/victim"
ln -s "$scratch/victim" "$root/results/$name"
PATH=$scratch/bin:$PATH "$root/run.sh" --suite quick -- --no-such-option >"$scratch/run3.out" 2>&1
[ -d "$root/results/$name.2" ] && [ -L "$root/results/$name" ] && [ -z "$(ls -A "$scratch/victim")" ]
ok $? "R3: a symlink at the results name is skipped, its target left empty"
done_testing
