# ckube-endpoints-controller: libendpoints-controller.a + main.c.
# Keep ENDPOINTS_SRCS sorted, one file a line.
ENDPOINTS_SRCS :=
ENDPOINTS_SRCS += endpoints-controller/endpoints.c
ENDPOINTS_SRCS += endpoints-controller/endpoints_ports.c
ENDPOINTS_SRCS += endpoints-controller/endpointslices.c

$(eval $(call daemon,endpoints-controller,ckube-endpoints-controller,$(ENDPOINTS_SRCS)))
