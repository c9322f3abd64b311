/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tasks.h - the process id and command name of the threads that live
 * events come from.
 *
 * Ftrace records carry only the thread id.  The table learns the rest in
 * event order from task:task_newtask, task:task_rename and
 * sched:sched_process_exec (as perf does from its COMM and FORK records),
 * and asks /proc for threads it first meets in other events.  So a
 * process that has exited by the time its events are read keeps the name
 * it had, and events from before an exec keep the old name.
 */
#ifndef KTAP_CMD_TASKS_H
#define KTAP_CMD_TASKS_H

#include <event-parse.h>

struct tasks;

/* A table; NULL if out of memory. */
struct tasks *tasks_new(void);
void tasks_free(struct tasks *t);

/* The events the table learns from, to enable beside the script's. */
extern const char *const tasks_events[][2];
#define TASKS_NEVENTS	3

/*
 * Learn from @rec, of event type @id, if it is one of tasks_events
 * (parsed into @tep); anything else is ignored.  Call for every record,
 * in order.
 */
void tasks_learn(struct tasks *t, struct tep_handle *tep,
		 struct tep_record *rec, int id);

/* The process id and command of thread @tid; @comm is never NULL. */
void tasks_lookup(struct tasks *t, int tid, int *pid, const char **comm);

#endif /* KTAP_CMD_TASKS_H */
