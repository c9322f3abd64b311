// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - `ktap record` and `ktap --perf-record-args`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live.h"
#include "probes.h"
#include "record.h"

#define MAX_ARGS	4096

struct argv_b {
	char *v[MAX_ARGS];
	int n;
};

static int push(struct argv_b *a, const char *s)
{
	if (a->n + 1 >= MAX_ARGS)
		return -1;
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
	return 0;
}

int record_run(struct ktap_session *s, const char *output, char *const *cmd,
	       char *err, size_t errlen)
{
	struct argv_b a = { .n = 0 };
	struct probes *p;
	struct probes_event e;
	char *names[MAX_ARGS / 4];
	int i, n, status = -1;
	pid_t pid;

	if (live_mount_tracefs(err, errlen))
		return -1;
	p = probes_resolve(s, err, errlen);
	if (!p)
		return -1;
	n = probes_count(p);
	if (!n) {
		snprintf(err, errlen, "the script traces no events: nothing to record");
		goto out;
	}
	if (probes_create(p, err, errlen))
		goto out;
	push(&a, "trace-cmd");
	push(&a, "record");
	push(&a, "-o");
	push(&a, output);
	for (i = 0; i < n && i < (int)(sizeof(names) / sizeof(*names)); i++) {
		probes_get(p, i, &e);
		names[i] = NULL;
		if (asprintf(&names[i], "%s:%s", e.system, e.event) < 0 ||
		    push(&a, "-e") || push(&a, names[i]) ||
		    (e.filter && (push(&a, "-f") || push(&a, e.filter)))) {
			snprintf(err, errlen, "too many events for one trace-cmd command line");
			n = i + 1;
			goto free_names;
		}
	}
	if (cmd) {
		/* the command and its children only */
		push(&a, "-F");
		push(&a, "-c");
		for (; *cmd; cmd++)
			push(&a, *cmd);
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execvp(a.v[0], a.v);
		fprintf(stderr, "ktap: cannot run trace-cmd: %s\n",
			strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		snprintf(err, errlen, "cannot run trace-cmd: %s", strerror(errno));
		goto free_names;
	}
	/* Ctrl-C is trace-cmd's to stop the recording; ktap cleans up after */
	signal(SIGINT, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	signal(SIGINT, SIG_DFL);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
free_names:
	for (i = 0; i < n; i++)
		free(names[i]);
out:
	probes_free(p);
	return status;
}

/* perf probe's names for what ktap would make: "probe_ls:main__return" */
static void perf_probe_hint(const struct probes_event *e, FILE *out,
			    const char *sep)
{
	const char *name = e->name, *colon, *base;
	char path[4096];
	int ret = strstr(name, "%return") != NULL;

	if (!strncmp(name, "probe:/", 7)) {
		colon = strrchr(name, ':');
		snprintf(path, sizeof(path), "%.*s", (int)(colon - name - 6),
			 name + 6);
		base = strrchr(path, '/') + 1;
		fprintf(stderr, "ktap: first: perf probe -x %s '%s'\n", path,
			colon + 1);
		fprintf(out, "%s-e 'probe_%.*s:%.*s%s'", sep, (int)strcspn(base, "."),
			base, (int)strcspn(colon + 1, "%"), colon + 1,
			ret ? "__return" : "");
	} else if (!strncmp(name, "sdt:", 4)) {
		fprintf(stderr, "ktap: first: perf buildid-cache --add %.*s; perf probe 'sdt_%s'\n",
			(int)(strchr(name + 4, ':') - name - 4), name + 4,
			strchr(name + 4, ':') + 1);
		fprintf(out, "%s-e 'sdt_%s'", sep, strchr(name + 4, ':') + 1);
	} else {
		fprintf(stderr, "ktap: first: perf probe '%s'\n", name + 6);
		fprintf(out, "%s-e 'probe:%.*s%s'", sep, (int)strcspn(name + 6, "%"),
			name + 6, ret ? "__return" : "");
	}
}

int record_perf_args(struct ktap_session *s, FILE *out, char *err,
		     size_t errlen)
{
	struct probes *p;
	struct probes_event e;
	uint32_t i;
	int k, any = 0;

	if (live_mount_tracefs(err, errlen))
		return -1;
	p = probes_resolve(s, err, errlen);
	if (!p)
		return -1;
	for (k = 0; probes_get(p, k, &e) == 0; k++) {
		if (e.def) {
			perf_probe_hint(&e, out, any ? " " : "");
		} else {
			fprintf(out, "%s-e %s:%s", any ? " " : "", e.system,
				e.event);
			if (e.filter)
				fprintf(out, " --filter '%s'", e.filter);
		}
		any = 1;
	}
	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *pr = ktap_session_probe(s, i);

		if (pr->kind == KTAP_PROBE_PROFILE) {
			fprintf(out, "%s-e cpu-clock -c %llu", any ? " " : "",
				(unsigned long long)pr->period_ns);
			any = 1;
		}
	}
	if (ktap_session_uses(s, "stack") || ktap_session_uses(s, "ustack"))
		fprintf(out, "%s-g", any ? " " : "");
	fputc('\n', out);
	probes_free(p);
	return 0;
}
