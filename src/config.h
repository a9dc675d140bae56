/* config.h: the configuration model: every key of SPEC 3.2, with origins, merge and validation. */
#ifndef DROP_CONFIG_H
#define DROP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "proxy-rules.h"

/* One entry per (section, key) of SPEC 3.2. The order is show-config's order. */
enum cfg_key {
	CFG_DROP_INCLUDE,
	CFG_FS_MOUNT,
	CFG_FS_BLOCK,
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
	CFG_GUI_X11,
	CFG_GUI_WAYLAND,
	CFG_GUI_AUDIO,
	CFG_GUI_GPU,
	CFG_GUI_DBUS,
	CFG_GUI_DBUS_TALK,
	CFG_GUI_DBUS_OWN,
	CFG_KEY_COUNT
};

/* Where a value came from: a file and line, or "command line" with line 0. */
struct cfg_entry {
	char *value;  /* owned, exactly as written (after trimming) */
	char *file;   /* owned */
	unsigned line;
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
};

struct cfg_key_info {
	const char *section;
	const char *name;
	bool is_list;
};
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

enum net_mode { NET_ISOLATED = 0, NET_OFF = 1, NET_HOST = 2, NET_FILTERED = 3 };
enum dbus_mode { DBUS_NONE = 0, DBUS_FILTERED = 1, DBUS_SESSION = 2 };

/* One [fs] mount, "~" expanded. */
struct mount_req {
	char *src;
	char *dst;
	bool rw;
	const struct cfg_entry *origin;  /* borrowed from the config */
};

/* A port forward: [HOST_IP/][HOST_PORT:]SANDBOX_PORT for publish, HOST_PORT[:SANDBOX_PORT] for host. */
struct port_req {
	char *host_ip;        /* NULL: default (127.0.0.1 for publish) */
	uint16_t host_port;
	uint16_t sandbox_port;
	bool is_auto;         /* "auto" (host lists only) */
};

struct port_list {
	struct port_req *v;
	size_t n;
};

struct drop_settings {
	struct mount_req *mounts;
	size_t n_mounts;
	char **blocks;                 /* NULL-terminated, expanded */
	enum net_mode net;
	struct port_list tcp_publish, udp_publish, tcp_host, udp_host;
	struct proxy_settings proxy;   /* filtered: [net] allow and proxy_port */
	uint64_t memory;               /* bytes, 0 = unset */
	uint64_t pids;                 /* 0 = unset */
	uint64_t cpus_milli;           /* 0 = unset */
	uint64_t timeout_ms;           /* 0 = none */
	uint64_t max_output;           /* bytes, 0 = unset */
	bool seccomp;                  /* default true */
	char **seccomp_allow;          /* NULL-terminated, names or numbers as written */
	char **seccomp_deny;
	bool userns;
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

#endif
