# ckube-federation-controller-manager: libcontroller-manager.a + main.c.
# Keep FCM_SRCS sorted, one file a line.
FCM_SRCS :=
FCM_SRCS += federation/controller-manager/cluster.c
FCM_SRCS += federation/controller-manager/dnsrec.c
FCM_SRCS += federation/controller-manager/health.c
FCM_SRCS += federation/controller-manager/members.c
FCM_SRCS += federation/controller-manager/plan.c
FCM_SRCS += federation/controller-manager/propagate.c
FCM_SRCS += federation/controller-manager/rs.c
FCM_SRCS += federation/controller-manager/service.c

$(eval $(call daemon,federation/controller-manager,ckube-federation-controller-manager,$(FCM_SRCS)))
