# SPDX-License-Identifier: GPL-2.0
# Nightly trend: each metric over time against its baseline band (the
# baseline's min-max and median), points coloured by the night's verdict;
# a cross on an untrustworthy night.
# Data: one block per panel: time (epoch s), median, baseline median, min,
# max (in the panel's unit), colour (0xRRGGBB), untrustworthy (1/0).
# Variables: np, ptitles[np], pylabels[np], pfmts[np], rows, cols, tmin, tmax,
# xfmt, have_bad, have_other, bmarg (screen fraction under the panels, for
# the legend).
do for [fmt in "png svg"] {
	eval set_term(fmt)
	set multiplot title fig_title font ',13'
	ph = (1 - bmarg - 0.06) / rows
	set xdata time
	set timefmt '%s'
	set format x xfmt
	set xrange [tmin:tmax]
	set xtics rotate by -30
	set offsets 0, 0, graph 0.05, graph 0.05
	unset key
	do for [k=1:np] {
		set size 1.0 / cols, ph
		set origin ((k - 1) % cols) * 1.0 / cols, bmarg + (rows - 1 - (k - 1) / cols) * ph
		set title ptitles[k] font ',11'
		set ylabel pylabels[k]
		set format y pfmts[k]
		plot data index k-1 using 1:4:5 with filledcurves fc rgb '#c6dbef' fs solid 0.7, \
		     data index k-1 using 1:3 with lines dt 2 lc rgb '#3a6f9f', \
		     data index k-1 using 1:2 with lines lc rgb '#9a9a9a', \
		     data index k-1 using 1:2:6 with points pt 7 ps 1.2 lc rgb variable, \
		     data index k-1 using ($7 > 0 ? $1 : 2 * tmax - tmin):2 with points pt 2 ps 2 lw 2 \
			lc rgb c_untrust
	}
	unset xdata
	eval legend_panel
	plot 2 notitle, \
	     keyentry with filledcurves fc rgb '#c6dbef' fs solid 0.7 title 'baseline min-max', \
	     keyentry with lines dt 2 lc rgb '#3a6f9f' title 'baseline median', \
	     keyentry with points pt 7 ps 1.2 lc rgb c_better title 'better', \
	     keyentry with points pt 7 ps 1.2 lc rgb c_worse title 'worse', \
	     keyentry with points pt 7 ps 1.2 lc rgb c_unchanged title 'unchanged', \
	     keyentry with points pt 7 ps 1.2 lc rgb c_noisy title 'noisy', \
	     keyentry with points pt 2 ps 2 lw 2 lc rgb c_untrust \
		title key_if(have_bad, 'untrustworthy'), \
	     keyentry with points pt 7 ps 1.2 lc rgb '#000000' \
		title key_if(have_other, 'other verdict')
	unset multiplot
	set output
}
