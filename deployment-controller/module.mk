# ckube-deployment-controller: libdeployment-controller.a + main.c.
# Keep DEPLOYMENT_SRCS sorted, one file a line.
DEPLOYMENT_SRCS :=
DEPLOYMENT_SRCS += deployment-controller/dep_control.c
DEPLOYMENT_SRCS += deployment-controller/dep_math.c
DEPLOYMENT_SRCS += deployment-controller/dep_util.c
DEPLOYMENT_SRCS += deployment-controller/deployment.c

$(eval $(call daemon,deployment-controller,ckube-deployment-controller,$(DEPLOYMENT_SRCS)))
