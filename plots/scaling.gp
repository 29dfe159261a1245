# SPDX-License-Identifier: GPL-2.0
# Scaling: faults/s and ops/s against threads, one line per series (median
# over repetitions, error bars min-max), dotted: linear scaling from the
# series' fewest threads. Untrustworthy runs are crosses at their own
# value; a median that includes one is hollow.
# Data: one block per series: threads, x (nudged apart), faults/s median,
# min, max, ops/s median, min, max, faults/s linear, ops/s linear, and
# whether the faults/s and ops/s medians include untrustworthy runs (1/0);
# then one block of untrustworthy runs: x, faults/s, ops/s, and whether
# each is spoiled (1/0).
# Variables: n, labels[n], colors[n], have_faults, have_bad, logx, xmin,
# xmax, f_div, f_unit, o_div, o_unit; bmarg (screen fraction under the
# panels, for the legend); ntics, tic_labels[ntics], tic_at[ntics] (the x
# tics, added one by one: a label is a value, never evaluated text).
do for [fmt in "png svg"] {
	eval set_term(fmt)
	panels = have_faults ? 2 : 1
	set multiplot title fig_title font ',13'
	set size 1.0 / panels, 1 - bmarg - 0.06
	set xlabel 'threads'
	set xtics ()
	do for [i=1:ntics] { set xtics add (tic_labels[i] tic_at[i]) }
	if (logx) { set logscale x 2 } else { unset logscale x }
	set xrange [xmin:xmax]
	set yrange [0:*]
	set ytics add ('0' 0)	# not "0k"
	unset key
	if (have_faults) {
		set origin 0, bmarg
		set title 'kernel-counted faults'
		set ylabel 'faults/s'
		set format y '%g' . f_unit
		plot for [i=1:n] data index i-1 using 2:($3/f_div):($4/f_div):($5/f_div) \
			with yerrorlines lc rgb colors[i] lw 2 pt 7 ps 1.1, \
		     for [i=1:n] data index i-1 using 1:($9/f_div) \
			with lines lc rgb colors[i] dt 3 lw 1.5, \
		     for [i=1:n] data index i-1 using ($11 > 0 ? $2 : off):($3/f_div) \
			with points lc rgb 'white' pt 7 ps 0.6, \
		     data index n using ($4 > 0 ? $1 : off):($2/f_div) \
			with points lc rgb c_untrust pt 2 ps 1.6 lw 2
	}
	set origin (have_faults ? 0.5 : 0), bmarg
	set title 'page touches'
	set ylabel 'ops/s'
	set format y '%g' . o_unit
	plot for [i=1:n] data index i-1 using 2:($6/o_div):($7/o_div):($8/o_div) \
		with yerrorlines lc rgb colors[i] lw 2 pt 7 ps 1.1, \
	     for [i=1:n] data index i-1 using 1:($10/o_div) \
		with lines lc rgb colors[i] dt 3 lw 1.5, \
	     for [i=1:n] data index i-1 using ($12 > 0 ? $2 : off):($6/o_div) \
		with points lc rgb 'white' pt 7 ps 0.6, \
	     data index n using ($5 > 0 ? $1 : off):($3/o_div) \
		with points lc rgb c_untrust pt 2 ps 1.6 lw 2
	eval legend_panel
	plot 2 notitle, \
	     for [i=1:n] keyentry with yerrorlines lc rgb colors[i] lw 2 pt 7 ps 1.1 title labels[i], \
	     keyentry with lines lc rgb '#555555' dt 3 lw 1.5 title 'linear from the fewest threads', \
	     keyentry with points lc rgb c_untrust pt 2 ps 1.6 lw 2 \
		title key_if(have_bad, 'untrustworthy run'), \
	     keyentry with points lc rgb '#555555' pt 6 ps 1.1 lw 2 \
		title key_if(have_bad, 'median includes untrustworthy runs')
	unset multiplot
	set output
}
