# SPDX-License-Identifier: GPL-2.0
# Per NUMA node: fault rate and p99 touch latency, one bar per series in
# each node's group (median over repetitions, error bars min-max); a bar
# whose median includes an untrustworthy run is hatched.
# Data: one block per series: x, node, rate median, min, max, p99 median,
# min, max (ns), rate label, p99 label, rate and p99 untrustworthy (1/0).
# Variables: n, labels[n], colors[n], bw, xmin, xmax, rate_what, rate_div,
# rate_unit, have_p99, have_bad, lat_div, lat_unit; bmarg (screen fraction
# under the panels, for the legend); ntics, tic_labels[ntics],
# tic_at[ntics] (the x tics).
do for [fmt in "png svg"] {
	eval set_term(fmt)
	set multiplot title fig_title font ',13'
	set size (have_p99 ? 0.5 : 1), 1 - bmarg - 0.06
	set xtics ()
	do for [i=1:ntics] { set xtics add (tic_labels[i] tic_at[i]) }
	set xtics scale 0
	set xrange [xmin:xmax]
	set yrange [0:*]
	set offsets 0, 0, graph 0.12, 0
	unset key
	set origin 0, bmarg
	set title rate_what . ' per node'
	set ylabel rate_what
	set format y '%g' . rate_unit
	set ytics add ('0' 0)	# not "0k"
	plot for [i=1:n] data index i-1 using 1:($3/rate_div):($4/rate_div):($5/rate_div):(bw) \
		with boxerrorbars lc rgb colors[i], \
	     for [i=1:n] data index i-1 using ($11 > 0 ? $1 : off):($3/rate_div):(bw) with boxes \
		@hatch, \
	     for [i=1:n] data index i-1 using 1:($5/rate_div):9 with labels \
		offset 0, 0.7 font ',9'
	if (have_p99) {
		set origin 0.5, bmarg
		set title 'p99 touch latency per node'
		set ylabel 'p99 latency (' . lat_unit . ')'
		set format y '%g'
		set ytics autofreq
		plot for [i=1:n] data index i-1 using 1:($6/lat_div):($7/lat_div):($8/lat_div):(bw) \
			with boxerrorbars lc rgb colors[i], \
		     for [i=1:n] data index i-1 using ($12 > 0 ? $1 : off):($6/lat_div):(bw) with boxes \
			@hatch, \
		     for [i=1:n] data index i-1 using 1:($8/lat_div):10 with labels \
			offset 0, 0.7 font ',9'
	}
	eval legend_panel
	set offsets 0, 0, 0, 0
	plot 2 notitle, for [i=1:n] keyentry with boxes lc rgb colors[i] title labels[i], \
	     keyentry with boxes @hatch \
		title key_if(have_bad, 'untrustworthy runs in the median')
	unset multiplot
	set output
}
