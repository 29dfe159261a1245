# SPDX-License-Identifier: GPL-2.0
# Helpers for shell tests: TAP output, expected exit codes and messages,
# and scratch directories and mounts that are always cleaned up.

: "${FAULTLINE:?run through tests/run-tests, which sets FAULTLINE}"
tap_n=0
tap_failed=0
# Never go on without it: every path below would start at /.
scratch=$(mktemp -d /tmp/faultline-test.XXXXXX) && [ -d "$scratch" ] || exit 1
mounts=()

cleanup() {
	local m
	for m in "${mounts[@]}"; do umount "$m" || umount -l "$m"; done
	rm -rf "$scratch"
}
trap cleanup EXIT

ok() {	# ok CONDITION-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=1
	fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

diag() { echo "# $*"; }

# expect EXIT-CODE MESSAGE-REGEX DESCRIPTION -- command...
# Runs the command; passes when the exit code matches and stderr matches.
expect() {
	local code=$1 re=$2 desc=$3; shift 4
	local err=$scratch/stderr st
	"$@" >"$scratch/stdout" 2>"$err"
	st=$?
	if [ "$st" -eq "$code" ] && grep -Eq -- "$re" "$err"; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		diag "exit $st (want $code); stderr: $(head -c 400 "$err")"
	fi
}

# tmpfs_dir OPTIONS: mount a tmpfs at a fresh directory, named in $mnt;
# unmounted at exit. Not in $(...): the mount list must stay in this shell.
tmpfs_dir() {
	mnt=$scratch/mnt.$RANDOM$RANDOM
	mkdir -p "$mnt"
	mount -t tmpfs -o "$1" faultline-test "$mnt" 2>/dev/null || return 1
	mounts+=("$mnt")
}

# ran CODE: true for 0, and for 5 (it ran; a result is marked
# untrustworthy): tests of what a run does, not of whether to trust it.
ran() { [ "$1" -eq 0 ] || [ "$1" -eq 5 ]; }

# alive PID: PID runs. A zombie does not: an orphan's, which init here
# may be slow to reap, would pass kill -0.
alive() { [ -e "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# jqv JQ-ARGS...: true when the jq filter holds (exit status only).
jqv() { jq -e "$@" >/dev/null 2>&1; }

# validate FILE: checks FILE against results/schema.json.
validate() {
	python3 "$FL_TESTS/validate-result.py" "$1"
}

# need_guest DESCRIPTION: skip the rest unless QEMU guests can be booted
# here (the tools, and the Debian 6.1 kernel fetched into the cache).
need_guest() {
	local tool
	once_per_make_test "$1"
	for tool in qemu-system-x86_64 busybox cpio mkfs.ext4 debugfs; do
		if ! command -v $tool >/dev/null; then
			skip "$1" "$tool missing (harness/install-deps.sh kernels)"
			done_testing
		fi
	done
	if ! "$FL_TESTS/../kernels/fetch.sh" debian-6.1 >/dev/null 2>"$scratch/fetch.err"; then
		skip "$1" "cannot fetch the kernel: $(tail -n 1 "$scratch/fetch.err")"
		done_testing
	fi
}

# once_per_make_test DESCRIPTION: skip the rest in the sanitizer pass.
# For tests whose time goes to guests under TCG or to waiting on signals
# and timeouts, not to the C code the sanitizers watch: they run in full
# with the plain build, once per make test.
once_per_make_test() {
	case $FAULTLINE in
	*/build-san/faultline)
		skip "$1" "it runs once per make test, with the plain build's tests"
		done_testing ;;
	esac
}

done_testing() {
	echo "1..$tap_n"
	exit $tap_failed
}
