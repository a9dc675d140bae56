/* report.h: the JSON run report of --report FILE (SPEC 6): the record, its encoding, the atomic write. */
#ifndef DROP_REPORT_H
#define DROP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

/*
 * How the run ended:
 *   EXITED     the program exited by itself (exit_code set)
 *   SIGNALED   the program died by a signal nobody in drop sent for a limit
 *   TIMED_OUT  [limits] timeout ended it (drop exits 124)
 *   OOM_KILLED the cgroup's OOM killer killed a process (memory.events oom_kill)
 *   KILLED     drop tore the sandbox down for another reason (drop itself was
 *              signaled, or pid 1 vanished without a status)
 *   ERROR      drop failed; the program never started (error set)
 */
enum report_status {
	REPORT_EXITED,
	REPORT_SIGNALED,
	REPORT_TIMED_OUT,
	REPORT_OOM_KILLED,
	REPORT_KILLED,
	REPORT_ERROR,
};

/* The limits in force; 0 means "unset" and is written as null. */
struct report_limits {
	uint64_t memory;          /* bytes */
	uint64_t pids;
	uint64_t cpus_milli;      /* 1500 is written as 1.5 */
	uint64_t timeout_ms;
	uint64_t max_output;      /* bytes */
	const char *mechanism;    /* "cgroup2", "rlimit" or "none"; NULL is "none" */
	const char *const *unenforced;  /* NULL-terminated names skipped under best effort; NULL = none */
};

/* A destination the filtered network's proxy refused, and how often (SPEC 6). */
struct report_denial {
	const char *host;              /* a canonical name or an address */
	unsigned port;
	uint64_t count;
};

/* With filtered networking only: written as the "network" object. */
struct report_network {
	bool filtered;
	uint64_t allowed;              /* connections the proxy made */
	const struct report_denial *denied;
	size_t n_denied;
};

/*
 * Everything is borrowed; the caller keeps ownership. Optional numbers carry
 * a has_* flag: without it the field is written as null.
 */
struct run_report {
	const char *env;               /* NULL -> null (e.g. the id could not be resolved) */
	char *const *argv;             /* NULL-terminated; NULL -> [] */
	enum report_status status;
	bool has_exit_code;
	int exit_code;                 /* the program's, or drop's own status for ERROR */
	int signal;                    /* 0 -> null */
	uint64_t duration_ms;          /* drop's start to the end of the run */
	uint64_t startup_ms;           /* drop's start to the program's start (or to the failure) */
	bool has_peak_memory;
	uint64_t peak_memory_bytes;    /* the cgroup's memory.peak; null without cgroup2 */
	bool stdout_truncated;
	bool stderr_truncated;
	struct report_limits limits;
	const char *error;             /* NULL -> null; the message without "drop: " */
	struct report_network network; /* written only when filtered */
};

const char *report_status_name(enum report_status s);

/*
 * The report as one JSON object followed by a newline, malloc'd, NUL-terminated.
 * Strings are escaped: '"', '\\' and every control character below 0x20 as
 * \u00XX; valid UTF-8 passes through; each byte of an invalid UTF-8 sequence
 * becomes U+FFFD (written \ufffd), so the output is always valid UTF-8 JSON.
 * NULL on ENOMEM.
 */
char *report_to_json(const struct run_report *r);

/*
 * Check before anything starts that path can receive a report: its directory
 * exists and accepts a new file (a real probe, so permissions, read-only file
 * systems and full disks show up), and path is not a directory or other
 * non-regular file. Fails with "cannot write report PATH: why; what to do".
 */
int report_check_path(const char *path, struct drop_err *err);

/*
 * Write the report atomically: a temp file in the same directory, renamed
 * over path (no fsync: see report.c). A reader sees the old file or the
 * whole new one, never a part. An existing file keeps its mode; a new one gets
 * 0666 & ~umask. No temp file is left behind on failure.
 */
int report_write(const char *path, const struct run_report *r, struct drop_err *err);

#endif
