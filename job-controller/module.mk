# ckube-job-controller: libjob-controller.a + main.c.
# Keep JOB_SRCS sorted, one file a line.
JOB_SRCS :=
JOB_SRCS += job-controller/job.c
JOB_SRCS += job-controller/job_status.c

$(eval $(call daemon,job-controller,ckube-job-controller,$(JOB_SRCS)))
