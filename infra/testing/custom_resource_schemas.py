"""JSON Schemas (draft 2020-12, as Python dicts) for the custom resources in infra/k8s/.

Our own compact subset, written by hand after reading the CRDs' OpenAPI schemas; not a copy of
them (no descriptions, no CEL rules, sub-objects the manifests do not use reduced to their type):
- ScaledObject, TriggerAuthentication (keda.sh/v1alpha1): kedacore/keda v2.20.2 (commit
  68a5b5028f35b22d50597c69819ab32c4e92f21a), config/crd/bases/keda.sh_scaledobjects.yaml and
  keda.sh_triggerauthentications.yaml.
- PodMonitor (monitoring.coreos.com/v1): prometheus-operator/prometheus-operator v0.93.0 (commit
  f8fafd475f3d132e239432ae6172de60a6cb6516), example/prometheus-operator-crd/
  monitoring.coreos.com_podmonitors.yaml.
Every object level these CRDs define without x-kubernetes-preserve-unknown-fields is structural,
so each object below lists the CRD's properties and rejects any other (additionalProperties: False).
Left out: the CRDs' CEL rules (ScaledObject: minReplicaCount <= maxReplicaCount) and int32/int64
formats. Our addition: apiVersion must be the version these schemas were written for.
"""

OBJECT = {"type": "object"}  # a sub-object the manifests do not use
STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
STRINGS = {"type": "array", "items": STRING}
STRING_MAP = {"type": "object", "additionalProperties": STRING}
INT_OR_STRING = {"type": ["integer", "string"]}  # x-kubernetes-int-or-string


def integer(minimum=None, maximum=None):
    schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def enum(*values):
    return {"type": "string", "enum": list(values)}


def obj(properties, required=()):
    """A structural object: exactly these properties, the required ones present."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def array(items, min_items=None):
    schema = {"type": "array", "items": items}
    if min_items is not None:
        schema["minItems"] = min_items
    return schema


def resource(api_version, spec, spec_required=()):
    return obj({
        "apiVersion": {"const": api_version},
        "kind": STRING,
        "metadata": OBJECT,  # ObjectMeta: the API server's, not the CRD's
        "spec": obj(spec, spec_required),
        "status": OBJECT,
    }, required=("spec",))


# --- KEDA -----------------------------------------------------------------------------------------

# autoscaling/v2 HPAScalingRules, as the ScaledObject CRD embeds it.
HPA_SCALING_RULES = obj({
    "policies": array(obj({"type": STRING, "value": integer(), "periodSeconds": integer()},
                          required=("periodSeconds", "type", "value"))),
    "selectPolicy": STRING,
    "stabilizationWindowSeconds": integer(),
    "tolerance": INT_OR_STRING,
})

SCALED_OBJECT = resource("keda.sh/v1alpha1", {
    "scaleTargetRef": obj({
        "apiVersion": STRING,
        "kind": STRING,
        "name": {"type": "string", "minLength": 1},
        "envSourceContainerName": STRING,
    }, required=("name",)),
    "pollingInterval": integer(minimum=1),
    "cooldownPeriod": integer(minimum=0),
    "initialCooldownPeriod": integer(minimum=0),
    "idleReplicaCount": integer(minimum=0),
    "minReplicaCount": integer(minimum=0),
    "maxReplicaCount": integer(minimum=1),
    "advanced": obj({
        "horizontalPodAutoscalerConfig": obj({
            "name": STRING,
            "behavior": obj({"scaleUp": HPA_SCALING_RULES, "scaleDown": HPA_SCALING_RULES}),
        }),
        "restoreToOriginalReplicaCount": BOOLEAN,
        "scalingModifiers": obj({
            "formula": STRING,
            "target": STRING,
            "activationTarget": STRING,
            "metricType": enum("AverageValue", "Value"),
        }),
    }),
    "fallback": obj({
        "failureThreshold": integer(minimum=0),
        "replicas": integer(minimum=0),
        "behavior": enum("static", "currentReplicas", "currentReplicasIfHigher", "currentReplicasIfLower",
                         "scalingModifiers"),
    }, required=("failureThreshold", "replicas")),
    "triggers": array(obj({
        "type": {"type": "string", "minLength": 1},
        "name": STRING,
        "metadata": STRING_MAP,
        "authenticationRef": obj({
            "name": STRING,
            "kind": enum("TriggerAuthentication", "ClusterTriggerAuthentication"),
        }, required=("name",)),
        "metricType": STRING,
        "useCachedMetrics": BOOLEAN,
    }, required=("metadata", "type")), min_items=1),
}, spec_required=("scaleTargetRef", "triggers"))

POD_IDENTITY = obj({
    "provider": enum("azure-workload", "gcp", "aws", "aws-eks", "none"),
    "identityOwner": enum("keda", "workload"),
    "roleArn": STRING,
    "identityId": STRING,
    "identityTenantId": STRING,
    "identityAuthorityHost": STRING,
    "externalID": STRING,
}, required=("provider",))

TRIGGER_AUTHENTICATION = resource("keda.sh/v1alpha1", {
    "podIdentity": POD_IDENTITY,
    "secretTargetRef": array(obj({"parameter": STRING, "name": STRING, "key": STRING},
                                 required=("key", "name", "parameter"))),
    "env": array(obj({"parameter": STRING, "name": STRING, "containerName": STRING},
                     required=("name", "parameter"))),
    "configMapTargetRef": array(obj({"parameter": STRING, "name": STRING, "key": STRING},
                                    required=("key", "name", "parameter"))),
    "boundServiceAccountToken": array(obj({"parameter": STRING, "serviceAccountName": STRING},
                                          required=("parameter", "serviceAccountName"))),
    "filePath": STRING,
    "awsSecretManager": OBJECT,
    "azureKeyVault": OBJECT,
    "gcpSecretManager": OBJECT,
    "hashiCorpVault": OBJECT,
    "oauth2": OBJECT,
})

# --- Prometheus Operator --------------------------------------------------------------------------

DURATION = {"type": "string",
            "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"}
SCRAPE_PROTOCOL = enum("PrometheusProto", "OpenMetricsText0.0.1", "OpenMetricsText1.0.0", "PrometheusText0.0.4",
                       "PrometheusText1.0.0")

LABEL_SELECTOR = obj({
    "matchLabels": STRING_MAP,
    "matchExpressions": array(obj({"key": STRING, "operator": STRING, "values": STRINGS},
                                  required=("key", "operator"))),
})

RELABEL_CONFIG = obj({
    "action": enum("replace", "Replace", "keep", "Keep", "drop", "Drop", "hashmod", "HashMod", "labelmap",
                   "LabelMap", "labeldrop", "LabelDrop", "labelkeep", "LabelKeep", "lowercase", "Lowercase",
                   "uppercase", "Uppercase", "keepequal", "KeepEqual", "dropequal", "DropEqual"),
    "sourceLabels": STRINGS,
    "separator": STRING,
    "targetLabel": STRING,
    "regex": STRING,
    "modulus": integer(minimum=0),
    "replacement": STRING,
})

POD_METRICS_ENDPOINT = obj({
    "port": STRING,
    "portNumber": integer(minimum=1, maximum=65535),
    "targetPort": INT_OR_STRING,
    "path": STRING,
    "scheme": enum("http", "https", "HTTP", "HTTPS"),
    "params": {"type": "object", "additionalProperties": STRINGS},
    "interval": DURATION,
    "scrapeTimeout": DURATION,
    "honorLabels": BOOLEAN,
    "honorTimestamps": BOOLEAN,
    "trackTimestampsStaleness": BOOLEAN,
    "filterRunning": BOOLEAN,
    "relabelings": array(RELABEL_CONFIG),
    "metricRelabelings": array(RELABEL_CONFIG),
    "enableHttp2": BOOLEAN,
    "followRedirects": BOOLEAN,
    "noProxy": STRING,
    "proxyUrl": {"type": "string", "pattern": "^(http|https|socks5)://.+$"},
    "proxyFromEnvironment": BOOLEAN,
    "proxyConnectHeader": {"type": "object", "additionalProperties": {"type": "array"}},
    "authorization": OBJECT,
    "basicAuth": OBJECT,
    "bearerTokenSecret": OBJECT,
    "oauth2": OBJECT,
    "tlsConfig": OBJECT,
})

POD_MONITOR = resource("monitoring.coreos.com/v1", {
    "selector": LABEL_SELECTOR,
    "selectorMechanism": enum("RelabelConfig", "RoleSelector"),
    "namespaceSelector": obj({"any": BOOLEAN, "matchNames": STRINGS}),
    "podMetricsEndpoints": array(POD_METRICS_ENDPOINT),
    "jobLabel": STRING,
    "podTargetLabels": STRINGS,
    "attachMetadata": obj({"node": BOOLEAN}),
    "scrapeClass": {"type": "string", "minLength": 1},
    "scrapeProtocols": array(SCRAPE_PROTOCOL),
    "fallbackScrapeProtocol": SCRAPE_PROTOCOL,
    "scrapeClassicHistograms": BOOLEAN,
    "scrapeNativeHistograms": BOOLEAN,
    "convertClassicHistogramsToNHCB": BOOLEAN,
    "nativeHistogramBucketLimit": integer(minimum=0),
    "nativeHistogramMinBucketFactor": INT_OR_STRING,
    "bodySizeLimit": {"type": "string", "pattern": "(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$"},
    "sampleLimit": integer(minimum=0),
    "targetLimit": integer(minimum=0),
    "labelLimit": integer(minimum=0),
    "labelNameLengthLimit": integer(minimum=0),
    "labelValueLengthLimit": integer(minimum=0),
    "keepDroppedTargets": integer(minimum=0),
}, spec_required=("selector",))

SCHEMAS = {
    "ScaledObject": SCALED_OBJECT,
    "TriggerAuthentication": TRIGGER_AUTHENTICATION,
    "PodMonitor": POD_MONITOR,
}
