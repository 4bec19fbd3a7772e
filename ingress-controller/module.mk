# ckube-ingress-controller: libingress-controller.a + main.c.
# Keep INGRESS_SRCS sorted, one file a line.
INGRESS_SRCS :=
INGRESS_SRCS += ingress-controller/ingress.c

$(eval $(call daemon,ingress-controller,ckube-ingress-controller,$(INGRESS_SRCS)))
