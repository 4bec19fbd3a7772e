# ckube-apiserver: libapiserver.a (everything but main.c) + main.c.
# Keep APISERVER_SRCS sorted, one file a line (other helpers add theirs).
APISERVER_SRCS :=
APISERVER_SRCS += apiserver/convert_13.c
APISERVER_SRCS += apiserver/convert_edge.c
APISERVER_SRCS += apiserver/crud.c
APISERVER_SRCS += apiserver/crud_delete.c
APISERVER_SRCS += apiserver/crud_list.c
APISERVER_SRCS += apiserver/defaults_pod.c
APISERVER_SRCS += apiserver/defaults_workload.c
APISERVER_SRCS += apiserver/delete_options.c
APISERVER_SRCS += apiserver/discovery.c
APISERVER_SRCS += apiserver/eviction.c
APISERVER_SRCS += apiserver/http.c
APISERVER_SRCS += apiserver/managed_fields.c
APISERVER_SRCS += apiserver/openapi.c
APISERVER_SRCS += apiserver/openapi_fields.c
APISERVER_SRCS += apiserver/patch_json.c
APISERVER_SRCS += apiserver/patch_merge.c
APISERVER_SRCS += apiserver/patch_strategic.c
APISERVER_SRCS += apiserver/pod_log.c
APISERVER_SRCS += apiserver/protobuf.c
APISERVER_SRCS += apiserver/protobuf_core.c
APISERVER_SRCS += apiserver/protobuf_groups.c
APISERVER_SRCS += apiserver/registry.c
APISERVER_SRCS += apiserver/review.c
APISERVER_SRCS += apiserver/route.c
APISERVER_SRCS += apiserver/scale.c
APISERVER_SRCS += apiserver/service_alloc.c
APISERVER_SRCS += apiserver/status.c
APISERVER_SRCS += apiserver/store_sqlite.c
APISERVER_SRCS += apiserver/store_sqlite_sql.c
APISERVER_SRCS += apiserver/table.c
APISERVER_SRCS += apiserver/table_apps.c
APISERVER_SRCS += apiserver/table_batch.c
APISERVER_SRCS += apiserver/table_core.c
APISERVER_SRCS += apiserver/table_misc.c
APISERVER_SRCS += apiserver/table_pod.c
APISERVER_SRCS += apiserver/util.c
APISERVER_SRCS += apiserver/validation_kind.c
APISERVER_SRCS += apiserver/validation_meta.c
APISERVER_SRCS += apiserver/validation_pod.c
APISERVER_SRCS += apiserver/validation_service.c
APISERVER_SRCS += apiserver/validation_workload.c
APISERVER_SRCS += apiserver/watch.c
APISERVER_SRCS += apiserver/watchlog.c

$(eval $(call daemon,apiserver,ckube-apiserver,$(APISERVER_SRCS)))
