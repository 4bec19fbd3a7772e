# ckube-apiserver: libapiserver.a (everything but main.c) + main.c.
# Keep APISERVER_SRCS sorted, one file a line.
APISERVER_SRCS :=
APISERVER_SRCS += apiserver/patch_json.c
APISERVER_SRCS += apiserver/patch_merge.c
APISERVER_SRCS += apiserver/store_sqlite.c
APISERVER_SRCS += apiserver/store_sqlite_sql.c
APISERVER_SRCS += apiserver/validation_meta.c
# Dependency tracking until the daemon rule (which adds these) exists.
ALL_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(APISERVER_SRCS))
