# SPDX-License-Identifier: GPL-2.0
# A/B: CUR/BASE ratio of each metric's median with its confidence
# interval, coloured by the compare verdict; the grey band is the
# unchanged threshold. The axis is clipped to clip_lo..clip_hi: a metric
# beyond it sits at the edge with an arrow outwards and its true ratio in
# its label. Untrustworthy metrics (not judged) are hollow and hatched.
# Data: row, ratio, interval low, high (as drawn, clipped), colour
# (0xRRGGBB), "label", "change text", label x, clipped (-1 below the
# axis, 1 above, 0 on it), arrow dx, untrustworthy (1/0), true ratio,
# hatch low, high.
# Variables: n, threshold (fraction), band_lo, band_hi, clip_lo, clip_hi,
# threshold_str, xmin, xmax, xlabel_str, have_bad, have_other, have_clip,
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
	set object 1 rect from band_lo, graph 0 to band_hi, graph 1 \
		fc rgb '#eeeeee' fs solid noborder behind
	set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb '#555555'
	# The clipped axis' edges, where the arrows start, when on the axis.
	if (clip_lo > xmin) {
		set arrow 2 from clip_lo, graph 0 to clip_lo, graph 1 nohead dt 3 lc rgb '#999999'
	}
	if (clip_hi < xmax) {
		set arrow 3 from clip_hi, graph 0 to clip_hi, graph 1 nohead dt 3 lc rgb '#999999'
	}
	unset key
	# Rows without a mark go to y = -off, off the fixed row axis.
	plot data using 2:($11 > 0 ? $1 : -off):13:14:($11 > 0 ? $1 - 0.32 : -off):($11 > 0 ? $1 + 0.32 : -off) \
		with boxxyerror \
		@hatch, \
	     data using 2:1:3:4:5:ytic(6) with xerrorbars lc rgb variable pt 7 ps 1.3 lw 1.5, \
	     data using 2:($11 > 0 ? $1 : -off) with points lc rgb 'white' pt 7 ps 0.7, \
	     data using 2:($9 != 0 ? $1 : -off):10:(0):5 with vectors head filled size screen 0.012, 25 \
		lc rgb variable lw 2, \
	     data using 8:1:7 with labels left offset 1, 0 font ',9'
	unset object 1
	unset arrow 1
	unset arrow 2
	unset arrow 3
	unset logscale x
	set format x '% h'
	eval legend_panel
	plot 2 notitle, \
	     keyentry with points pt 7 ps 1.3 lc rgb c_better title 'better', \
	     keyentry with points pt 7 ps 1.3 lc rgb c_worse title 'worse', \
	     keyentry with points pt 7 ps 1.3 lc rgb c_unchanged title 'unchanged', \
	     keyentry with points pt 7 ps 1.3 lc rgb c_noisy title 'noisy', \
	     keyentry with boxes @hatch \
		title key_if(have_bad, 'untrustworthy'), \
	     keyentry with points pt 7 ps 1.3 lc rgb '#000000' \
		title key_if(have_other, 'other verdict'), \
	     keyentry with vectors head filled lc rgb '#555555' lw 2 \
		title key_if(have_clip, 'beyond the axis (label: true ratio)'), \
	     keyentry with boxes fc rgb '#eeeeee' fs solid title threshold_str
	unset multiplot
	set output
}
