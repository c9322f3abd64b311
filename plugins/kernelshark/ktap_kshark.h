/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap_kshark.h - what plugin-ktap.so, the KernelShark plugin that runs a
 * ktap script over the loaded trace, keeps per data stream, and the one C
 * function it exports besides the KernelShark entry points, for tests and
 * for other tools that load it (dlsym "ktap_kshark_results").
 *
 * Documentation/kernelshark.md describes the plugin and the script API.
 */
#ifndef KTAP_KSHARK_H
#define KTAP_KSHARK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kshark_data_container;
struct kshark_entry;
struct kshark_cpp_argv;

/*
 * The results of the script on one stream.  The containers hold pointers
 * to the stream's kshark entries, in the time order of the events that
 * made them (the order the script ran in):
 *
 *	marks		one item per kshark.mark(): the event flagged;
 *			field = label id (0: no label)
 *	starts, stops	one item per interval closed by kshark.stop(), both
 *			at the same index: starts[i] is the event that called
 *			kshark.start(), field = label id; stops[i] the event
 *			that called kshark.stop(), field = the duration in ns
 *			(the difference of the two records' timestamps)
 *
 * An interval belongs to the stream of its stop event.  Label ids index
 * labels[] from 1: labels[id - 1] (shared by the streams of a recording).
 */
struct ktap_kshark_results {
	int ran;		/* the script has run over the loaded events */
	int failed;		/* ...and stopped with an error */
	const char *error;	/* the error, "" if none */
	const char *script;	/* the script's path */
	struct kshark_data_container *marks;
	struct kshark_data_container *starts;
	struct kshark_data_container *stops;
	int nlabels;
	const char *const *labels;
	long open;		/* intervals of the recording never stopped */
	long events;		/* events of this stream given to the script */
};

/*
 * The results for data stream @sd, running the script first if it has
 * not run since the entries were loaded.  NULL when the plugin is not
 * active on @sd (no script, or it did not compile).
 */
__attribute__((visibility("default")))
const struct ktap_kshark_results *ktap_kshark_results(int sd);

/* ------------------------------------------------ inside the plugin */

/* The draw handler (ktap_draw.cpp). */
void ktap_kshark_draw(struct kshark_cpp_argv *argv, int sd, int val,
		      int draw_action);

/* Set by kshark_plugin_menu_initializer(): KernelShark's main window. */
extern void *ktap_kshark_gui;

#ifdef __cplusplus
}
#endif

#endif /* KTAP_KSHARK_H */
