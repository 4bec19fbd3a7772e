#!/usr/bin/env python3
"""Generate apiserver/openapi_schema.c: one schema table per served kind.

Field names and types come from Debian's python3-kubernetes models
(openapi_types / attribute_map / required setters, Kubernetes 1.22),
completed by EXTRA below with the fields Kubernetes added up to 1.32.
Descriptions are our own short wording (DESC_DEF, DESC_FIELD), or a
phrase made from the field name. The output is committed: the build never
runs this script.

    python3 scripts/gen_openapi_schema.py > apiserver/openapi_schema.c

(tests/e2e/explain.sh checks the committed file is current.)

The kinds are the rows of apiserver/registry.c (1.3 names in OLD_VERSIONS
excepted), plus SUBRESOURCE_KINDS. To add a kind: add its registry row and
rerun; if it is not models.V1<Kind>, add a CLASS_OF line, and for a new
group a PKG line (discovery.k8s.io, scheduling.k8s.io and
networking.k8s.io are there, so EndpointSlice, PriorityClass, Ingress and
IngressClass need only their rows). Fields newer than 1.22 go in EXTRA.
"""
import os
import re
import sys

sys.path.insert(0, '/usr/lib/python3/dist-packages')
from kubernetes.client import models  # noqa: E402

PKG = {
    '': 'io.k8s.api.core.v1',
    'apiregistration.k8s.io':
    'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1',
    'apps': 'io.k8s.api.apps.v1',
    'authentication.k8s.io': 'io.k8s.api.authentication.v1',
    'authorization.k8s.io': 'io.k8s.api.authorization.v1',
    'autoscaling': 'io.k8s.api.autoscaling.v1',
    'autoscaling/v2': 'io.k8s.api.autoscaling.v2',
    'batch': 'io.k8s.api.batch.v1',
    'coordination.k8s.io': 'io.k8s.api.coordination.v1',
    'discovery.k8s.io': 'io.k8s.api.discovery.v1',
    'events.k8s.io': 'io.k8s.api.events.v1',
    'networking.k8s.io': 'io.k8s.api.networking.v1',
    'policy': 'io.k8s.api.policy.v1',
    'rbac.authorization.k8s.io': 'io.k8s.api.rbac.v1',
    'scheduling.k8s.io': 'io.k8s.api.scheduling.v1',
    'storage.k8s.io': 'io.k8s.api.storage.v1',
    'meta': 'io.k8s.apimachinery.pkg.apis.meta.v1',
}

# The python class of a served group/version/kind when it is not
# 'V1' + kind (the 1.22 models have autoscaling/v2 as v2beta2).
CLASS_OF = {
    ('', 'v1', 'Event'): 'CoreV1Event',
    ('events.k8s.io', 'v1', 'Event'): 'EventsV1Event',
    ('autoscaling', 'v2', 'HorizontalPodAutoscaler'):
    'V2beta2HorizontalPodAutoscaler',
    # 1.28+: not in the 1.22 models
    ('authentication.k8s.io', 'v1', 'SelfSubjectReview'):
    'New:SelfSubjectReview',
}

# Versions served only as 1.3 names over a stored kind (convert_edge.c):
# no schema of their own (kubectl explain gets the stored one).
OLD_VERSIONS = {'v1alpha1', 'v2alpha1', 'v1beta1'}

# Kinds served as subresources or request bodies, not registry rows.
SUBRESOURCE_KINDS = {
    'meta': ['V1Status', 'V1DeleteOptions'],
    '': ['V1Binding'],
    'autoscaling': ['V1Scale'],
    'policy': ['V1Eviction'],
}

REGISTRY_ROW = re.compile(r'\{\s*(?:(CORE)|"([^"]*)",\s*"([^"]*)")\s*,\s*'
                          r'"[^"]*",\s*"[^"]*",\s*"([^"]*)"')


def registry_kinds():
    """(group, version, kind) of every row of apiserver/registry.c."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                        'apiserver', 'registry.c')
    text = open(path).read()
    text = text[text.index('registry[] = {'):]
    rows = []
    for m in REGISTRY_ROW.finditer(text):
        if m.group(1):
            rows.append(('', 'v1', m.group(4)))
        else:
            rows.append((m.group(2), m.group(3), m.group(4)))
    if not rows:
        raise SystemExit('no rows found in ' + path)
    return rows


def build_roots():
    """ROOTS: (package key, version, classes), group by group in the order
    of registry.c (meta first): a nested type belongs to the first group
    reaching it. Fails listing every served kind without a model."""
    roots, missing = {}, []
    roots['meta'] = ('v1', list(SUBRESOURCE_KINDS['meta']))
    for group, version, kind in registry_kinds():
        if version in OLD_VERSIONS:
            continue
        cls = CLASS_OF.get((group, version, kind), 'V1' + kind)
        key = group if version == 'v1' else group + '/' + version
        if not (cls.startswith('New:') or hasattr(models, cls)) or \
                key not in PKG:
            missing.append('%s/%s %s (class %s, package key %r)' % (
                group, version, kind, cls, key))
            continue
        roots.setdefault(key, (version, []))
        if cls not in roots[key][1]:
            roots[key][1].append(cls)
        for sub in SUBRESOURCE_KINDS.get(key, []):
            if sub not in roots[key][1]:
                roots[key][1].append(sub)
    if missing:
        raise SystemExit('gen_openapi_schema: served kinds without a model '
                         '(add CLASS_OF / PKG entries):\n  ' +
                         '\n  '.join(missing))
    return [(k, v, c) for k, (v, c) in roots.items()]


ROOTS = build_roots()

META = {'V1ObjectMeta', 'V1ListMeta', 'V1LabelSelector',
        'V1LabelSelectorRequirement', 'V1OwnerReference',
        'V1ManagedFieldsEntry', 'V1Status', 'V1StatusDetails',
        'V1StatusCause', 'V1DeleteOptions', 'V1Preconditions', 'V1Condition'}

# Types renamed since 1.22.
RENAME = {'V1Handler': 'LifecycleHandler'}

# Fields (and types) added between 1.22 and 1.32: python class -> fields.
# Types use the python notation; 'New:Name' is a type defined in NEW.
EXTRA = {
    'V1PodSpec': {'os': 'New:PodOS', 'hostUsers': 'bool',
                  'schedulingGates': 'list[New:PodSchedulingGate]',
                  'resourceClaims': 'list[New:PodResourceClaim]',
                  'resources': 'V1ResourceRequirements'},
    'V1Container': {'resizePolicy': 'list[New:ContainerResizePolicy]',
                    'restartPolicy': 'str'},
    'V1EphemeralContainer': {'resizePolicy':
                             'list[New:ContainerResizePolicy]',
                             'restartPolicy': 'str'},
    'V1VolumeMount': {'recursiveReadOnly': 'str'},
    'V1ResourceRequirements': {'claims': 'list[New:ResourceClaim]'},
    'V1Probe': {'grpc': 'New:GRPCAction'},
    'V1Handler': {'sleep': 'New:SleepAction'},
    'V1SecurityContext': {'appArmorProfile': 'New:AppArmorProfile'},
    'V1PodSecurityContext': {'appArmorProfile': 'New:AppArmorProfile',
                             'supplementalGroupsPolicy': 'str',
                             'seLinuxChangePolicy': 'str'},
    'V1Volume': {'image': 'New:ImageVolumeSource'},
    'V1TopologySpreadConstraint': {'matchLabelKeys': 'list[str]',
                                   'minDomains': 'int',
                                   'nodeAffinityPolicy': 'str',
                                   'nodeTaintsPolicy': 'str'},
    'V1PodAffinityTerm': {'matchLabelKeys': 'list[str]',
                          'mismatchLabelKeys': 'list[str]'},
    'V1PodStatus': {'hostIPs': 'list[New:HostIP]', 'resize': 'str',
                    'resourceClaimStatuses': 'list[object]'},
    'V1ContainerStatus': {'allocatedResources': 'dict(str, str)',
                          'resources': 'V1ResourceRequirements',
                          'volumeMounts': 'list[object]', 'user': 'object',
                          'allocatedResourcesStatus': 'list[object]'},
    'V1ServiceSpec': {'trafficDistribution': 'str'},
    'V1LoadBalancerIngress': {'ipMode': 'str'},
    'V1PersistentVolumeClaimSpec': {'volumeAttributesClassName': 'str'},
    'V1PersistentVolumeSpec': {'volumeAttributesClassName': 'str'},
    'V1PersistentVolumeClaimStatus': {
        'allocatedResources': 'dict(str, str)',
        'allocatedResourceStatuses': 'dict(str, str)',
        'currentVolumeAttributesClassName': 'str',
        'modifyVolumeStatus': 'object'},
    'V1PersistentVolumeStatus': {'lastPhaseTransitionTime': 'datetime'},
    'V1NodeStatus': {'features': 'object', 'runtimeHandlers': 'list[object]'},
    'V1JobSpec': {'podFailurePolicy': 'New:PodFailurePolicy',
                  'successPolicy': 'New:SuccessPolicy',
                  'backoffLimitPerIndex': 'int', 'maxFailedIndexes': 'int',
                  'podReplacementPolicy': 'str', 'managedBy': 'str'},
    'V1JobStatus': {'failedIndexes': 'str', 'terminating': 'int',
                    'ready': 'int'},
    'V1CronJobSpec': {'timeZone': 'str'},
    'V1StatefulSetSpec': {
        'persistentVolumeClaimRetentionPolicy':
        'New:StatefulSetPersistentVolumeClaimRetentionPolicy',
        'ordinals': 'New:StatefulSetOrdinals'},
    'V1RollingUpdateStatefulSetStrategy': {'maxUnavailable': 'object'},
    'V1PodDisruptionBudgetSpec': {'unhealthyPodEvictionPolicy': 'str'},
    'V1LeaseSpec': {'strategy': 'str', 'preferredHolder': 'str'},
    'V1ServiceAccountTokenProjection': {},
    'V1NetworkPolicyPort': {},
}

NEW = {
    'PodOS': ('', {'name': 'str'}, ['name']),
    'PodSchedulingGate': ('', {'name': 'str'}, ['name']),
    'PodResourceClaim': ('', {'name': 'str', 'resourceClaimName': 'str',
                              'resourceClaimTemplateName': 'str'}, ['name']),
    'ContainerResizePolicy': ('', {'resourceName': 'str',
                                   'restartPolicy': 'str'},
                              ['resourceName', 'restartPolicy']),
    'ResourceClaim': ('', {'name': 'str', 'request': 'str'}, ['name']),
    'GRPCAction': ('', {'port': 'int', 'service': 'str'}, ['port']),
    'SleepAction': ('', {'seconds': 'int'}, ['seconds']),
    'AppArmorProfile': ('', {'type': 'str', 'localhostProfile': 'str'},
                        ['type']),
    'ImageVolumeSource': ('', {'reference': 'str', 'pullPolicy': 'str'}, []),
    'HostIP': ('', {'ip': 'str'}, []),
    'PodFailurePolicy': ('batch', {
        'rules': 'list[New:PodFailurePolicyRule]'}, ['rules']),
    'PodFailurePolicyRule': ('batch', {
        'action': 'str',
        'onExitCodes': 'New:PodFailurePolicyOnExitCodesRequirement',
        'onPodConditions':
        'list[New:PodFailurePolicyOnPodConditionsPattern]'}, ['action']),
    'PodFailurePolicyOnExitCodesRequirement': ('batch', {
        'containerName': 'str', 'operator': 'str', 'values': 'list[int]'},
        ['operator', 'values']),
    'PodFailurePolicyOnPodConditionsPattern': ('batch', {
        'type': 'str', 'status': 'str'}, ['type', 'status']),
    'SuccessPolicy': ('batch', {'rules': 'list[New:SuccessPolicyRule]'},
                      ['rules']),
    'SuccessPolicyRule': ('batch', {'succeededIndexes': 'str',
                                    'succeededCount': 'int'}, []),
    'StatefulSetPersistentVolumeClaimRetentionPolicy': ('apps', {
        'whenDeleted': 'str', 'whenScaled': 'str'}, []),
    'StatefulSetOrdinals': ('apps', {'start': 'int'}, []),
    'SelfSubjectReview': ('authentication.k8s.io', {
        'apiVersion': 'str', 'kind': 'str', 'metadata': 'V1ObjectMeta',
        'status': 'New:SelfSubjectReviewStatus'}, []),
    'SelfSubjectReviewStatus': ('authentication.k8s.io', {
        'userInfo': 'V1UserInfo'}, []),
}

# Fields gone since 1.22 (kube-apiserver 1.32 refuses them under Strict).
DROP = {'V1ObjectMeta': ['clusterName']}

INT_OR_STRING = {'port', 'targetPort', 'maxSurge', 'maxUnavailable',
                 'minAvailable'}
QUANTITY = {'divisor', 'sizeLimit'}
QUANTITY_MAPS = {'limits', 'requests', 'capacity', 'allocatable', 'hard',
                 'used', 'overhead', 'allocatedResources', 'default',
                 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio'}
# Quantity strings whose names are plain strings elsewhere.
QUANTITY_OWN = {('V2beta2MetricTarget', 'value'),
                ('V2beta2MetricTarget', 'averageValue'),
                ('V2beta2MetricValueStatus', 'value'),
                ('V2beta2MetricValueStatus', 'averageValue')}
MICRO_TIME = {'eventTime', 'acquireTime', 'renewTime'}
INT64 = {'activeDeadlineSeconds', 'terminationGracePeriodSeconds',
         'generation', 'observedGeneration', 'deletionGracePeriodSeconds',
         'runAsUser', 'runAsGroup', 'fsGroup', 'startingDeadlineSeconds',
         'expirationSeconds', 'gracePeriodSeconds', 'seconds', 'count',
         'supplementalGroups', 'revision', 'partition', 'defaultMode'}
INT64_EXCEPT = {('V1KeyToPath', 'mode'), ('V1EventSeries', 'count'),
                ('EventsV1EventSeries', 'count'), ('CoreV1Event', 'count'),
                ('CoreV1EventSeries', 'count'), ('V1StatefulSetUpdate', 'x')}

# Strategic merge patch keys: (python class, field) -> (strategy, key,
# list-map keys).
PATCH = {
    ('V1PodSpec', 'containers'): ('merge', 'name', ['name']),
    ('V1PodSpec', 'initContainers'): ('merge', 'name', ['name']),
    ('V1PodSpec', 'ephemeralContainers'): ('merge', 'name', ['name']),
    ('V1PodSpec', 'volumes'): ('merge,retainKeys', 'name', ['name']),
    ('V1PodSpec', 'imagePullSecrets'): ('merge', 'name', ['name']),
    ('V1PodSpec', 'hostAliases'): ('merge', 'ip', ['ip']),
    ('V1PodSpec', 'topologySpreadConstraints'):
        ('merge', 'topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    ('V1PodSpec', 'schedulingGates'): ('merge', 'name', ['name']),
    ('V1PodSpec', 'resourceClaims'): ('merge,retainKeys', 'name', ['name']),
    ('V1Container', 'ports'): ('merge', 'containerPort',
                               ['containerPort', 'protocol']),
    ('V1Container', 'env'): ('merge', 'name', ['name']),
    ('V1Container', 'volumeMounts'): ('merge', 'mountPath', ['mountPath']),
    ('V1Container', 'volumeDevices'): ('merge', 'devicePath',
                                       ['devicePath']),
    ('V1EphemeralContainer', 'env'): ('merge', 'name', ['name']),
    ('V1EphemeralContainer', 'volumeMounts'): ('merge', 'mountPath',
                                               ['mountPath']),
    ('V1ServiceSpec', 'ports'): ('merge', 'port', ['port', 'protocol']),
    ('V1ObjectMeta', 'ownerReferences'): ('merge', 'uid', ['uid']),
    ('V1ObjectMeta', 'finalizers'): ('merge', None, None),
    ('V1PodStatus', 'conditions'): ('merge', 'type', ['type']),
    ('V1NodeStatus', 'conditions'): ('merge', 'type', ['type']),
    ('V1NodeStatus', 'addresses'): ('merge', 'type', ['type']),
    ('V1DeploymentStatus', 'conditions'): ('merge', 'type', ['type']),
    ('V1ReplicaSetStatus', 'conditions'): ('merge', 'type', ['type']),
    ('V1JobStatus', 'conditions'): ('merge', 'type', ['type']),
    ('V1DaemonSetStatus', 'conditions'): ('merge', 'type', ['type']),
    ('V1APIServiceStatus', 'conditions'): ('merge', 'type', ['type']),
    ('V1DeploymentSpec', 'strategy'): ('retainKeys', None, None),
    ('V1NodeSpec', 'podCIDRs'): ('merge', None, None),
    ('V1ServiceAccount', 'secrets'): ('merge', 'name', None),
}

# Our short descriptions of the definitions.
DESC_DEF = {
    'Pod': 'A Pod is a group of containers scheduled together onto one '
           'node, sharing its network identity and volumes.',
    'PodSpec': 'The desired state of a pod: its containers, volumes and '
               'the scheduling and runtime settings they share.',
    'PodStatus': 'What was last observed about a pod; may lag behind.',
    'PodTemplateSpec': 'The metadata and spec of the pods a controller '
                       'creates.',
    'PodTemplate': 'A stored pod template, for other objects to copy.',
    'Container': 'One container of a pod: the image it runs, how it is '
                 'started and what it needs.',
    'EphemeralContainer': 'A container added to a running pod for '
                          'debugging.',
    'ContainerPort': 'A network port a container exposes.',
    'EnvVar': 'An environment variable set in a container.',
    'Volume': 'A named volume that containers of the pod can mount; '
              'exactly one source is set.',
    'VolumeMount': 'Where a volume is mounted inside a container.',
    'Probe': 'A check the kubelet runs against a container to decide if '
             'it is alive, ready or started.',
    'ResourceRequirements': 'Compute resources requested and limited.',
    'ObjectMeta': 'Metadata every persisted object has: name, namespace, '
                  'labels, annotations, owners and bookkeeping set by the '
                  'server.',
    'ListMeta': 'Metadata of a list: resource version and continue token.',
    'LabelSelector': 'Selects objects by their labels; the terms are ANDed, '
                     'an empty selector matches everything.',
    'Deployment': 'A Deployment keeps a replicated set of pods running and '
                  'rolls out changes to their template.',
    'DeploymentSpec': 'The desired state of a Deployment.',
    'DeploymentStrategy': 'How a Deployment replaces old pods with new ones.',
    'RollingUpdateDeployment': 'Bounds on the pods a rolling update may '
                               'add or remove at a time.',
    'ReplicaSet': 'A ReplicaSet keeps a given number of identical pods '
                  'running.',
    'StatefulSet': 'A StatefulSet runs pods with stable names and storage, '
                   'created and removed in order.',
    'ControllerRevision': 'An immutable snapshot of a controller\'s state, '
                          'used for rollbacks.',
    'Job': 'A Job runs pods until a number of them complete successfully.',
    'JobSpec': 'The desired behaviour of a Job.',
    'JobTemplateSpec': 'The metadata and spec of the Jobs a CronJob '
                       'creates.',
    'CronJob': 'A CronJob creates Jobs on a repeating schedule.',
    'CronJobSpec': 'When and how a CronJob starts its Jobs, and how many '
                   'finished ones it keeps.',
    'CronJobStatus': 'What was last observed about a CronJob.',
    'Service': 'A Service gives a set of pods one stable virtual address '
               'and name.',
    'ServiceSpec': 'The desired behaviour of a Service.',
    'ServicePort': 'A port a Service exposes and where it forwards.',
    'ConfigMap': 'Non-secret configuration data for pods to consume.',
    'Secret': 'Small confidential data such as passwords, tokens or keys.',
    'ServiceAccount': 'An identity for processes running in pods.',
    'Namespace': 'A scope for names; most objects live in one.',
    'Node': 'A worker machine in the cluster.',
    'Endpoints': 'The addresses that implement a Service.',
    'Event': 'A report of something that happened to an object.',
    'PersistentVolume': 'A piece of storage provisioned in the cluster.',
    'PersistentVolumeClaim': 'A request for storage by a user.',
    'ReplicationController': 'The older form of ReplicaSet, selecting pods '
                             'by equality on labels.',
    'Binding': 'Binds a pod to a node (the scheduler posts it).',
    'Lease': 'A lease held by one holder at a time, for leader election '
             'and heartbeats.',
    'NetworkPolicy': 'Which traffic the selected pods accept and send.',
    'PodDisruptionBudget': 'Bounds how many pods of a set voluntary '
                           'evictions may take down at once.',
    'Eviction': 'Asks for a pod to be evicted, honouring disruption '
                'budgets.',
    'Role': 'A namespaced set of permissions.',
    'ClusterRole': 'A cluster-wide set of permissions.',
    'RoleBinding': 'Grants a Role or ClusterRole to subjects in a '
                   'namespace.',
    'ClusterRoleBinding': 'Grants a ClusterRole to subjects cluster-wide.',
    'StorageClass': 'A class of dynamically provisioned storage.',
    'SelfSubjectAccessReview': 'Asks whether the caller may perform an '
                               'action.',
    'TokenReview': 'Asks whether a bearer token is valid and whose it is.',
    'SelfSubjectReview': 'Tells the caller who the API server thinks it '
                         'is.',
    'UserInfo': 'A user as authentication sees it: name, uid, groups.',
    'Scale': 'The scale subresource of a workload: desired and observed '
             'replicas.',
    'DaemonSet': 'A DaemonSet runs one copy of a pod on every eligible '
                 'node.',
    'DaemonSetUpdateStrategy': 'How a DaemonSet replaces its pods when '
                               'the template changes.',
    'RollingUpdateDaemonSet': 'Bounds on the pods a DaemonSet rolling '
                              'update may take down or add at a time.',
    'HorizontalPodAutoscaler': 'Scales a workload\'s replicas between '
                               'bounds to meet target metrics.',
    'MetricSpec': 'One metric an autoscaler scales on; exactly one source '
                  'matches type.',
    'MetricTarget': 'The target value, average value or average '
                    'utilization of a metric.',
    'HorizontalPodAutoscalerBehavior': 'How fast an autoscaler scales up '
                                       'and down.',
    'HPAScalingRules': 'The policies and stabilization window of one '
                       'scaling direction.',
    'HPAScalingPolicy': 'A change of at most value pods or percent over '
                        'periodSeconds.',
    'CrossVersionObjectReference': 'The object a HorizontalPodAutoscaler '
                                   'scales.',
    'APIService': 'Declares a group version served by another server '
                  '(or locally).',
    'ResourceQuota': 'Caps the total resources and objects of a '
                     'namespace.',
    'ScopeSelector': 'Which objects a quota tracks, by scope.',
    'LimitRange': 'Default, minimum and maximum resources of each pod, '
                  'container or claim of a namespace.',
    'LimitRangeItem': 'The limits of one kind of object (Pod, Container '
                      'or PersistentVolumeClaim).',
    'Status': 'The outcome of an API call that returns no object.',
    'DeleteOptions': 'Options of a delete request.',
    'Time': 'A timestamp in RFC 3339 form, to the second.',
    'MicroTime': 'A timestamp in RFC 3339 form, to the microsecond.',
    'Quantity': 'A fixed-point number with an optional suffix, such as '
                '100m, 1.5Gi or 2.',
    'IntOrString': 'A value that is either an integer or a string.',
}

# Our short descriptions of common fields (by JSON name).
DESC_FIELD = {
    'apiVersion': 'The versioned schema of this object, as group/version '
                  '(v1 for the core group).',
    'kind': 'The type of this object, in CamelCase.',
    'metadata': 'Standard object metadata.',
    'spec': 'The desired state, as set by the user.',
    'status': 'The observed state, written by the system; read-only for '
              'users.',
    'name': 'The name, unique within its scope.',
    'namespace': 'The namespace the object lives in.',
    'labels': 'Key/value pairs used to organise and select objects.',
    'annotations': 'Key/value pairs of arbitrary non-identifying data.',
    'containers': 'The containers of the pod; at least one.',
    'initContainers': 'Containers run in order to completion before the '
                      'others start.',
    'image': 'The container image reference.',
    'replicas': 'The number of desired pods.',
    'selector': 'The label query the pods must match.',
    'template': 'The template of the pods created.',
    'strategy': 'How existing pods are replaced by new ones.',
    'type': 'Which of the known variants this is.',
    'rollingUpdate': 'Parameters of a rolling update; only with type '
                     'RollingUpdate.',
    'maxSurge': 'How many pods may exist above the desired count during an '
                'update (a number or a percentage).',
    'maxUnavailable': 'How many pods may be unavailable during an update '
                      '(a number or a percentage).',
    'schedule': 'The cron schedule, such as "*/5 * * * *".',
    'jobTemplate': 'The template of the Jobs created.',
    'suspend': 'When true, nothing new is started.',
    'concurrencyPolicy': 'What to do when a run is due while the previous '
                         'one still runs: Allow, Forbid or Replace.',
    'ports': 'The ports exposed.',
    'env': 'Environment variables to set.',
    'command': 'The entrypoint, replacing the image\'s ENTRYPOINT.',
    'args': 'Arguments to the entrypoint, replacing the image\'s CMD.',
    'resources': 'Compute resources required.',
    'volumes': 'Volumes the containers of the pod can mount.',
    'volumeMounts': 'Volumes mounted into the container.',
    'nodeName': 'The node the pod is bound to.',
    'nodeSelector': 'Labels a node must have for the pod to go there.',
    'restartPolicy': 'When containers are restarted: Always, OnFailure or '
                     'Never.',
    'conditions': 'The latest observations of the object\'s state.',
    'minReadySeconds': 'Seconds a new pod must be ready before it counts '
                       'as available.',
    'revisionHistoryLimit': 'How many old revisions to keep for rollback.',
    'creationTimestamp': 'When the object was created (set by the server).',
    'resourceVersion': 'An opaque version of the object, for optimistic '
                       'concurrency and watches.',
    'uid': 'The unique id of the object, set by the server.',
    'ownerReferences': 'The objects this one depends on; it is garbage '
                       'collected when they are gone.',
    'finalizers': 'Tasks that must finish before the object is deleted.',
}


# Our short descriptions of fields of one definition ("Def.field").
DESC_OWN = {
    'PodSpec.activeDeadlineSeconds': 'Seconds the pod may run, counted '
    'from its start, before the system fails it.',
    'PodSpec.affinity': 'Rules that attract the pod to, or keep it away '
    'from, nodes and other pods.',
    'PodSpec.dnsPolicy': 'How the pod resolves names: ClusterFirst, '
    'ClusterFirstWithHostNet, Default or None.',
    'PodSpec.hostNetwork': 'Run the pod in the node\'s network namespace.',
    'PodSpec.hostname': 'The host name the pod sees; its name when unset.',
    'PodSpec.imagePullSecrets': 'Secrets holding credentials to pull the '
    'images.',
    'PodSpec.priorityClassName': 'The PriorityClass the pod\'s priority '
    'comes from.',
    'PodSpec.schedulerName': 'The scheduler that places the pod.',
    'PodSpec.securityContext': 'Security settings of every container of '
    'the pod.',
    'PodSpec.serviceAccountName': 'The ServiceAccount the pod runs as.',
    'PodSpec.subdomain': 'With hostname, gives the pod the DNS name '
    '<hostname>.<subdomain>.<namespace>.svc.',
    'PodSpec.terminationGracePeriodSeconds': 'Seconds the containers get '
    'to stop after the TERM signal before they are killed.',
    'PodSpec.tolerations': 'The node taints the pod tolerates.',
    'PodSpec.topologySpreadConstraints': 'How the pod and its peers are '
    'spread across zones, nodes or other domains.',
    'Container.image': 'The image to run, such as nginx:1.25.',
    'Container.imagePullPolicy': 'When the image is pulled: Always, Never '
    'or IfNotPresent.',
    'Container.livenessProbe': 'Restarts the container when it fails.',
    'Container.readinessProbe': 'Takes the pod out of service endpoints '
    'while it fails.',
    'Container.startupProbe': 'Holds the other probes back until the '
    'container has started.',
    'Container.lifecycle': 'Actions run right after start and before '
    'stop.',
    'Container.securityContext': 'Security settings of this container, '
    'over the pod\'s.',
    'Container.workingDir': 'The working directory; the image\'s when '
    'unset.',
    'Container.envFrom': 'Sources (ConfigMaps, Secrets) whose keys all '
    'become environment variables.',
    'Container.stdin': 'Keep a stdin buffer open for the container.',
    'Container.tty': 'Give the container a terminal.',
    'Container.terminationMessagePath': 'The file whose content becomes '
    'the termination message.',
    'ContainerPort.containerPort': 'The port number on the pod\'s IP.',
    'ContainerPort.hostPort': 'The port number on the node, if any.',
    'ContainerPort.protocol': 'TCP (the default), UDP or SCTP.',
    'ContainerPort.name': 'A name services can refer to the port by.',
    'EnvVar.value': 'The value; $(VAR) references are expanded.',
    'EnvVar.valueFrom': 'Takes the value from a field, resource, '
    'ConfigMap or Secret instead.',
    'VolumeMount.mountPath': 'The path inside the container.',
    'VolumeMount.readOnly': 'Mount the volume read-only.',
    'VolumeMount.subPath': 'A path inside the volume to mount instead of '
    'its root.',
    'ResourceRequirements.limits': 'The most of each resource the '
    'container may use.',
    'ResourceRequirements.requests': 'The amount of each resource the '
    'container is guaranteed; what scheduling counts.',
    'DeploymentSpec.paused': 'While true, template changes are not rolled '
    'out.',
    'DeploymentSpec.progressDeadlineSeconds': 'Seconds a rollout may go '
    'without progress before it is reported as failed.',
    'DeploymentSpec.replicas': 'The number of desired pods (1 when '
    'unset).',
    'DeploymentStrategy.type': 'Recreate (remove every old pod first) or '
    'RollingUpdate (the default).',
    'JobSpec.backoffLimit': 'How many retries before the Job is failed.',
    'JobSpec.completions': 'How many pods must succeed.',
    'JobSpec.parallelism': 'How many pods may run at once.',
    'JobSpec.activeDeadlineSeconds': 'Seconds the Job may be active '
    'before it is failed.',
    'JobSpec.ttlSecondsAfterFinished': 'Seconds after it finishes before '
    'the Job is deleted.',
    'JobSpec.completionMode': 'NonIndexed (the default) or Indexed, where '
    'each pod gets a completion index.',
    'JobSpec.manualSelector': 'Let the user set the selector instead of '
    'the generated one.',
    'CronJobSpec.failedJobsHistoryLimit': 'How many failed Jobs to keep.',
    'CronJobSpec.successfulJobsHistoryLimit': 'How many successful Jobs '
    'to keep.',
    'CronJobSpec.startingDeadlineSeconds': 'Seconds after its time a '
    'missed run may still start.',
    'CronJobSpec.timeZone': 'The time zone of the schedule, such as '
    'Europe/Paris; the controller\'s when unset.',
    'ServiceSpec.clusterIP': 'The virtual IP of the service; None makes '
    'it headless.',
    'ServiceSpec.type': 'ClusterIP (the default), NodePort, LoadBalancer '
    'or ExternalName.',
    'ServiceSpec.selector': 'The labels of the pods traffic is sent to.',
    'ServiceSpec.sessionAffinity': 'ClientIP sends a client to the same '
    'pod; None (the default) does not.',
    'ServicePort.port': 'The port the service listens on.',
    'ServicePort.targetPort': 'The port (number or name) on the pods.',
    'ServicePort.nodePort': 'The port on every node, for NodePort and '
    'LoadBalancer services.',
    'ObjectMeta.generateName': 'A prefix the server completes into a '
    'unique name when name is empty.',
    'ObjectMeta.generation': 'A number the server increments on each '
    'change of the desired state.',
    'ObjectMeta.deletionTimestamp': 'When the object was asked to be '
    'deleted; set by the server.',
    'ObjectMeta.managedFields': 'Which manager set which fields.',
    'StatefulSetSpec.serviceName': 'The headless service giving the pods '
    'their DNS names.',
    'StatefulSetSpec.podManagementPolicy': 'OrderedReady (one at a time, '
    'the default) or Parallel.',
    'StatefulSetSpec.volumeClaimTemplates': 'Claims each pod gets its own '
    'copy of.',
    'DaemonSetSpec.updateStrategy': 'How pods are replaced when the '
    'template changes: RollingUpdate (the default) or OnDelete.',
    'DaemonSetUpdateStrategy.type': 'RollingUpdate (the default) or '
    'OnDelete (a pod is replaced only once deleted).',
    'HorizontalPodAutoscalerSpec.scaleTargetRef': 'The workload scaled.',
    'HorizontalPodAutoscalerSpec.minReplicas': 'The fewest replicas (1 '
    'when unset).',
    'HorizontalPodAutoscalerSpec.maxReplicas': 'The most replicas; '
    'required.',
    'HorizontalPodAutoscalerSpec.metrics': 'The metrics scaled on; the '
    'largest proposed count wins (80% CPU when unset).',
    'HorizontalPodAutoscalerSpec.targetCPUUtilizationPercentage': 'The '
    'average CPU utilization aimed for, in percent of the requests.',
    'ResourceQuotaSpec.hard': 'The most of each named resource the '
    'namespace may use.',
    'ResourceQuotaSpec.scopes': 'Only objects in all these scopes count.',
    'ResourceQuotaSpec.scopeSelector': 'Only objects matching these scope '
    'terms count.',
    'LimitRangeItem.default': 'Limits given to a container that sets '
    'none.',
    'LimitRangeItem.defaultRequest': 'Requests given to a container that '
    'sets none.',
    'PodDisruptionBudgetSpec.minAvailable': 'Pods that must stay '
    'available (a number or a percentage).',
}


def camel_words(s):
    w = re.sub(r'([a-z0-9])([A-Z])', r'\1 \2', s)
    w = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1 \2', w)
    return w


def field_desc(name, owner):
    if owner + '.' + name in DESC_OWN:
        return DESC_OWN[owner + '.' + name]
    if name in DESC_FIELD:
        return DESC_FIELD[name]
    words = camel_words(name).lower()
    return 'The %s of this %s.' % (words, camel_words(owner).lower())


def def_desc(short):
    if short in DESC_DEF:
        return DESC_DEF[short]
    for suffix, text in (('Spec', 'The desired state of a %s.'),
                         ('Status', 'The observed state of a %s, written '
                          'by the system.'),
                         ('Condition', 'One observed condition of a %s.')):
        if short.endswith(suffix) and short != suffix:
            return text % camel_words(short[:-len(suffix)]).lower()
    return 'The %s part of an object.' % camel_words(short).lower()


def short_name(cls):
    if cls.startswith('New:'):
        return cls[4:]
    if cls in RENAME:
        return RENAME[cls]
    m = re.match(r'^(?:[A-Z][a-z]+)?V\d+(?:(?:alpha|beta)\d+)?([A-Z].*)$',
                 cls)
    if not m:
        raise SystemExit('bad class name ' + cls)
    return m.group(1)


def required_of(cls):
    src = open(sys.modules[getattr(models, cls).__module__].__file__).read()
    req = set()
    for m in re.finditer(r'raise ValueError\("Invalid value for `(\w+)`, '
                         r'must not be `None`"\)', src):
        req.add(m.group(1))
    c = getattr(models, cls)
    return [c.attribute_map[a] for a in c.openapi_types if a in req]


class Def:
    def __init__(self, cls, group):
        self.cls, self.group = cls, group
        self.short = short_name(cls)
        self.name = PKG[group] + '.' + self.short
        self.fields = []       # (json, pytype)
        self.required = []
        self.gvk = None
        self.prim = None       # (type, format) for string-like defs


defs = {}          # python class or 'New:X' or special -> Def
order = []


def special(key, name, typ, fmt):
    if key not in defs:
        d = Def.__new__(Def)
        d.cls, d.group, d.short, d.name = key, None, key, name
        d.fields, d.required, d.gvk, d.prim = [], [], None, (typ, fmt)
        defs[key] = d
        order.append(d)
    return key


def visit(cls, group):
    if cls in defs:
        return
    if cls.startswith('New:'):
        g, fields, req = NEW[cls[4:]]
        d = Def(cls, g)
        defs[cls] = d
        order.append(d)
        d.fields = list(fields.items())
        d.required = req
    else:
        g = 'meta' if cls in META else group
        d = Def(cls, g)
        defs[cls] = d
        order.append(d)
        c = getattr(models, cls)
        drop = DROP.get(cls, [])
        d.fields = [(c.attribute_map[a], t) for a, t in
                    c.openapi_types.items() if c.attribute_map[a] not in drop]
        names = {f for f, _ in d.fields}
        for f, t in EXTRA.get(cls, {}).items():
            if f not in names:
                d.fields.append((f, t))
        d.required = required_of(cls)
    for f, t in d.fields:
        for sub in re.findall(r'(New:\w+|[A-Z]\w+)', t):
            visit(sub, d.group)


for group, version, classes in ROOTS:
    for cls in classes:
        visit(cls, group)
        d = defs[cls]
        d.gvk = ('' if group == 'meta' else group.split('/')[0], version,
                 d.short)

special('Time', PKG['meta'] + '.Time', 'OA_STRING', 'date-time')
special('MicroTime', PKG['meta'] + '.MicroTime', 'OA_STRING', 'date-time')
special('Quantity', 'io.k8s.apimachinery.pkg.api.resource.Quantity',
        'OA_STRING', None)
special('IntOrString', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
        'OA_STRING', 'int-or-string')

order.sort(key=lambda d: d.name)
index = {d.cls: i for i, d in enumerate(order)}
names = [d.name for d in order]
assert len(set(names)) == len(names), 'duplicate definition names'


def cstr(s):
    if s is None:
        return 'NULL'
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def scalar(cls, name, t):
    """(type, ref, format) of a scalar python type t of field name."""
    if t == 'str':
        if name in QUANTITY or (cls, name) in QUANTITY_OWN:
            return ('OA_REF', index['Quantity'], None)
        return ('OA_STRING', -1, None)
    if t == 'int':
        fmt = 'int32'
        if name in INT64 and (cls, name) not in INT64_EXCEPT:
            fmt = 'int64'
        return ('OA_INTEGER', -1, fmt)
    if t == 'float':
        return ('OA_NUMBER', -1, 'double')
    if t == 'bool':
        return ('OA_BOOLEAN', -1, None)
    if t == 'datetime':
        return ('OA_REF', index['MicroTime' if name in MICRO_TIME
                                else 'Time'], None)
    if t == 'object':
        if name in INT_OR_STRING:
            return ('OA_REF', index['IntOrString'], None)
        return ('OA_OBJECT', -1, None)
    return ('OA_REF', index[t], None)


out = []
w = out.append
w('/*\n * openapi_schema.c: GENERATED by scripts/gen_openapi_schema.py from '
  'the\n * python3-kubernetes models (field names and types), completed to '
  'Kubernetes\n * 1.32; descriptions are our own. Do not edit: edit the '
  'script and rerun it.\n */')
w('#include "openapi.h"\n\n#include <stddef.h>\n')
for i, d in enumerate(order):
    if d.prim:
        continue
    w('static const struct openapi_prop p%d[] = {' % i)
    for f, t in sorted(d.fields):
        item, iref, ifmt = 'OA_NONE', -1, None
        m = re.match(r'^list\[(.*)\]$', t)
        mm = re.match(r'^dict\(str, (.*)\)$', t)
        if m:
            typ, ref, fmt = 'OA_ARRAY', -1, None
            sub = m.group(1)
            if sub.startswith('list['):
                item = 'OA_ARRAY'
            else:
                item, iref, ifmt = scalar(d.cls, f, sub)
        elif mm:
            typ, ref, fmt = 'OA_MAP', -1, None
            sub = mm.group(1)
            if sub.startswith('list['):
                item = 'OA_ARRAY'
            elif sub == 'str' and f in QUANTITY_MAPS:
                item, iref = 'OA_REF', index['Quantity']
            else:
                item, iref, ifmt = scalar(d.cls, f, sub)
        else:
            typ, ref, fmt = scalar(d.cls, f, t)
        flags = ['OA_REQUIRED'] if f in d.required else []
        strat, key, mkeys = PATCH.get((d.cls, f), (None, None, None))
        if mkeys:
            flags.append('OA_LIST_MAP')
        w('\t{ %s, %s, %s, %s, %d, %s, %s, %s, %s,\n\t    %s },' % (
            cstr(f), typ, item, cstr(fmt or ifmt), ref if ref >= 0 else iref,
            ' | '.join(flags) or '0', cstr(strat), cstr(key),
            cstr(','.join(mkeys) if mkeys else None),
            cstr(field_desc(f, d.short))))
    w('};')
w('\nconst struct openapi_def openapi_defs[] = {')
for i, d in enumerate(order):
    if d.prim:
        w('\t{ %s, %s, %s, %s, NULL, 0, NULL, NULL, NULL },' % (
            cstr(d.name), cstr(def_desc(d.short)), d.prim[0],
            cstr(d.prim[1])))
        continue
    g, v, k = d.gvk if d.gvk else (None, None, None)
    w('\t{ %s, %s, OA_OBJECT, NULL, p%d, %d, %s, %s, %s },' % (
        cstr(d.name), cstr(def_desc(d.short)), i, len(d.fields), cstr(g),
        cstr(v), cstr(k)))
w('};\n\nconst size_t openapi_ndefs = %d;' % len(order))
print('\n'.join(out))
