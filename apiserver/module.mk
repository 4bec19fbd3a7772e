# ckube-apiserver: libapiserver.a (everything but main.c) + main.c.
# Keep APISERVER_SRCS sorted; other helpers add store_sqlite.c, patch_*.c and
# validation_meta.c here.
APISERVER_SRCS :=
APISERVER_SRCS += apiserver/crud.c
APISERVER_SRCS += apiserver/discovery.c
APISERVER_SRCS += apiserver/http.c
APISERVER_SRCS += apiserver/registry.c
APISERVER_SRCS += apiserver/route.c
APISERVER_SRCS += apiserver/status.c
APISERVER_SRCS += apiserver/table.c
APISERVER_SRCS += apiserver/util.c
APISERVER_SRCS += apiserver/watch.c
APISERVER_SRCS += apiserver/watchlog.c

$(eval $(call daemon,apiserver,ckube-apiserver,$(APISERVER_SRCS)))
