# ckube-node-controller: libnode-controller.a + main.c.
# Keep NODECTL_SRCS sorted, one file a line.
NODECTL_SRCS :=
NODECTL_SRCS += node-controller/nodelife.c
NODECTL_SRCS += node-controller/nodelife_evict.c
NODECTL_SRCS += node-controller/nodelife_zone.c

$(eval $(call daemon,node-controller,ckube-node-controller,$(NODECTL_SRCS)))
