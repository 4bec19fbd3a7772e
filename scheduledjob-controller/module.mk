# ckube-scheduledjob-controller: libscheduledjob-controller.a + main.c.
# Keep SJ_SRCS sorted, one file a line.
SJ_SRCS :=
SJ_SRCS += scheduledjob-controller/sj.c
SJ_SRCS += scheduledjob-controller/sj_sched.c

$(eval $(call daemon,scheduledjob-controller,ckube-scheduledjob-controller,$(SJ_SRCS)))
