# ckube-apiserver: libapiserver.a (everything but main.c) + main.c.
APISERVER_SRCS := \
	apiserver/store_sqlite.c \
	apiserver/store_sqlite_sql.c
# Dependency tracking until the daemon rule (which adds these) exists.
ALL_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(APISERVER_SRCS))
