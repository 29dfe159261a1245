# SPDX-License-Identifier: GPL-2.0
# Latency spectrum: touch latency against percentile, one curve per series
# and NUMA node, from the latency histograms merged over repetitions. The
# x axis is 1/(1-p) on a log scale so the tail gets the room. A curve that
# merges untrustworthy runs has crosses at p50, p90, p99 and p99.9.
# Data: one block per curve: 1/(1-p), latency in ns; then one block of
# those crosses: 1/(1-p), latency in ns, 1 (0: a row not to draw).
# Variables: n, labels[n], colors[n], dashes[n], have_bad, xmax, ymin, ymax,
# ntics, tic_labels[ntics], tic_at[ntics].
do for [fmt in "png svg"] {
	eval set_term(fmt)
	set title fig_title
	set logscale xy
	set xrange [1:xmax]
	set yrange [ymin:ymax]
	# No tick at p = 0 (x = 1): it would sit on top of 50%.
	set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 1e4, \
		   '99.999%%' 1e5, '99.9999%%' 1e6, '99.99999%%' 1e7, '99.999999%%' 1e8)
	set mxtics 10
	set ytics ()
	do for [i=1:ntics] { set ytics add (tic_labels[i] tic_at[i]) }
	set mytics 10
	set xlabel 'percentile (log scale of 1/(1-p))'
	set ylabel 'latency per touch (log scale)'
	set key top left reverse Left
	plot for [i=1:n] data index i-1 using 1:2 with steps lc rgb colors[i] dt dashes[i] lw 2 \
		title labels[i], \
	     data index n using ($3 > 0 ? $1 : off):2 with points lc rgb c_untrust pt 2 ps 1.6 lw 2 \
		title key_if(have_bad, 'untrustworthy runs merged in')
	set output
}
