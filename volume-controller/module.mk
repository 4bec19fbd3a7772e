# ckube-volume-controller: libvolume-controller.a + main.c.
# Keep VOLUME_SRCS sorted, one file a line.
VOLUME_SRCS :=
VOLUME_SRCS += volume-controller/volume.c
VOLUME_SRCS += volume-controller/volume_match.c

$(eval $(call daemon,volume-controller,ckube-volume-controller,$(VOLUME_SRCS)))
