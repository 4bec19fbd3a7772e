# ckube-daemonset-controller: libdaemonset-controller.a + main.c.
# Keep DS_SRCS sorted, one file a line.
DS_SRCS :=
DS_SRCS += daemonset-controller/ds.c
DS_SRCS += daemonset-controller/ds_place.c
DS_SRCS += daemonset-controller/ds_rolling.c

$(eval $(call daemon,daemonset-controller,ckube-daemonset-controller,$(DS_SRCS)))
