# ckube-resourcequota-controller: libresourcequota-controller.a + main.c.
# Keep RQ_SRCS sorted, one file a line.
RQ_SRCS :=
RQ_SRCS += resourcequota-controller/resourcequota.c

$(eval $(call daemon,resourcequota-controller,ckube-resourcequota-controller,$(RQ_SRCS)))
