# ckube-metrics-server: libmetrics-server.a + main.c.
# Keep MS_SRCS sorted, one file a line.
MS_SRCS :=
MS_SRCS += metrics-server/ms_api.c
MS_SRCS += metrics-server/ms_register.c
MS_SRCS += metrics-server/ms_scrape.c
MS_SRCS += metrics-server/ms_store.c

$(eval $(call daemon,metrics-server,ckube-metrics-server,$(MS_SRCS)))
