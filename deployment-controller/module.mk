# ckube-deployment-controller: libdeployment-controller.a + main.c.
# Keep DEPLOYMENT_SRCS sorted, one file a line. Built once libckube has the
# controller skeleton (common/controller.c in COMMON_SRCS).
DEPLOYMENT_SRCS :=
DEPLOYMENT_SRCS += deployment-controller/dep_control.c
DEPLOYMENT_SRCS += deployment-controller/dep_math.c
DEPLOYMENT_SRCS += deployment-controller/dep_util.c
DEPLOYMENT_SRCS += deployment-controller/deployment.c

ifneq ($(filter common/controller.c,$(COMMON_SRCS)),)
$(eval $(call daemon,deployment-controller,ckube-deployment-controller,$(DEPLOYMENT_SRCS)))
endif
