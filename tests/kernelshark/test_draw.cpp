// SPDX-License-Identifier: GPL-2.0
/*
 * test_draw.cpp - the draw handler of plugin-ktap.so, without a screen.
 *
 *	test_draw PLUGIN TRACE.dat SCRIPT
 *
 * Loads the trace with the plugin as test_kshark.c does, builds
 * KernelShark's visualization model (ksmodel_*) and a KsPlot::Graph for
 * each CPU and for some tasks, calls the stream's draw handlers as the
 * GUI does and counts the shapes they add: one box per interval whose
 * stop event is on the graph and overlaps the visible range, one mark (at
 * most one per bin and label) per mark.  Nothing is drawn: shapes only
 * need OpenGL when they are painted.
 */
#include <dlfcn.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>
#include <string>

#include <libkshark.h>
#include <libkshark-tepdata.h>
#include <KsPlugins.hpp>

#include "../../plugins/kernelshark/ktap_kshark.h"

static int nfailed;

static void check(const std::string &name, bool cond, const std::string &why)
{
	if (cond) {
		printf("ok %s\n", name.c_str());
	} else {
		nfailed++;
		printf("not ok %s: %s\n", name.c_str(), why.c_str());
	}
}

struct Counts {
	int boxes = 0, marks = 0;
	bool ordered = true;	/* each box starts left of where it ends */
};

/* Run the stream's draw handlers for one graph. */
static Counts draw(kshark_data_stream *stream, kshark_trace_histo *histo,
		   int val, int action)
{
	KsPlot::ColorTable colors;
	KsPlot::Graph graph(histo, &colors, &colors);
	KsPlot::PlotObjList shapes;
	KsCppArgV argv = {histo, &graph, &shapes};
	Counts c;

	/* lays the bins out (the label's width and the margins) as the GUI does */
	ksplot_font font = {};	/* not loaded: that needs OpenGL */

	graph.setLabelAppearance(&font, KsPlot::Color(), 40, 10);
	graph.setHeight(40);
	graph.setBase(100);
	for (kshark_draw_handler *h = stream->draw_handlers; h; h = h->next)
		h->draw_func(argv.toC(), stream->stream_id, val, action);
	for (KsPlot::PlotObject *s : shapes) {
		LatencyBox *box = dynamic_cast<LatencyBox *>(s);

		if (box) {
			c.boxes++;
			if (box->pointX(0) >= box->pointX(2))
				c.ordered = false;
		} else {
			c.marks++;
		}
		delete s;
	}
	return c;
}

/* What should be drawn on one graph, from the results. */
static Counts expected(const struct ktap_kshark_results *r,
		       const kshark_trace_histo *histo, int val, bool cpu)
{
	std::set<std::pair<int64_t, int64_t>> bins;	/* label, bin */
	Counts c;

	auto on = [&](const kshark_entry *e) {
		return (cpu ? e->cpu : e->pid) == val;
	};
	for (ssize_t i = 0; i < r->stops->size; i++) {
		const kshark_entry *a = r->starts->data[i]->entry;
		const kshark_entry *b = r->stops->data[i]->entry;

		if (on(b) && b->ts >= histo->min && a->ts <= histo->max)
			c.boxes++;
	}
	for (ssize_t i = 0; i < r->marks->size; i++) {
		const kshark_entry *e = r->marks->data[i]->entry;

		if (on(e) && e->ts >= histo->min && e->ts <= histo->max)
			bins.insert({r->marks->data[i]->field,
				     (e->ts - histo->min) / histo->bin_size});
	}
	c.marks = bins.size();
	return c;
}

int main(int argc, char **argv)
{
	kshark_context *ctx = nullptr;

	if (argc != 4) {
		fprintf(stderr, "usage: test_draw PLUGIN TRACE.dat SCRIPT\n");
		return 2;
	}
	setenv("KTAP_KS_SCRIPT", argv[3], 1);
	if (!kshark_instance(&ctx))
		return 2;
	int top = kshark_open(ctx, argv[2]);
	if (top < 0) {
		check("draw/open", false, std::string("cannot open ") + argv[2]);
		return 1;
	}
	kshark_tep_init_all_buffers(ctx, top);
	kshark_plugin_list *plugin = kshark_register_plugin(ctx, "ktap", argv[1]);
	auto results = (const struct ktap_kshark_results *(*)(int))
		dlsym(plugin ? plugin->handle : nullptr, "ktap_kshark_results");
	if (!results) {
		check("draw/plugin", false, std::string("cannot load ") + argv[1]);
		return 1;
	}

	/* the stream with the most entries */
	int *sds = kshark_all_streams(ctx);
	kshark_data_stream *stream = nullptr;
	kshark_entry **rows = nullptr;
	ssize_t nrows = 0;

	for (int i = 0; i < ctx->n_streams; i++) {
		kshark_data_stream *st = kshark_get_data_stream(ctx, sds[i]);
		kshark_entry **r = nullptr;
		ssize_t n;

		kshark_register_plugin_to_stream(st, plugin->process_interface,
						 true);
		kshark_handle_all_dpis(st, KSHARK_PLUGIN_INIT);
		n = kshark_load_entries(ctx, sds[i], &r);
		if (n > nrows) {
			std::swap(r, rows);
			std::swap(n, nrows);
			stream = st;
		}
		for (ssize_t j = 0; j < n; j++)
			free(r[j]);
		free(r);
	}
	free(sds);
	const struct ktap_kshark_results *r = stream ? results(stream->stream_id) : nullptr;
	if (!r || !r->ran || r->failed || !r->stops->size || !r->marks->size) {
		check("draw/results", false, "the script recorded no intervals and marks");
		return 1;
	}

	kshark_trace_histo histo;
	int64_t first = rows[0]->ts, last = rows[nrows - 1]->ts;

	ksmodel_init(&histo);
	for (int zoom = 0; zoom < 2; zoom++) {
		/* everything, then the middle third */
		int64_t span = last - first;
		int64_t lo = zoom ? first + span / 3 : first;
		int64_t hi = zoom ? first + 2 * span / 3 : last;
		const char *range = zoom ? "zoomed" : "all";

		ksmodel_set_bining(&histo, 2000, lo, hi);
		ksmodel_fill(&histo, rows, nrows);
		for (int cpu = 0; cpu < stream->n_cpus; cpu++) {
			Counts got = draw(stream, &histo, cpu, KSHARK_CPU_DRAW);
			Counts want = expected(r, &histo, cpu, true);
			std::string name = std::string("draw/") + range +
					   "/cpu" + std::to_string(cpu);
			char why[128];

			snprintf(why, sizeof(why), "%d boxes, %d marks; expected %d and %d",
				 got.boxes, got.marks, want.boxes, want.marks);
			check(name, got.boxes == want.boxes &&
			      got.marks == want.marks && got.ordered &&
			      (zoom || got.boxes > 0), why);
		}
		/* the graph of each task that has a mark or an interval end */
		std::set<int> pids;
		for (ssize_t i = 0; i < r->stops->size; i++)
			pids.insert(r->stops->data[i]->entry->pid);
		for (ssize_t i = 0; i < r->marks->size; i++)
			pids.insert(r->marks->data[i]->entry->pid);
		int bad = 0, boxes = 0;
		for (int pid : pids) {
			Counts got = draw(stream, &histo, pid, KSHARK_TASK_DRAW);
			Counts want = expected(r, &histo, pid, false);

			boxes += got.boxes;
			if (got.boxes != want.boxes || got.marks != want.marks)
				bad = pid;
		}
		check(std::string("draw/") + range + "/tasks",
		      !bad && (zoom || boxes == r->stops->size),
		      "task " + std::to_string(bad) + " or " +
		      std::to_string(boxes) + " boxes");
	}
	/* the virtual-machine combos are not ours */
	Counts other = draw(stream, &histo, 0, KSHARK_HOST_DRAW);
	check("draw/other-graphs", !other.boxes && !other.marks,
	      "shapes on a host/guest graph");

	ksmodel_clear(&histo);
	for (ssize_t i = 0; i < nrows; i++)
		free(rows[i]);
	free(rows);
	kshark_close_all(ctx);
	kshark_free(ctx);
	return nfailed != 0;
}
