/* parent-dbus-proxy.h: xdg-dbus-proxy, a process of the parent's: started, waited for, stopped. */
#ifndef DROP_PARENT_DBUS_PROXY_H
#define DROP_PARENT_DBUS_PROXY_H

#include "gui-plan.h"
#include "log.h"

/* The fd the proxy gets its end of the sync pipe on (its --fd=N, in the plan's proxy_argv). */
#define PROXY_SYNC_FD 3

/* Start xdg-dbus-proxy if the plan needs it (proxy_argv) and wait (5 s at most) until its socket accepts connections. */
int dbus_proxy_start(struct gui_plan *plan, struct drop_err *err);
/* Kill and reap the proxy; safe to call twice and on a plan that never started. */
void dbus_proxy_stop(struct gui_plan *plan);

#endif
