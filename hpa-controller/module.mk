# ckube-hpa-controller: libhpa-controller.a + main.c.
# Keep HPA_SRCS sorted, one file a line.
HPA_SRCS :=
HPA_SRCS += hpa-controller/behavior.c
HPA_SRCS += hpa-controller/hpa.c
HPA_SRCS += hpa-controller/hpa_metrics.c
HPA_SRCS += hpa-controller/replica_calc.c

$(eval $(call daemon,hpa-controller,ckube-hpa-controller,$(HPA_SRCS)))
