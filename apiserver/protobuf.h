/*
 * protobuf.h: the message tables of the protobuf request decoder. A table
 * maps field numbers of one Kubernetes message (k8s.io/api/.../generated.proto,
 * apimachinery's meta/v1) to JSON member names and wire types; protobuf.c
 * walks the bytes with them. The tables live in protobuf_core.c (meta and
 * core v1) and protobuf_groups.c (apps, batch, policy, rbac, authorization,
 * scheduling).
 */
#ifndef CKUBE_APISERVER_PROTOBUF_H
#define CKUBE_APISERVER_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>

enum pb_type {
	PB_STRING,
	PB_BYTES,	/* base64 in JSON */
	PB_INT,
	PB_BOOL,
	PB_MSG,
	PB_MAP_STR,	/* map<string,string> */
	PB_MAP_BYTES,	/* map<string,bytes> */
	PB_MAP_QTY,	/* map<string,resource.Quantity> */
	PB_TIME,	/* metav1.Time {seconds, nanos} */
	PB_INTSTR,	/* intstr.IntOrString {type, intVal, strVal} */
	PB_QTY,		/* resource.Quantity {string} */
	PB_INLINE,	/* an embedded message whose members JSON inlines */
};

struct pb_msg;

struct pb_field {
	int			 num;
	const char		*json;
	enum pb_type		 type;
	bool			 repeated;
	const struct pb_msg	*msg;
	/* A Go pointer field: a zero value was set on purpose, keep it. */
	bool			 ptr;
};

struct pb_msg {
	const struct pb_field	*fields;
	size_t			 n;
};

struct pb_kind {
	const char		*api_version;	/* "apps/v1" */
	const char		*kind;		/* "Deployment" */
	const struct pb_msg	*msg;
};

#define PB_MSG_OF(f) { f, ARRAY_SIZE(f) }

/* Shared messages (protobuf_core.c). */
extern const struct pb_msg pb_m_object_meta;
extern const struct pb_msg pb_m_label_selector;
extern const struct pb_msg pb_m_delete_options;
extern const struct pb_msg pb_m_pod_template_spec;
extern const struct pb_msg pb_m_local_object_ref;

/* The kinds of each file, NULL-kind terminated. */
extern const struct pb_kind pb_core_kinds[];
extern const struct pb_kind pb_group_kinds[];

#endif
