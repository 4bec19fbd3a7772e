# libckube: one module per file. Keep the list sorted; no wildcards.
COMMON_SRCS :=
COMMON_SRCS += common/alloc.c
COMMON_SRCS += common/apidiscovery.c
COMMON_SRCS += common/bus.c
COMMON_SRCS += common/cache.c
COMMON_SRCS += common/client.c
COMMON_SRCS += common/client_kobj.c
COMMON_SRCS += common/client_status.c
COMMON_SRCS += common/client_watch.c
COMMON_SRCS += common/clock.c
COMMON_SRCS += common/codec.c
COMMON_SRCS += common/controller.c
COMMON_SRCS += common/controller_main.c
COMMON_SRCS += common/cron.c
COMMON_SRCS += common/daemon.c
COMMON_SRCS += common/err.c
COMMON_SRCS += common/events.c
COMMON_SRCS += common/expectations.c
COMMON_SRCS += common/fieldsel.c
COMMON_SRCS += common/flags.c
COMMON_SRCS += common/httpd.c
COMMON_SRCS += common/informer.c
COMMON_SRCS += common/kobj.c
COMMON_SRCS += common/kubeconfig.c
COMMON_SRCS += common/leader.c
COMMON_SRCS += common/log.c
COMMON_SRCS += common/metrics.c
COMMON_SRCS += common/nametrack.c
COMMON_SRCS += common/netpol.c
COMMON_SRCS += common/netpol_addr.c
COMMON_SRCS += common/quantity.c
COMMON_SRCS += common/quota.c
COMMON_SRCS += common/ratelimit.c
COMMON_SRCS += common/rfc3339.c
COMMON_SRCS += common/selector.c
COMMON_SRCS += common/strbuf.c
COMMON_SRCS += common/strmap.c
COMMON_SRCS += common/workqueue.c
COMMON_SRCS += common/yamljson.c
COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRCS))
ALL_OBJS += $(COMMON_OBJS)
$(LIBCKUBE): $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
