# ckube-gc-controller: libgc-controller.a + main.c.
# Keep GC_SRCS sorted, one file a line.
GC_SRCS :=
GC_SRCS += gc-controller/gc.c
GC_SRCS += gc-controller/gc_control.c
GC_SRCS += gc-controller/graph.c
GC_SRCS += gc-controller/monitors.c

$(eval $(call daemon,gc-controller,ckube-gc-controller,$(GC_SRCS)))
