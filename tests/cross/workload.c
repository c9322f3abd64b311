// SPDX-License-Identifier: GPL-2.0
/*
 * workload.c - events of known values for the tracepoint case of the
 * cross-architecture guests (tests/cross/guest.sh runs `ktap probe.kpc
 * -- workload`): 5 forks, writes of 1..5 bytes to fd 42, and 3 SIGUSR1
 * sent with raise() (si_code SI_TKILL, -6: a negative 32-bit field).
 * probe.kp counts them from sched_process_fork (a string and 32-bit
 * fields), sys_enter_write (64-bit ones) and signal_generate, and must
 * print the same on every architecture, byte order and widths being right.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	static const char bytes[5] = "abcde";
	int i, out = open("/dev/null", O_WRONLY);

	if (out < 0 || dup2(out, 42) < 0) {
		perror("workload: /dev/null on fd 42");
		return 1;
	}
	for (i = 1; i <= 5; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p < 0 || waitpid(p, NULL, 0) != p ||
		    write(42, bytes, (size_t)i) != i) {
			perror("workload");
			return 1;
		}
	}
	signal(SIGUSR1, on_usr1);
	for (i = 0; i < 3; i++)
		raise(SIGUSR1);
	return 0;
}
