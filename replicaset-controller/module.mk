# ckube-replicaset-controller: libreplicaset-controller.a + main.c.
# Keep RS_SRCS sorted, one file a line.
RS_SRCS :=
RS_SRCS += replicaset-controller/rs.c
RS_SRCS += replicaset-controller/rs_pods.c

$(eval $(call daemon,replicaset-controller,ckube-replicaset-controller,$(RS_SRCS)))
