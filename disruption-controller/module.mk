# ckube-disruption-controller: libdisruption-controller.a + main.c.
# Keep DISRUPTION_SRCS sorted, one file a line.
DISRUPTION_SRCS :=
DISRUPTION_SRCS += disruption-controller/disruption.c
DISRUPTION_SRCS += disruption-controller/pdb_status.c

$(eval $(call daemon,disruption-controller,ckube-disruption-controller,$(DISRUPTION_SRCS)))
