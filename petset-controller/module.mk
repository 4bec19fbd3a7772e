# ckube-petset-controller: libpetset-controller.a + main.c.
# Keep PETSET_SRCS sorted, one file a line.
PETSET_SRCS :=
PETSET_SRCS += petset-controller/pet_control.c
PETSET_SRCS += petset-controller/pet_identity.c
PETSET_SRCS += petset-controller/pet_revision.c
PETSET_SRCS += petset-controller/petset.c

$(eval $(call daemon,petset-controller,ckube-petset-controller,$(PETSET_SRCS)))
