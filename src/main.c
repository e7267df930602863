/* main.c - only dispatches to the commands (git's commands[] table). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "e2e-config.h"
#include "e2e-vcs.h"
#include "exitcode.h"
#include "banned.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "perf-profile", cmd_perf_profile, "record the latency of every HTTP request a test suite makes" },
	{ "perf-report", cmd_perf_report, "report, compare against a baseline and gate on regressions" },
	{ "perf-ab", cmd_perf_ab, "compare two builds on one runner, interleaved in ABBA order" },
	{ "perf-replay", cmd_perf_replay, "replay a recorded run's traffic as open-model load" },
	{ "mark", cmd_mark, "tell perf-profile that a test of a shell suite started or ended" },
	{ "push", cmd_push, "upload local runs to the team store (PostgreSQL)" },
	{ "store", cmd_store, "create or migrate the team store: 'e2e store init'" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: e2e [--version] [--help] <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nSee 'e2e help <command>' or 'man e2e-<command>' for a command's options.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return E2E_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return E2E_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		if (E2E_VCS_COMMIT[0])
			printf("e2e %s (git %s)\n", E2E_VERSION, E2E_VCS_COMMIT);
		else
			printf("e2e %s\n", E2E_VERSION);
		return E2E_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return E2E_EXIT_OK;
		}
		c = find(argv[2]);
		if (!c) {
			fprintf(stderr, "e2e: unknown command '%s'\n", argv[2]);
			return E2E_EXIT_USAGE;
		}
		char *help_argv[] = { argv[2], "--help", NULL };
		return c->fn(2, help_argv);
	}
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "e2e: unknown command '%s'\n", argv[1]);
		fprintf(stderr, "Try 'e2e --help' for the list of commands.\n");
		return E2E_EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
