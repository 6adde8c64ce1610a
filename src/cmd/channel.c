/* channel.c - pool channel up|down|status: the host network for machines. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "common/names.h"
#include "net/channel.h"
#include "common/parse.h"

int cmd_channel(int argc, char **argv, struct pool_err *e)
{
	struct channel_cfg cfg;
	const char *verb, *why;
	bool up_verb, missing = false, flag, named = false;
	int i;

	channel_cfg_default(&cfg);
	if (argc < 2)
		return cmd_usage_error(e, argv[0], NULL);
	verb = argv[1];
	if (strcmp(verb, "up") != 0 && strcmp(verb, "down") != 0 && strcmp(verb, "status") != 0) {
		char what[64];

		snprintf(what, sizeof what, "unknown action %.20s", verb);
		return cmd_usage_error(e, argv[0], what);
	}
	up_verb = strcmp(verb, "up") == 0;

	for (i = 2; i < argc; i++) {
		const char *v;

		if ((v = cmd_option(argc, argv, &i, "--name", &missing))) {
			if (!valid_channel_name(v))
				return pool_err_usage(e, "channel: --name %s: want [a-z][a-z0-9-], at most 15 characters", v);
			snprintf(cfg.name, sizeof cfg.name, "%s", v);
			named = true;
		} else if (up_verb && (v = cmd_option(argc, argv, &i, "--uplink", &missing))) {
			if (strcmp(v, "auto") == 0) {
				cfg.uplink[0] = '\0';
			} else if (!valid_ifname(v)) {
				return pool_err_usage(e, "channel: --uplink %s is not an interface name", v);
			} else {
				snprintf(cfg.uplink, sizeof cfg.uplink, "%s", v);
			}
		} else if (up_verb && (v = cmd_option(argc, argv, &i, "--subnet", &missing))) {
			if (parse_cidr(v, true, &cfg.subnet, &cfg.prefix, &why) < 0)
				return pool_err_usage(e, "channel: --subnet %s: %s", v, why);
			if (cfg.prefix < 8 || cfg.prefix > 30)
				return pool_err_usage(e, "channel: --subnet %s: prefix must be 8..30", v);
		} else if (missing) {
			return pool_err_usage(e, "channel: %s needs a value", argv[i]);
		} else if (argv[i][0] != '-' && !named) {
			/* pool channel up NAME, the same as --name NAME */
			if (!valid_channel_name(argv[i]))
				return pool_err_usage(e, "channel: %.40s: want [a-z][a-z0-9-], at most 15 characters", argv[i]);
			snprintf(cfg.name, sizeof cfg.name, "%s", argv[i]);
			named = true;
		} else {
			char what[96];

			snprintf(what, sizeof what, "%s: unknown argument %.40s", verb, argv[i]);
			return cmd_usage_error(e, argv[0], what);
		}
	}
	if (up_verb) {
		char nbuf[16];

		if (channel_up(&cfg, &flag, e) < 0)
			return -1;
		ipv4_str(cfg.subnet + 1, nbuf);
		if (flag)
			printf("channel %s is up: bridge %s, %s/%u\n", cfg.name, cfg.name, nbuf, cfg.prefix);
		else
			printf("channel %s was already up (%s/%u); nothing changed\n",
			       cfg.name, nbuf, cfg.prefix);
		return 0;
	}
	if (strcmp(verb, "down") == 0) {
		if (channel_down(cfg.name, &flag, e) < 0)
			return -1;
		if (flag)
			printf("channel %s is down\n", cfg.name);
		else
			printf("channel %s was not up; nothing changed\n", cfg.name);
		return 0;
	}
	if (channel_status(cfg.name, stdout, &flag, e) < 0)
		return -1;
	return flag ? 0 : 3;
}
