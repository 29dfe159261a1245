# SPDX-License-Identifier: GPL-2.0
# Lock contention: wait time per run, one stacked bar per series and NUMA
# node, one segment per lock (name and type; the rest as "other"); the
# bars of runs with untrustworthy lock data are hatched.
# Data: one block per lock: x, bottom, top (in yunit); then one block of
# bar totals: x, total, label, untrustworthy (1/0).
# Variables: nl, locks[nl], lcolors[nl], bw, have_bad, xmin, xmax, yunit;
# ntics, tic_labels[ntics], tic_at[ntics] (the x tics);
# ng, glabels[ng], gx[ng]: series names under their group of bars (ng 0:
# the bar labels name the series).
do for [fmt in "png svg"] {
	eval set_term(fmt)
	set title fig_title
	set xtics ()
	do for [i=1:ntics] { set xtics add (tic_labels[i] tic_at[i]) }
	set xtics scale 0
	set xrange [xmin:xmax]
	set yrange [0:*]
	set offsets 0, 0, graph 0.08, 0
	set ylabel 'lock wait per run (' . yunit . ')'
	set key outside right top vertical Left reverse width 2 title 'lock (type)'
	set bmargin 4	# two-line bar labels
	do for [g=1:ng] {
		set label 100 + g glabels[g] at first gx[g], graph 0 center offset 0, -2.6
	}
	plot for [k=1:nl] data index k-1 using 1:(($2+$3)/2):($1-bw/2):($1+bw/2):2:3 \
		with boxxyerror lc rgb lcolors[k] fs solid 0.9 border lc rgb '#333333' \
		title locks[k], \
	     data index nl using ($4 > 0 ? $1 : off):2:(bw) with boxes \
		@hatch \
		title key_if(have_bad, 'untrustworthy'), \
	     data index nl using 1:2:3 with labels offset 0, 0.7 font ',9' notitle
	set output
}
