// node validate.mjs FILE: every document of a rendered YAML file validated against the schema of its kind
// (kubernetes-models' pinned Kubernetes OpenAPI; the Prometheus Operator's for ServiceMonitor). Prints one line per
// object; exits 1 if any is invalid or of a kind it does not know.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { Namespace, Service, ServiceAccount, ConfigMap, Secret } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const models = {
  "v1/Namespace": Namespace, "v1/Service": Service, "v1/ServiceAccount": ServiceAccount, "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret, "apps/v1/Deployment": Deployment, "apps/v1/StatefulSet": StatefulSet,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler, "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy, "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};

let failed = 0;
for (const doc of yaml.loadAll(readFileSync(process.argv[2], "utf8")).filter(Boolean)) {
  const kind = `${doc.apiVersion}/${doc.kind}`;
  const name = `${kind} ${doc.metadata && doc.metadata.name}`;
  const Model = models[kind];
  if (!Model) { console.log(`unknown kind: ${name}`); failed++; continue; }
  try {
    new Model(doc).validate();
    console.log(`valid: ${name}`);
  } catch (e) {
    console.log(`invalid: ${name}: ${String(e.message).split("\n")[0]}`);
    failed++;
  }
}
process.exitCode = failed ? 1 : 0;
