# libckube: one module per file. Keep the list sorted; no wildcards.
COMMON_SRCS :=
COMMON_SRCS += common/alloc.c
COMMON_SRCS += common/clock.c
COMMON_SRCS += common/err.c
COMMON_SRCS += common/expectations.c
COMMON_SRCS += common/log.c
COMMON_SRCS += common/ratelimit.c
COMMON_SRCS += common/strbuf.c
COMMON_SRCS += common/strmap.c
COMMON_SRCS += common/workqueue.c

COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRCS))
ALL_OBJS += $(COMMON_OBJS)
$(LIBCKUBE): $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
