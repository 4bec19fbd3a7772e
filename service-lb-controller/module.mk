# ckube-service-lb-controller: libservice-lb-controller.a + main.c.
# Keep LB_SRCS sorted, one file a line.
LB_SRCS :=
LB_SRCS += service-lb-controller/lb.c
LB_SRCS += service-lb-controller/lbpool.c

$(eval $(call daemon,service-lb-controller,ckube-service-lb-controller,$(LB_SRCS)))
