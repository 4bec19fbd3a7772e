# Unit tests of the apiserver library (linked with libapiserver.a).
