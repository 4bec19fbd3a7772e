# ckube-serviceaccount-controller: libserviceaccount-controller.a + main.c.
# Keep SA_SRCS sorted, one file a line.
SA_SRCS :=
SA_SRCS += serviceaccount-controller/serviceaccount.c

$(eval $(call daemon,serviceaccount-controller,ckube-serviceaccount-controller,$(SA_SRCS)))
