# SPDX-License-Identifier: GPL-2.0
# Sourced first by run.sh, harness/nightly.sh and kernels/*.sh: the stop
# signals (INT, TERM, HUP) are trapped from the start; a child started
# with fl_run gets each one passed on and is waited for, and the script
# then ends with exit 4 (interrupted) through fl_stop_check, as faultline
# does. A child runs in a session of its own, so a terminal's Ctrl-C
# reaches it once, through us, and never races our own handling of it.
fl_stopped=		# the stop signal received, if any
fl_child=		# the child that stop signals are passed to
fl_group=		# set: to the child's whole process group (fl_run_group)

fl_on_stop() {
	fl_stopped=$1
	[ -z "$fl_child" ] || kill -s "$1" -- "${fl_group:+-}$fl_child" 2>/dev/null
}
trap 'fl_on_stop INT' INT
trap 'fl_on_stop TERM' TERM
trap 'fl_on_stop HUP' HUP

# fl_run COMMAND...: run COMMAND as the child stop signals go to; its exit
# status (4 without starting it when a stop signal came before). setsid
# execs in place here: an asynchronous child of a script is no process
# group leader. A faultline child stops (SIGTERM) when this shell dies,
# even by SIGKILL: FAULTLINE_PARENT names us (cli/main.c).
fl_run() {
	local st
	[ -z "$fl_stopped" ] || return 4
	# An asynchronous child ignores SIGINT unless told otherwise (bash,
	# without job control): INT must reach it as TERM and HUP do.
	( trap - INT QUIT; FAULTLINE_PARENT=$$ exec setsid "$@" ) <&0 &
	fl_child=$!
	# A trap ends wait early; wait again until the child has really ended.
	wait "$fl_child"
	st=$?
	while kill -0 "$fl_child" 2>/dev/null; do
		wait "$fl_child"
		st=$?
	done
	fl_child=
	return $st
}

# fl_run_group COMMAND...: fl_run, with stop signals passed to the child's
# whole process group: for a pipeline or a tool that does not pass them on
# to its own children (make and its compilers, apt-get and its methods).
fl_run_group() {
	local st
	fl_group=1
	fl_run "$@"
	st=$?
	fl_group=
	return $st
}

# fl_stop_check NAME: exit 4 with a message when a stop signal came.
fl_stop_check() {
	[ -z "$fl_stopped" ] && return 0
	echo "$1: interrupted by SIG$fl_stopped" >&2
	exit 4
}
