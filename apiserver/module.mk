# ckube-apiserver: libapiserver.a (everything but main.c) + main.c.
