# SPDX-License-Identifier: GPL-2.0
# A/B: CUR/BASE ratio of each metric's median with its confidence
# interval, coloured by the compare verdict; the grey band is the
# unchanged threshold.
# Data: row, ratio, interval low, high, colour (0xRRGGBB), "label",
# "change text".
# Variables: n, threshold (fraction), threshold_str, xmin, xmax, xlabel_str,
# bmarg (screen fraction under the plot, for the legend).
do for [fmt in "png svg"] {
	eval set_term(fmt)
	set multiplot title fig_title font ',13'
	set origin 0, bmarg
	set size 1, 1 - bmarg - 0.04
	set yrange [n + 0.7:0.3]
	set logscale x 2
	set format x '%gx'
	set xrange [xmin:xmax]
	set ytics scale 0
	unset grid
	set grid xtics
	set xlabel xlabel_str
	set object 1 rect from 1 - threshold, graph 0 to 1 + threshold, graph 1 \
		fc rgb '#eeeeee' fs solid noborder behind
	set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb '#555555'
	unset key
	plot data using 2:1:3:4:5:ytic(6) with xerrorbars lc rgb variable pt 7 ps 1.3 lw 1.5, \
	     data using 4:1:7 with labels left offset 1, 0 font ',9'
	unset object 1
	unset arrow 1
	unset logscale x
	set format x '% h'
	eval legend_panel
	plot 2 notitle, \
	     keyentry with points pt 7 ps 1.3 lc rgb c_better title 'better', \
	     keyentry with points pt 7 ps 1.3 lc rgb c_worse title 'worse', \
	     keyentry with points pt 7 ps 1.3 lc rgb c_unchanged title 'unchanged', \
	     keyentry with points pt 7 ps 1.3 lc rgb c_noisy title 'noisy', \
	     keyentry with boxes fc rgb '#eeeeee' fs solid title threshold_str
	unset multiplot
	set output
}
