# ckube-netpol: a CLI (no daemon) over common/netpol.c. Keep NETPOL_SRCS sorted.
NETPOL_SRCS :=
NETPOL_SRCS += netpol/cmd.c
NETPOL_SRCS += netpol/describe.c
NETPOL_SRCS += netpol/load.c

$(eval $(call daemon,netpol,ckube-netpol,$(NETPOL_SRCS)))
