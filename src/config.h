/* config.h: the configuration model: every key of SPEC 3.2, typed values with origins, merge, the resolved settings. */
#ifndef DROP_CONFIG_H
#define DROP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "proxy-rules.h"
#include "util.h"

/*
 * One entry per (section, key) of SPEC 3.2, naming a row of config.c's key
 * table. The order is show-config's order.
 */
enum cfg_key {
	CFG_DROP_INCLUDE,
	CFG_DROP_CWD,
	CFG_FS_MOUNT,
	CFG_FS_BLOCK,
	CFG_FS_GIT,
	CFG_ENV_EXPOSE,
	CFG_ENV_SET,
	CFG_NET_MODE,
	CFG_NET_ALLOW,
	CFG_NET_PROXY_PORT,
	CFG_NET_TCP_PUBLISH,
	CFG_NET_UDP_PUBLISH,
	CFG_NET_TCP_HOST,
	CFG_NET_UDP_HOST,
	CFG_LIMITS_MEMORY,
	CFG_LIMITS_PIDS,
	CFG_LIMITS_CPUS,
	CFG_LIMITS_TIMEOUT,
	CFG_LIMITS_MAX_OUTPUT,
	CFG_SECURITY_SECCOMP,
	CFG_SECURITY_SECCOMP_ALLOW,
	CFG_SECURITY_SECCOMP_DENY,
	CFG_SECURITY_USERNS,
	CFG_SECURITY_TERMINAL,
	CFG_GUI_X11,
	CFG_GUI_WAYLAND,
	CFG_GUI_AUDIO,
	CFG_GUI_GPU,
	CFG_GUI_DBUS,
	CFG_GUI_DBUS_TALK,
	CFG_GUI_DBUS_OWN,
	CFG_KEY_COUNT
};

enum net_mode { NET_ISOLATED = 0, NET_OFF = 1, NET_HOST = 2, NET_FILTERED = 3 };
enum dbus_mode { DBUS_NONE = 0, DBUS_FILTERED = 1, DBUS_SESSION = 2 };
enum git_mode { GIT_RO = 0, GIT_SAFE = 1, GIT_RW = 2 };
enum cwd_mode { CWD_NO = 0, CWD_RO = 1, CWD_RW = 2 };

/* An [fs] mount spec as written: dst is NULL when it names no destination; "~" not expanded. */
struct cfg_mount {
	char *src;
	char *dst;
	bool rw;
	bool opt;  /* "opt": a missing source is skipped silently */
};

/* A port forward: [HOST_IP/][HOST_PORT:]SANDBOX_PORT for publish, HOST_PORT[:SANDBOX_PORT] for host. */
struct port_req {
	char *host_ip;        /* NULL: default (127.0.0.1 for publish) */
	uint16_t host_port;
	uint16_t sandbox_port;
	bool is_auto;         /* "auto" (host lists only) */
};

/* A value as parsed once, when it was read; the key's kind says which member holds it. */
union cfg_typed {
	uint64_t num;            /* size (bytes), duration (ms), count, cpus (thousandths) */
	int choice;              /* yes/no and the other word lists: the chosen word's value */
	struct cfg_mount mount;  /* owned */
	struct port_req port;    /* owned */
	struct allow_entry allow;
};

/* One value with where it came from: a file and line, or "command line" with line 0. */
struct cfg_entry {
	char *value;  /* owned, exactly as written (after trimming): what show-config prints */
	char *file;   /* owned */
	unsigned line;
	union cfg_typed as;
};

struct cfg_values {
	struct cfg_entry *v;  /* owned array */
	size_t n;
};

/*
 * Every key is stored as the ordered list of its values with their origins:
 * lists use all of them, scalars the last one (last wins). Merging is appending.
 * notes collects what -v prints (a scalar repeated in one file, ignored port
 * entries); its entries' value is the message text.
 */
struct drop_config {
	struct cfg_values key[CFG_KEY_COUNT];
	struct cfg_values notes;
	struct strv files;  /* every file read, includes too, as opened: drop protects them from the sandbox */
};

/* drop run's flag for a key: a short option letter or 0, a long name, and a line of help. */
struct cfg_flag {
	int letter;
	const char *name;
	const char *metavar;   /* "SPEC", "SIZE"... */
	const char *help;      /* one line for drop --help */
};

/* What the rest of drop sees of a row of the key table (config.c). */
struct cfg_key_info {
	const char *section;
	const char *name;
	bool is_list;
	const struct cfg_flag *flag;  /* NULL: no command-line flag */
};
/* The row of k, NULL past the table. */
const struct cfg_key_info *cfg_key_info(enum cfg_key k);
/*
 * Key lookup for the loader, show-config and lints. Unknown names fail with a
 * message that suggests the closest valid one: "unknown key 'mout' in [fs], did
 * you mean 'mount'?", "unknown section [netw], did you mean [net]?".
 */
int cfg_section_check(const char *section, struct drop_err *err);
int cfg_key_find(const char *section, const char *name, enum cfg_key *out, struct drop_err *err);

/* Context for loading: how to expand "~/" in include paths. */
struct cfg_load_ctx {
	const char *home;
};

void config_init(struct drop_config *c);
void config_free(struct drop_config *c);

/*
 * Load one file (and its includes, processed where they appear) and append its
 * values to c. Errors: "FILE:LINE: message" in err->msg with status 0.
 */
int config_load_file(struct drop_config *c, const char *path, const struct cfg_load_ctx *ctx,
		     struct drop_err *err);
/* Same, from memory (tests, fuzzing); name is used as FILE, includes resolve against dir_of(name). */
int config_load_string(struct drop_config *c, const char *name, const char *text, size_t len,
		       const struct cfg_load_ctx *ctx, struct drop_err *err);

/* Append one validated value (command-line flags use file "command line", line 0). */
int config_add(struct drop_config *c, enum cfg_key k, const char *value, const char *file,
	       unsigned line, struct drop_err *err);

/* Append a note; its value is the whole message, "FILE:LINE: " prefix included. */
int config_add_note(struct drop_config *c, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Move every value and note of src to the end of dst (src is left empty). -1 on ENOMEM. */
int config_merge(struct drop_config *dst, struct drop_config *src);

/* Last value of a key, or NULL. */
const struct cfg_entry *config_last(const struct drop_config *c, enum cfg_key k);

/* ---- the resolved, typed view used by run ---- */

/* One [fs] mount, "~" expanded. */
struct mount_req {
	char *src;
	char *dst;
	bool rw;
	bool opt;
	const struct cfg_entry *origin;  /* borrowed from the config */
};

/* With --net filtered the proxy relays each tcp_host port itself; this many at most. */
#define FILTERED_MAX_FORWARDS 32

struct port_list {
	struct port_req *v;
	size_t n;
};

/* What drop run uses: config_resolve fills each field from the key table's row that names it. */
struct drop_settings {
	enum cwd_mode cwd;             /* the current directory's mount, already in mounts */
	struct mount_req *mounts;
	size_t n_mounts;
	char **blocks;                 /* NULL-terminated, expanded */
	enum git_mode git;             /* .git in read-write mounts; default ro */
	enum net_mode net;
	struct proxy_settings proxy;   /* filtered: [net] allow, and proxy_port (default 3128) */
	uint64_t proxy_port;           /* [net] proxy_port as written, 0 = unset */
	struct port_list tcp_publish, udp_publish, tcp_host, udp_host;
	uint64_t memory;               /* bytes, 0 = unset */
	uint64_t pids;                 /* 0 = unset */
	uint64_t cpus_milli;           /* 0 = unset */
	uint64_t timeout_ms;           /* 0 = none */
	uint64_t max_output;           /* bytes, 0 = unset */
	bool seccomp;                  /* default true */
	char **seccomp_allow;          /* NULL-terminated, names or numbers as written */
	char **seccomp_deny;
	bool userns;
	bool terminal_raw;             /* [security] terminal = raw: no filter of the host terminal's output */
	bool x11, wayland, audio, gpu;
	enum dbus_mode dbus;
	char **dbus_talk, **dbus_own;
};

/*
 * Turn a merged config into settings. home expands "~/". Port entries that
 * came from files are dropped (with a note) when the mode is not isolated;
 * port entries from the command line ("command line" origin) with a
 * non-isolated mode are an error. Errors are "FILE:LINE: message".
 */
int config_resolve(struct drop_config *c, const char *home, struct drop_settings *s,
		   struct drop_err *err);
void settings_free(struct drop_settings *s);

#define CFG_ORIGIN_CMDLINE "command line"
/* The origin of the mount that [drop] cwd adds (SPEC 2.3). */
#define CFG_ORIGIN_CWD "[drop] cwd"

#endif
