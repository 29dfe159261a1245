/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report's figures, one line each, in the order the report shows them:
 * FIGURE(ID, kind, scope, title, about). A kind is drawn by rp_fig_KIND()
 * in fig_KIND.c from the template KIND.gp; scope "config" draws it once per
 * workload configuration (rp_fig_KIND(r, c)), "report" once (rp_fig_KIND(r)).
 * The title and about head its section of the report. No include guard:
 * each includer defines FIGURE.
 */
FIGURE(SCALING, scaling, config, "Scaling",
	"Throughput against threads: the median over repetitions, bars from min to max, dotted lines: linear scaling from the fewest threads. Purple crosses: untrustworthy runs at their own value; a hollow point: a median that includes one.")
FIGURE(LATENCY, latency, config, "Latency spectrum",
	"Latency per page touch against percentile, both on log scales, from the latency histograms merged over repetitions; per NUMA node where there are several. Purple crosses on a curve: it merges untrustworthy runs.")
FIGURE(NODES, nodes, config, "Per NUMA node",
	"Each node's fault rate and p99 touch latency: the median over repetitions, bars from min to max; hatched: the median includes untrustworthy runs.")
FIGURE(LOCKS, locks, config, "Lock contention",
	"Kernel lock wait per run (BPF collectors), stacked by lock name and type, per series and NUMA node of the waiting CPU; hatched: runs with untrustworthy lock data.")
FIGURE(AB, ab, report, "A/B comparison",
	"CUR/BASE ratio of each metric's median with its confidence interval, coloured by the compare verdict: green better, red worse, grey unchanged, orange noisy, purple hatched untrustworthy (not judged), black a verdict this report does not know. The axis is clipped: a metric beyond it sits at the edge with an arrow and its true ratio.")
FIGURE(TREND, trend, report, "Nightly trend",
	"Each metric night by night against the baseline's min-max band (blue) and median (dashed), points coloured by verdict; a purple cross: an untrustworthy night.")
