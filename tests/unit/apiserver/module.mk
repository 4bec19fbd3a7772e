# Unit tests of the apiserver library (linked with libapiserver.a).
$(BUILD)/tests/unit/apiserver/%.o: CPPFLAGS += -Iapiserver
$(eval $(call unit_test,tests/unit/apiserver/test_api.c,$(apiserver_LIB)))
$(eval $(call unit_test,tests/unit/apiserver/test_delete_options.c,$(apiserver_LIB)))
$(eval $(call unit_test,tests/unit/apiserver/test_patch_json.c,$(BUILD)/apiserver/patch_json.o))
$(eval $(call unit_test,tests/unit/apiserver/test_patch_merge.c,$(BUILD)/apiserver/patch_merge.o))
$(eval $(call unit_test,tests/unit/apiserver/test_patch_random.c,$(BUILD)/apiserver/patch_json.o $(BUILD)/apiserver/patch_merge.o $(BUILD)/apiserver/patch_strategic.o))
$(eval $(call unit_test,tests/unit/apiserver/test_patch_strategic.c,$(BUILD)/apiserver/patch_strategic.o))
$(eval $(call unit_test,tests/unit/apiserver/test_protobuf.c,$(apiserver_LIB)))
$(eval $(call unit_test,tests/unit/apiserver/test_route.c,$(apiserver_LIB)))
$(eval $(call unit_test,tests/unit/apiserver/test_status.c,$(apiserver_LIB)))
$(eval $(call unit_test,tests/unit/apiserver/test_store_sqlite.c,$(BUILD)/apiserver/store_sqlite.o $(BUILD)/apiserver/store_sqlite_sql.o))
$(eval $(call unit_test,tests/unit/apiserver/test_validation_meta.c,$(BUILD)/apiserver/validation_meta.o))
$(eval $(call unit_test,tests/unit/apiserver/test_table.c,$(apiserver_LIB)))
