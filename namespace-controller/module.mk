# ckube-namespace-controller: libnamespace-controller.a + main.c.
# Keep NS_SRCS sorted, one file a line.
NS_SRCS :=
NS_SRCS += namespace-controller/namespace.c
NS_SRCS += namespace-controller/ns_content.c

$(eval $(call daemon,namespace-controller,ckube-namespace-controller,$(NS_SRCS)))
