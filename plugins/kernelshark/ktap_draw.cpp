// SPDX-License-Identifier: GPL-2.0
/*
 * ktap_draw.cpp - how plugin-ktap.so draws the script's results on
 * KernelShark's graphs (libkshark-plot, KsPlotTools), as KernelShark's own
 * missed_events and latency_plot plugins do:
 *
 * - a mark: a vertical line with a triangle on top, at the flagged event,
 *   on the graph of its CPU and on the graph of its task;
 * - an interval: a hollow box from the start event to the stop event, on
 *   the graphs (CPU and task) of the stop event.
 *
 * The colour says the label: no label is red, then one colour per label
 * in the order the script first used them (nine colours, in turn).  The
 * label's text is written beside a mark, or above a box, where it fits
 * before the next mark or within the box.  A double click on a mark puts
 * KernelShark's marker A on its event; on a box, marker A on the start
 * and B on the stop event, so the GUI shows the interval's length.
 */
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include <KsCmakeDef.hpp>
#include <KsPlugins.hpp>
#include <KsPlotTools.hpp>

#include "ktap_kshark.h"

/*
 * In KernelShark's libkshark-gui (KsPluginsGUI.hpp); weak so that the
 * plugin also loads where there is no GUI (tests, other libkshark users).
 */
extern void markEntryA(void *ks_ptr, const kshark_entry *e)
	__attribute__((weak));
extern void markEntryB(void *ks_ptr, const kshark_entry *e)
	__attribute__((weak));

namespace {

KsPlot::Color labelColor(int64_t label)
{
	static const uint8_t palette[][3] = {
		{220,  20,  20},	/* no label */
		{ 30,  80, 220},
		{ 20, 150,  40},
		{240, 140,   0},
		{180,  30, 180},
		{  0, 160, 180},
		{140,  80,  20},
		{110, 120,   0},
		{ 70,  70,  70},
		{250,  90, 150},
	};
	const size_t n = sizeof(palette) / sizeof(palette[0]);
	size_t i = label <= 0 ? 0 : 1 + (size_t)(label - 1) % (n - 1);

	return KsPlot::Color(palette[i][0], palette[i][1], palette[i][2]);
}

/*
 * The font of the labels, loaded the first time a label is painted (that
 * needs KernelShark's OpenGL context, current only while painting);
 * NULL if it cannot be loaded.
 */
ksplot_font *labelFont()
{
	static ksplot_font font;
	static bool tried;

	if (!tried) {
		tried = true;
		ksplot_init_font(&font, 12, TT_FONT_FILE);
	}
	return ksplot_font_is_loaded(&font) ? &font : nullptr;
}

int textWidth(const ksplot_font *f, const std::string &text)
{
	float w = 0;

	for (unsigned char c : text) {
		if (c < KS_SPACE_CHAR || c > KS_TILDA_CHAR)
			c = '?';
		w += f->cdata[c - KS_SPACE_CHAR].xadvance;
	}
	return (int)w + 1;
}

/* Write @text with its left end at @x, its baseline at @y, if it fits in @room. */
void drawLabel(const std::string &text, int x, int y, int room,
	       const KsPlot::Color &col)
{
	ksplot_font *f;
	std::string t;

	if (text.empty() || room <= 0 || !(f = labelFont()))
		return;
	for (unsigned char c : text)
		t += c < KS_SPACE_CHAR || c > KS_TILDA_CHAR ? '?' : (char)c;
	if (textWidth(f, t) > room)
		return;
	ksplot_print_text(f, col.color_c_ptr(), x, y, t.c_str());
}

/* A mark: a line up from the graph's base, a triangle pointing at it. */
class KtapMark : public KsPlot::PlotObject {
public:
	KsPlot::Point	_base;
	int		_height;
	const kshark_entry *_entry;
	std::string	_label;
	int		_room;		/* pixels free right of the mark */

	double distance(int x, int y) const override
	{
		int top = _base.y() - _height - 6;
		int dy = y < top ? top - y : y > _base.y() ? y - _base.y() : 0;

		return std::abs(x - _base.x()) + dy;
	}

private:
	void _draw(const KsPlot::Color &col, float size) const override
	{
		KsPlot::Point top(_base.x(), _base.y() - _height);
		KsPlot::Triangle t;
		int w = 3 + (int)size;

		KsPlot::drawLine(_base, top, col, size);
		t.setPoint(0, top.x() - w, top.y() - 2 * w);
		t.setPoint(1, top.x() + w, top.y() - 2 * w);
		t.setPoint(2, top.x(), top.y());
		t.setFill(true);
		t._color = col;
		t._size = size;
		t.draw();
		drawLabel(_label, top.x() + w + 2, top.y(), _room - w - 4, col);
	}

	void _doubleClick() const override
	{
		if (markEntryA && ktap_kshark_gui)
			markEntryA(ktap_kshark_gui, _entry);
	}
};

/* An interval: KernelShark's latency box, markers A and B on a click. */
class KtapBox : public LatencyBox {
public:
	std::string	_label;

private:
	void _draw(const KsPlot::Color &col, float size) const override
	{
		/* what Polygon::_draw() does for a hollow box (it is private) */
		ksplot_draw_polygon_contour(_points, _nPoints, col.color_c_ptr(),
					    size);
		drawLabel(_label, pointX(0) + 3, pointY(0) - 3,
			  pointX(2) - pointX(0) - 4, col);
	}

	void _doubleClick() const override
	{
		if (!markEntryA || !markEntryB || !ktap_kshark_gui ||
		    _data.size() < 2)
			return;
		markEntryA(ktap_kshark_gui, _data[0]->entry);
		markEntryB(ktap_kshark_gui, _data[1]->entry);
	}
};

std::string labelText(const struct ktap_kshark_results *r, int64_t id)
{
	return id >= 1 && id <= r->nlabels ? r->labels[id - 1] : "";
}

/* The bin of time @ts, clamped to the visible range. */
int binOf(const kshark_trace_histo *h, int64_t ts)
{
	int64_t b;

	if (ts <= h->min)
		return 0;
	b = (ts - h->min) / h->bin_size;
	return b >= h->n_bins ? h->n_bins - 1 : (int)b;
}

/* The first item of @c at or after time @ts (the items are in time order). */
ssize_t firstAt(const kshark_data_container *c, int64_t ts)
{
	auto end = c->data + c->size;
	auto it = std::lower_bound(c->data, end, ts,
		[](const kshark_data_field_int64 *d, int64_t t) {
			return d->entry->ts < t;
		});

	return it - c->data;
}

} // namespace

void ktap_kshark_draw(kshark_cpp_argv *argv_c, int sd, int val,
		      int draw_action)
{
	KsCppArgV *argv = KS_ARGV_TO_CPP(argv_c);
	const struct ktap_kshark_results *r;
	kshark_trace_histo *histo = argv->_histo;
	const KsPlot::Graph *graph = argv->_graph;
	bool cpu = draw_action & KSHARK_CPU_DRAW;

	if (!(draw_action & (KSHARK_CPU_DRAW | KSHARK_TASK_DRAW)) ||
	    !histo || !graph || histo->n_bins <= 0 || histo->bin_size <= 0)
		return;
	r = ktap_kshark_results(sd);
	if (!r)
		return;

	auto onGraph = [&](const kshark_entry *e) {
		return (cpu ? e->cpu : e->pid) == val &&
		       (e->visible & KS_GRAPH_VIEW_FILTER_MASK);
	};

	/* intervals, under the marks */
	for (ssize_t i = firstAt(r->stops, histo->min);
	     i < r->stops->size && i < r->starts->size; i++) {
		kshark_data_field_int64 *start = r->starts->data[i];
		kshark_data_field_int64 *stop = r->stops->data[i];

		if (start->entry->ts > histo->max || !onGraph(stop->entry))
			continue;

		KsPlot::Point p0 = graph->bin(binOf(histo, start->entry->ts))._base;
		KsPlot::Point p1 = graph->bin(binOf(histo, stop->entry->ts))._base;
		int height = graph->height() * .3;
		KtapBox *box = new KtapBox;

		if (p1.x() <= p0.x())
			p1.setX(p0.x() + 1);
		box->_data = {start, stop};
		box->setFill(false);
		box->setPoint(0, p0.x() - 1, p0.y() - height);
		box->setPoint(1, p0.x() - 1, p0.y() - 1);
		box->setPoint(2, p1.x() - 1, p1.y() - 1);
		box->setPoint(3, p1.x() - 1, p1.y() - height);
		box->_color = labelColor(start->field);
		box->_label = labelText(r, start->field);
		box->_size = 2;
		argv->_shapes->push_front(box);
	}

	/* marks: one per bin and label */
	std::unordered_map<int64_t, int> lastBin;
	std::vector<KtapMark *> marks;

	for (ssize_t i = firstAt(r->marks, histo->min); i < r->marks->size;
	     i++) {
		kshark_data_field_int64 *m = r->marks->data[i];

		if (m->entry->ts > histo->max)
			break;
		if (!onGraph(m->entry))
			continue;

		int bin = binOf(histo, m->entry->ts);
		auto last = lastBin.find(m->field);

		if (last != lastBin.end() && last->second == bin)
			continue;
		lastBin[m->field] = bin;

		KtapMark *mark = new KtapMark;

		mark->_base = graph->bin(bin)._base;
		mark->_height = graph->height() * .6;
		mark->_entry = m->entry;
		mark->_color = labelColor(m->field);
		mark->_label = labelText(r, m->field);
		mark->_size = 1.5;
		argv->_shapes->push_front(mark);
		marks.push_back(mark);
	}
	/* a label may use the room up to the next mark */
	for (size_t i = 0; i < marks.size(); i++) {
		int end = i + 1 < marks.size() ? marks[i + 1]->_base.x() :
			  graph->bin(histo->n_bins - 1)._base.x();

		marks[i]->_room = end - marks[i]->_base.x();
	}
}
