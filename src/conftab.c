/* SPDX-License-Identifier: ISC */
/*
 * The keyword table: each keyword of okd.conf declared once, with its type,
 * limits, default, effect on reload and where it is stored.  confset.c sets
 * values by type, confprint.c prints them, config.c reads the lines.
 */

#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include "conftab.h"
#include "log.h"
#include "srctable.h"

#define FIELD(f)	.off = offsetof(struct config, f), \
			.size = sizeof(((struct config *)0)->f)
#define FIELD2(f, g)	FIELD(f), .off2 = offsetof(struct config, g)
#define DAY_MS		(24 * 3600 * 1000)
#define HOUR_MS		(3600 * 1000)

#define NEW_CONNECTIONS	"applies it to new connections"
#define NEW_CHILDREN	"applies it to the supervisor and to new children"

static const struct config_choice ack_choices[] = {
	{ "read", ACK_READ }, { "line", ACK_LINE }, { NULL, 0 }
};
static const struct config_choice level_choices[] = {
	{ "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "notice", LOG_NOTICE },
	{ "warning", LOG_WARNING }, { "error", LOG_ERR }, { NULL, 0 }
};
static const struct config_choice target_choices[] = {
	{ "auto", LOG_TARGET_AUTO }, { "stderr", LOG_TARGET_STDERR },
	{ "syslog", LOG_TARGET_SYSLOG }, { "journal", LOG_TARGET_JOURNAL },
	{ NULL, 0 }
};
static const struct config_choice overload_choices[] = {
	{ "close", OVERLOAD_CLOSE }, { "defer", OVERLOAD_DEFER }, { NULL, 0 }
};
static const struct config_choice sandbox_choices[] = {
	{ "on", SANDBOX_USE_ON }, { "strict", SANDBOX_USE_STRICT },
	{ "filter", SANDBOX_USE_FILTER }, { "off", SANDBOX_USE_OFF },
	{ NULL, 0 }
};
static const struct config_choice peer_choices[] = {
	{ "full", LOG_PEER_FULL }, { "prefix", LOG_PEER_PREFIX },
	{ "none", LOG_PEER_NONE }, { NULL, 0 }
};
static const struct config_choice yesno_choices[] = {
	{ "yes", 1 }, { "no", 0 }, { NULL, 0 }
};

/* In the order okd -T prints them. */
static const struct config_keyword table[] = {
	{ .name = "listen", .type = CONFIG_LISTEN, .repeat = 1,
	  .max = CONFIG_MAX_LISTEN, .dflt = "127.0.0.1:8001",
	  .reload = "opens the new addresses and closes the dropped ones" },
	{ .name = "backlog", .type = CONFIG_NUMBER, .min = 1, .max = 65535,
	  .dflt = "5", FIELD(backlog),
	  .reload = "applies a new backlog to every socket okd bound, old and "
	  "new" },
	{ .name = "max-children", .type = CONFIG_NUMBER, .min = 1,
	  .max = CONFIG_MAX_CHILDREN, .dflt = "256", FIELD(max_children),
	  .reload = "applies the new limit to new connections" },
	{ .name = "idle-timeout", .type = CONFIG_DURATION, .min = 1,
	  .max = DAY_MS, .dflt = "10s", FIELD(idle_timeout_ms),
	  .reload = NEW_CONNECTIONS },
	{ .name = "send-timeout", .type = CONFIG_DURATION, .min = 1,
	  .max = DAY_MS, .dflt = "10s", FIELD(send_timeout_ms),
	  .reload = NEW_CONNECTIONS },
	{ .name = "recv-buffer", .type = CONFIG_SIZE, .min = 1,
	  .max = RECV_BUFFER_MAX, .dflt = "1024", FIELD(recv_buffer),
	  .reload = NEW_CONNECTIONS },
	{ .name = "reply", .type = CONFIG_BYTES, .dflt = "\"OK\"",
	  FIELD2(reply, reply_len), .reload = NEW_CONNECTIONS },
	{ .name = "ack", .type = CONFIG_CHOICE, .choices = ack_choices,
	  .dflt = "read", FIELD(ack), .reload = NEW_CONNECTIONS },
	{ .name = "shutdown-grace", .type = CONFIG_DURATION, .min = 0,
	  .max = HOUR_MS, .dflt = "5s", FIELD(shutdown_grace_ms),
	  .reload = "applies it to the next shutdown" },
	{ .name = "pidfile", .type = CONFIG_PATH, .dflt = OKD_PIDFILE,
	  FIELD(pidfile), .reload = "does not move the pidfile" },
	{ .name = "log-level", .type = CONFIG_CHOICE, .choices = level_choices,
	  .dflt = "info", FIELD(log_level), .reload = NEW_CHILDREN },
	{ .name = "log-target", .type = CONFIG_CHOICE,
	  .choices = target_choices, .dflt = "auto", FIELD(log_target),
	  .reload = NEW_CHILDREN },
	{ .name = "max-per-source", .type = CONFIG_NUMBER, .min = 1,
	  .max = 1000000, .dflt = "32", FIELD(max_per_source),
	  .reload = "applies it to new connections; live children still count "
	  "against their group" },
	{ .name = "source-prefix", .type = CONFIG_LENGTHS, .dflt = "32 64",
	  FIELD2(prefix4, prefix6), .reload = NEW_CONNECTIONS },
	{ .name = "rate-limit", .type = CONFIG_RATE, .none = "off",
	  .dflt = "off", FIELD(rate), .reload = NEW_CONNECTIONS },
	{ .name = "overload", .type = CONFIG_CHOICE,
	  .choices = overload_choices, .dflt = "close", FIELD(overload),
	  .reload = "applies it at once" },
	{ .name = "refuse-message", .type = CONFIG_BYTES, .none = "none",
	  .dflt = "none", FIELD2(refuse_msg, refuse_len),
	  .reload = NEW_CONNECTIONS },
	{ .name = "max-sources", .type = CONFIG_NUMBER, .min = 1,
	  .max = SRCTABLE_MAX, .dflt = "65536", FIELD(max_sources),
	  .reload = "that changes it builds a new table and copies every "
	  "group into it" },
	{ .name = "allow", .type = CONFIG_RULE, .repeat = 1,
	  .action = ACL_ALLOW,
	  .reload = "applies the list to new connections" },
	{ .name = "deny", .type = CONFIG_RULE, .repeat = 1, .list = "allow",
	  .action = ACL_DENY, .reload = "applies the list to new connections" },
	{ .name = "allow-file", .type = CONFIG_RULE_FILE, .repeat = 1,
	  .list = "allow", .action = ACL_ALLOW,
	  .reload = "reads the file again and applies the list to new "
	  "connections" },
	{ .name = "deny-file", .type = CONFIG_RULE_FILE, .repeat = 1,
	  .list = "allow", .action = ACL_DENY,
	  .reload = "reads the file again and applies the list to new "
	  "connections" },
	{ .name = "user", .type = CONFIG_NAME, .dflt = "nobody", FIELD(user),
	  .reload = "cannot change it" },
	{ .name = "group", .type = CONFIG_NAME, .dflt = "nogroup",
	  FIELD(group), .reload = "cannot change it" },
	/* No effect: not part of the effective configuration -T prints. */
	{ .name = "chroot", .type = CONFIG_PATH, .none = "none",
	  FIELD(chroot), .reload = "ignores it",
	  .note = "accepted for older files; it has no effect" },
	{ .name = "sandbox", .type = CONFIG_CHOICE, .choices = sandbox_choices,
	  .dflt = "on", FIELD(sandbox),
	  .reload = "applies it to new children; the supervisor's own filter, "
	  "once loaded, stays for its life" },
	{ .name = "max-session", .type = CONFIG_DURATION, .min = 0,
	  .max = DAY_MS, .dflt = "0s", FIELD(max_session_ms),
	  .reload = NEW_CONNECTIONS },
	{ .name = "log-peer", .type = CONFIG_CHOICE, .choices = peer_choices,
	  .dflt = "full", FIELD(log_peer), .reload = NEW_CHILDREN },
	{ .name = "proxy-from", .type = CONFIG_PREFIXES, .repeat = 1,
	  .max = CONFIG_MAX_PROXY_FROM, FIELD2(proxy_from, nproxy_from),
	  .reload = NEW_CONNECTIONS },
	{ .name = "proxy-timeout", .type = CONFIG_DURATION, .min = 1,
	  .max = HOUR_MS, .dflt = "5s", FIELD(proxy_timeout_ms),
	  .reload = NEW_CONNECTIONS },
	{ .name = "reuse-port", .type = CONFIG_CHOICE,
	  .choices = yesno_choices, .dflt = "no", FIELD(reuse_port),
	  .reload = "applies it only to addresses it opens; a socket it keeps "
	  "stays as it was" },
	{ .name = "max-session-bytes", .type = CONFIG_SIZE, .min = 0,
	  .max = MAX_SESSION_BYTES_MAX, .dflt = "67108864",
	  FIELD(max_session_bytes), .reload = NEW_CONNECTIONS },
	{ .name = "health-check-from", .type = CONFIG_PREFIXES, .repeat = 1,
	  .max = CONFIG_MAX_HEALTH_FROM, FIELD2(health_from, nhealth_from),
	  .reload = NEW_CONNECTIONS },
	{ .name = "fair-share", .type = CONFIG_CHOICE,
	  .choices = yesno_choices, .dflt = "yes", FIELD(fair_share),
	  .reload = NEW_CONNECTIONS },
};

_Static_assert(sizeof(table) / sizeof(table[0]) == CONFTAB_N,
    "CONFTAB_N must count the keyword table");

/* The whole table, for the documentation check and the tests. */
const struct config_keyword *
config_keywords(size_t *n)
{
	*n = CONFTAB_N;
	return table;
}

const struct config_keyword *
conftab_find(const char *name)
{
	size_t	i;

	for (i = 0; i < CONFTAB_N; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* The index of the list k adds to: its own, or the one it shares. */
size_t
conftab_slot(const struct config_keyword *k)
{
	if (k->list != NULL)
		k = conftab_find(k->list);
	return (size_t)(k - table);
}
