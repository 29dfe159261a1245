# SPDX-License-Identifier: GPL-2.0
# Shared by every figure of `faultline report`: the two terminals, size,
# font and the look of axes. Set before it: out (file stem), data (the
# .dat file), fig_title; W and H (pixels) when a figure wants another size.
# A template draws inside
#   do for [fmt in "png svg"] { eval set_term(fmt); ...; set output }
# so that every figure exists as NAME.png and NAME.svg.
if (!exists("W")) W = 900
if (!exists("H")) H = 540
font = "DejaVu Sans,11"
# The look of axes, set again for each terminal: a template's legend-only
# panel (see legend_panel) turns borders and tics off.
style = "set border 3 lc rgb '#444444'; set tics nomirror out; " . \
	"set xtics autofreq; set ytics autofreq; " . \
	"set grid back lc rgb '#d8d8d8' lw 1 dt 1; " . \
	"set key opaque box lc rgb '#bbbbbb' samplen 2.5 spacing 1.1; " . \
	"set style fill solid 0.85 border lc rgb '#333333'; set title font ',12'"
set_term(fmt) = (fmt eq "png" ? \
	sprintf("set terminal pngcairo size %d,%d noenhanced font '%s' background rgb 'white'", W, H, font) : \
	sprintf("set terminal svg size %d,%d dynamic noenhanced font '%s' background rgb 'white'", W, H, font)) . \
	sprintf("; set output '%s.%s'; ", out, fmt) . style
# A legend under the panels of a multiplot, across the whole width, in
# the bottom @bmarg of the screen: eval it, then plot the key entries
# after "plot 2 notitle," (a plot needs one real item; 2 is off the axis).
legend_panel = "set origin 0, 0; set size 1, bmarg; unset border; unset tics; " . \
	"unset xlabel; unset ylabel; unset title; unset grid; unset logscale; " . \
	"set xrange [0:1]; set yrange [0:1]; set key center center horizontal reverse Left"
set datafile missing 'NaN'

# Verdict colours: the same in the A/B and trend figures and in index.html.
c_better = '#1A9850'
c_worse = '#D73027'
c_unchanged = '#8C8C8C'
c_noisy = '#F28E2B'
# Untrustworthy numbers (their validity says why), in every figure: crosses
# on runs and medians, hatching on bars. RP_UNTRUST_RGB in report.h.
c_untrust = '#7B3294'
# The hatching over an untrustworthy bar or interval (a macro: @hatch).
hatch = "fs transparent pattern 4 border lc rgb c_untrust lc rgb c_untrust lw 2"
# A key entry only when the figure has what it names: an empty title
# leaves the entry out.
key_if(have, s) = have ? s : ''
# Where a mark that is not drawn goes: beyond the fixed range of an axis,
# a valid point gnuplot leaves out. Not NaN: a plot whose points are all
# missing earns a warning. (Not on a time axis: there it crashes gnuplot.)
off = 1e30
