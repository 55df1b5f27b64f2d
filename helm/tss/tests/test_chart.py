"""Chart tests over `helm template` output (docs/adr/0021).

Run by deploy/helm/check-chart.sh: HELM=<helm binary> python3 helm/tss/tests/test_chart.py
Needs PyYAML (the checkov venv has it) and nothing else: no cluster, no helm plugin.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

# libyaml's parser (PyYAML's C binding, in the checkov venv's wheel) reads a rendered chart about
# ten times faster than the pure-Python one: each test parses one or more ~80 KB renders.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HELM = os.environ.get("HELM", "helm")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CHART = os.path.join(ROOT, "helm", "tss")
PRODUCTION = os.path.join(ROOT, "deploy", "helm", "values-production.yaml")
SERVICES = ["gateway", "ticket-intake", "sla-timer", "notification", "escalation", "rating"]
MASTER_KEYS = "k1:" + "A" * 43 + "="
SITE_LINK_KEYS = "s1:" + "B" * 43 + "="
REQUIRED = ["secrets.databaseUrl=postgres://tss:pw@pg:5432/tss", "secrets.masterKeys=" + MASTER_KEYS, "secrets.siteLinkKeys=" + SITE_LINK_KEYS]
RELEASE, NAMESPACE = "t", "tss"
# Our own address: required once notification sends mail through a server or takes it in.
MAIL_FROM = "services.notification.mailFrom=support@example.com"


# `helm template`'s answers by arguments: a third of the tests render the same values (the
# defaults, production) as another; each render is a helm process of about half a second.
RENDERS = {}


def helm_template(args, values=None):
    """`args`' answer, run once for the same arguments and values file content."""
    key = (tuple(args), open(values).read() if values else None)
    if key not in RENDERS:
        RENDERS[key] = subprocess.run(args, capture_output=True, text=True)
    return RENDERS[key]


def render(*sets, values=None, required=True, expect_failure=False):
    """The manifests, parsed afresh for each call: a test may change what it gets."""
    args = [HELM, "template", RELEASE, CHART, "--namespace", NAMESPACE]
    if values:
        args += ["-f", values]
    for s in (REQUIRED if required else []) + list(sets):
        args += ["--set", s]
    result = helm_template(args, values)
    if expect_failure:
        if result.returncode == 0:
            raise AssertionError("helm template succeeded; expected a failure for %s" % (sets,))
        return result.stderr
    if result.returncode != 0:
        raise AssertionError("helm template failed:\n" + result.stderr)
    return [d for d in yaml.load_all(result.stdout, Loader=SAFE_LOADER) if d]


def notes(*sets, required=True):
    """NOTES.txt as `helm install` prints it (helm template leaves it out): the same text, rendered
    with tpl in a copy of the chart, where NOTES.txt is a file rather than a template."""
    with tempfile.TemporaryDirectory() as tmp:
        chart = os.path.join(tmp, "tss")
        shutil.copytree(CHART, chart, ignore=shutil.ignore_patterns("tests"))
        os.makedirs(os.path.join(chart, "files"))
        shutil.move(os.path.join(chart, "templates", "NOTES.txt"), os.path.join(chart, "files", "NOTES.txt"))
        with open(os.path.join(chart, "templates", "notes.yaml"), "w") as f:
            f.write('kind: Notes\ntext: {{ tpl (.Files.Get "files/NOTES.txt") . | toJson }}\n')
        args = [HELM, "template", RELEASE, chart, "--namespace", NAMESPACE, "--show-only", "templates/notes.yaml"]
        for s in (REQUIRED if required else []) + list(sets):
            args += ["--set", s]
        result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError("helm template failed:\n" + result.stderr)
    return yaml.load(result.stdout, Loader=SAFE_LOADER)["text"]


def of_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def named(docs, kind, name):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, "%s %s: found %d" % (kind, name, len(found))
    return found[0]


def full(component):
    return "%s-tss-%s" % (RELEASE, component)


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def matches(selector, labels):
    """A LabelSelector (matchLabels and matchExpressions) against a label set."""
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        op, key, values = e["operator"], e["key"], e.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def peer_selects(peer, labels, namespace=NAMESPACE):
    """A NetworkPolicyPeer against a pod (its labels, in a namespace labelled only with its name, as
    Kubernetes labels every namespace); an ipBlock selects no pod (cluster-internal traffic is pods')."""
    if "ipBlock" in peer:
        return False
    in_namespace = matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace}) if "namespaceSelector" in peer else namespace == NAMESPACE
    return in_namespace and matches(peer.get("podSelector", {}), labels)


def lets_in(policy, port, labels, namespace=NAMESPACE):
    """Whether a NetworkPolicy's ingress admits a pod (labels, namespace) on a TCP port."""
    for rule in policy["spec"].get("ingress", []):
        if "ports" in rule and not any(p.get("port") == port for p in rule["ports"]):
            continue
        if "from" not in rule or any(peer_selects(peer, labels, namespace) for peer in rule["from"]):
            return True
    return False


def workloads(docs):
    """(kind/name, pod labels) of every Deployment and Job."""
    return [("%s/%s" % (d["kind"], d["metadata"]["name"]), d["spec"]["template"]["metadata"]["labels"])
            for d in docs if d["kind"] in ("Deployment", "Job")]


def source_files():
    """The code's TypeScript sources (not tests) under libs/ and services/."""
    for top in ("libs", "services"):
        for d, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [x for x in dirs if x not in ("node_modules", "test", "dist")]
            for f in files:
                if f.endswith(".ts") and not f.endswith(".spec.ts"):
                    yield os.path.join(d, f)


def balanced(text, start):
    """text[start:] up to the bracket that closes the one at start."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i + 1]
    raise ValueError("unbalanced from %d" % start)


def registered_metrics():
    """Every metric the code creates with prom-client (new Counter|Gauge|Histogram|Summary({name, labelNames})): name -> label names."""
    metrics = {}
    for path in source_files():
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(", text):
            body = balanced(text, m.end() - 1)
            name = re.search(r"\bname:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'", body)
            labels = re.search(r"\blabelNames:\s*\[([^\]]*)\]", body)
            if name:
                metrics[name.group(1)] = set(re.findall(r"'([a-zA-Z_][a-zA-Z0-9_]*)'", labels.group(1))) if labels else set()
    return metrics


def string_union(path, type_name):
    """The members of `export type <type_name> = 'a' | 'b' ...;` in a source file, or of the
    `as const` list it is read from (`export type <type_name> = (typeof LIST)[number];`)."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"export type %s\s*=\s*([^;]+);" % type_name, text)
    assert m, "%s: no type %s" % (path, type_name)
    listed = re.fullmatch(r"\(typeof\s+([A-Za-z_][A-Za-z0-9_]*)\)\[number\]", m.group(1).strip())
    if listed:
        m = re.search(r"export const %s\s*=\s*\[([^\]]*)\]\s*as const;" % listed.group(1), text)
        assert m, "%s: no list %s" % (path, listed.group(1))
    return set(re.findall(r"'([^']+)'", m.group(1)))


class Defaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = render()

    def test_one_deployment_service_pdb_per_service(self):
        for s in SERVICES:
            named(self.docs, "Deployment", full(s))
            named(self.docs, "Service", full(s))
            named(self.docs, "PodDisruptionBudget", full(s))
        self.assertEqual(len(of_kind(self.docs, "Deployment")), 6)

    def test_hpa_only_where_enabled_and_replicas_left_to_it(self):
        hpas = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(self.docs, "HorizontalPodAutoscaler")}
        self.assertEqual(hpas, {full(s) for s in ["gateway", "ticket-intake", "sla-timer", "notification"]})
        for h in of_kind(self.docs, "HorizontalPodAutoscaler"):
            self.assertEqual(h["apiVersion"], "autoscaling/v2")
            self.assertEqual(h["spec"]["metrics"][0]["resource"]["name"], "cpu")
        for d in of_kind(self.docs, "Deployment"):
            self.assertEqual("replicas" in d["spec"], d["metadata"]["name"] not in hpas, d["metadata"]["name"])

    def test_each_deployment_runs_its_own_bundle(self):
        for s in SERVICES:
            c = named(self.docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0]
            self.assertEqual(c["args"], ["dist/services/%s/main.js" % s])
            self.assertEqual(c["image"], "ghcr.io/example/tss:0.1.0")

    def test_probes_and_drain(self):
        for s in SERVICES:
            pod = named(self.docs, "Deployment", full(s))["spec"]["template"]["spec"]
            c = pod["containers"][0]
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            self.assertEqual(c["livenessProbe"]["httpGet"], {"path": "/healthz", "port": "http"})
            self.assertEqual(c["readinessProbe"]["httpGet"], {"path": "/readyz", "port": "http"})
            self.assertEqual(c["startupProbe"]["httpGet"]["path"], "/healthz")
            self.assertIn("http", ports)
            self.assertIn("metrics", ports)
            self.assertNotEqual(ports["http"], ports["metrics"])
            self.assertEqual(c["lifecycle"]["preStop"], {"sleep": {"seconds": 5}})
            # Kubernetes counts the grace period from the start of preStop: sleep + drain must fit.
            self.assertGreater(pod["terminationGracePeriodSeconds"], 5 + 10)

    def test_startup_probe_outlasts_the_wait_for_postgresql(self):
        # A service waits up to DB_CONNECT_TIMEOUT_MS for PostgreSQL before it listens
        # (service-process.ts): a shorter startup probe restarts it mid-wait, into CrashLoopBackOff.
        # The setting is declared once, for the service and its migrate (process-config.ts).
        with open(os.path.join(ROOT, "libs", "runtime", "src", "service-process.ts")) as f:
            self.assertIn("DB_CONNECT_TIMEOUT_MS: DbConnectTimeoutSetting,", f.read())
        with open(os.path.join(ROOT, "libs", "runtime", "src", "process-config.ts")) as f:
            code = f.read()
        code_default_ms = int(re.search(r"DbConnectTimeoutSetting = Type\.Integer\(\{[^}]*default: ([0-9_]+)", code).group(1).replace("_", ""))
        start_seconds = 60 * 2  # probes.startup: the start itself, once PostgreSQL answers
        for sets, wait_ms in [((), code_default_ms), (("config.dbConnectTimeoutMs=600000",), 600000)]:
            docs = render(*sets)
            cm = named(docs, "ConfigMap", "t-tss")["data"]
            self.assertEqual(int(cm.get("DB_CONNECT_TIMEOUT_MS", code_default_ms)), wait_ms)
            for s in SERVICES:
                c = named(docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0]
                probe = c["startupProbe"]
                self.assertGreaterEqual(probe["periodSeconds"] * probe["failureThreshold"], wait_ms / 1000 + start_seconds, (s, sets))
                # Not ready while it waits: the readiness probe asks the same port, which is not open yet.
                self.assertEqual(c["readinessProbe"]["httpGet"]["port"], probe["httpGet"]["port"])

    def test_pod_security(self):
        for kind, name, pod in [(d["kind"], d["metadata"]["name"], d["spec"]["template"]["spec"])
                                for d in self.docs if d["kind"] in ("Deployment", "Job")]:
            ctx = pod["securityContext"]
            self.assertTrue(ctx["runAsNonRoot"], name)
            self.assertEqual(ctx["seccompProfile"]["type"], "RuntimeDefault", name)
            self.assertFalse(pod["automountServiceAccountToken"], name)
            tmp = [v for v in pod["volumes"] if v["name"] == "tmp"]
            self.assertEqual(len(tmp), 1, name)
            self.assertIn("emptyDir", tmp[0])
            for c in pod.get("initContainers", []) + pod["containers"]:
                sc = c["securityContext"]
                self.assertFalse(sc["allowPrivilegeEscalation"], (name, c["name"]))
                self.assertTrue(sc["readOnlyRootFilesystem"], (name, c["name"]))
                self.assertEqual(sc["capabilities"]["drop"], ["ALL"], (name, c["name"]))
                self.assertNotIn("add", sc["capabilities"])
                self.assertIn("resources", c)
                if kind == "Deployment":
                    self.assertIn({"name": "tmp", "mountPath": "/tmp"}, c["volumeMounts"])

    def test_services_mode_environment(self):
        cm = named(self.docs, "ConfigMap", "t-tss")
        self.assertEqual(cm["data"]["HOST"], "0.0.0.0")
        self.assertNotEqual(cm["data"]["PORT"], cm["data"]["METRICS_PORT"])
        gateway_url = "http://%s.%s.svc" % (full("gateway"), NAMESPACE)
        service_ports = {d["metadata"]["name"]: {p["name"]: p["port"] for p in d["spec"]["ports"]}
                         for d in of_kind(self.docs, "Service")}
        self.assertEqual(service_ports[full("gateway")]["http"], 80)
        for s in SERVICES[1:]:
            env = env_of(named(self.docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0])
            self.assertEqual(env["TSS_JWKS_URL"]["value"], gateway_url + "/.well-known/jwks.json")
            self.assertEqual(env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"], "t-tss")
            self.assertNotIn("TSS_BOOTSTRAP_CLIENT_SECRET", env)
        gw = env_of(named(self.docs, "Deployment", full("gateway"))["spec"]["template"]["spec"]["containers"][0])
        upstreams = {"TSS_INTAKE_URL": "ticket-intake", "TSS_SLA_TIMER_URL": "sla-timer", "TSS_NOTIFICATION_URL": "notification",
                     "TSS_ESCALATION_URL": "escalation", "TSS_RATING_URL": "rating"}
        for var, s in upstreams.items():
            self.assertEqual(gw[var]["value"], "http://%s.%s.svc" % (full(s), NAMESPACE))
            self.assertEqual(service_ports[full(s)]["http"], 80)
        self.assertNotIn("TSS_JWKS_URL", gw)
        self.assertEqual(gw["TSS_TRUST_PROXY"]["value"], "1")
        self.assertEqual(gw["TSS_MASTER_KEYS"]["valueFrom"]["secretKeyRef"]["key"], "TSS_MASTER_KEYS")
        secret = named(self.docs, "Secret", "t-tss")
        self.assertEqual(set(secret["stringData"]), {"DATABASE_URL", "TSS_MASTER_KEYS", "TSS_SITE_LINK_KEYS"})

    def test_support_site_links_one_key_for_gateway_and_notification_and_the_public_address(self):
        # The gateway verifies the links notification mails (docs/adr/0037): both read one secret key.
        for s in ("gateway", "notification"):
            env = env_of(named(self.docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0])
            self.assertEqual(env["TSS_SITE_LINK_KEYS"]["valueFrom"]["secretKeyRef"], {"name": "t-tss", "key": "TSS_SITE_LINK_KEYS"})
        for s in ("ticket-intake", "sla-timer", "escalation", "rating"):
            self.assertNotIn("TSS_SITE_LINK_KEYS", env_of(named(self.docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0]))
        self.assertEqual(named(self.docs, "Secret", "t-tss")["stringData"]["TSS_SITE_LINK_KEYS"], SITE_LINK_KEYS)
        # Links start at the ingress host unless config.publicUrl says otherwise.
        self.assertEqual(named(self.docs, "ConfigMap", "t-tss")["data"]["TSS_PUBLIC_URL"], "https://tss.example.com")
        docs = render("config.publicUrl=https://help.example.org")
        self.assertEqual(named(docs, "ConfigMap", "t-tss")["data"]["TSS_PUBLIC_URL"], "https://help.example.org")
        self.assertIn("secrets.siteLinkKeys is required", render("secrets.siteLinkKeys=", expect_failure=True))
        self.assertIn("publicUrl", render("config.publicUrl=https://help.example.org/", expect_failure=True))

    def test_the_public_address_and_the_notes_take_the_scheme_the_ingress_serves(self):
        # An ingress without TLS serves http: links and NOTES.txt say so (config.publicUrl wins).
        public_url = lambda docs: named(docs, "ConfigMap", "t-tss")["data"]["TSS_PUBLIC_URL"]
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as no_tls:
            no_tls.write("ingress:\n  tls: []\n")
            no_tls.flush()
            self.assertEqual(public_url(render(values=no_tls.name)), "http://tss.example.com")
        self.assertEqual(public_url(render("ingress.tls=null", "config.publicUrl=https://help.example.org")), "https://help.example.org")
        admin = ["services.gateway.bootstrapClientId=tss-admin", "secrets.bootstrapClientSecret=" + "s" * 24]
        text = notes("ingress.tls=null", *admin)
        self.assertIn("API: http://tss.example.com/docs", text)
        self.assertIn("curl -s http://tss.example.com/v1/auth/token", text)
        # TLS for some hosts only: each host with its own scheme; the links take the first host's.
        second = ["ingress.hosts[%d].%s" % (i, kv) for i, host in enumerate(["tss.example.com", "www.example.com"])
                  for kv in ("host=" + host, "paths[0].path=/", "paths[0].pathType=Prefix")]
        self.assertIn("API: https://tss.example.com/docs http://www.example.com/docs", notes(*second))
        only_second = second + ["ingress.tls[0].hosts[0]=www.example.com"]
        self.assertEqual(public_url(render(*only_second)), "http://tss.example.com")
        self.assertIn("curl -s http://tss.example.com/v1/auth/token", notes(*only_second, *admin))
        # A wildcard certificate covers one label.
        self.assertEqual(public_url(render("ingress.tls[0].hosts[0]=*.example.com")), "https://tss.example.com")
        self.assertEqual(public_url(render("ingress.tls[0].hosts[0]=*.com")), "http://tss.example.com")

    def test_every_service_port_has_a_metrics_port_named_metrics(self):
        for s in SERVICES:
            names = [p["name"] for p in named(self.docs, "Service", full(s))["spec"]["ports"]]
            self.assertEqual(names, ["http", "metrics"])

    def test_ingress_routes_to_the_gateway_with_class_and_tls(self):
        ing = named(self.docs, "Ingress", full("gateway"))
        self.assertEqual(ing["spec"]["ingressClassName"], "nginx")
        self.assertEqual(ing["spec"]["tls"][0]["secretName"], "tss-tls")
        backends = [p["backend"]["service"] for r in ing["spec"]["rules"] for p in r["http"]["paths"]]
        self.assertEqual(backends, [{"name": full("gateway"), "port": {"name": "http"}}])

    def test_every_object_is_in_the_release_namespace(self):
        for d in self.docs:
            self.assertEqual(d["metadata"].get("namespace"), NAMESPACE, "%s %s" % (d["kind"], d["metadata"]["name"]))

    def test_config_map_holds_no_secret(self):
        cm = named(self.docs, "ConfigMap", "t-tss")["data"]
        for key in ("DATABASE_URL", "TSS_MASTER_KEYS", "TSS_BOOTSTRAP_CLIENT_SECRET", "MAIL_SMTP_PASSWORD", "REDIS_URL"):
            self.assertNotIn(key, cm)
        self.assertNotIn("pw@", " ".join(cm.values()))

    def test_checkov_skips_carry_a_reason(self):
        for d in of_kind(self.docs, "Deployment") + of_kind(self.docs, "Job"):
            skips = {k: v for k, v in d["metadata"]["annotations"].items() if k.startswith("checkov.io/skip")}
            self.assertEqual(sorted(v.split("=")[0] for v in skips.values()), ["CKV_K8S_11", "CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_43"])
            for v in skips.values():
                self.assertRegex(v, r"^CKV_K8S_\d+=\S.{20,}")
        digest = render("image.digest=sha256:" + "b" * 64)
        skipped = [v for v in named(digest, "Deployment", full("gateway"))["metadata"]["annotations"].values() if "CKV_K8S_43" in v]
        self.assertEqual(skipped, [], "with a digest, the digest check runs")

    def test_monitoring_objects_are_off_by_default(self):
        self.assertEqual(of_kind(self.docs, "ServiceMonitor") + of_kind(self.docs, "PrometheusRule"), [])


class MigrationHook(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = render()
        cls.job = named(cls.docs, "Job", full("migrate"))

    def weight(self, doc):
        return int(doc["metadata"]["annotations"]["helm.sh/hook-weight"])

    def test_is_a_pre_install_pre_upgrade_hook(self):
        a = self.job["metadata"]["annotations"]
        self.assertEqual(a["helm.sh/hook"], "pre-install,pre-upgrade")
        self.assertEqual(a["helm.sh/hook-delete-policy"], "before-hook-creation,hook-succeeded")

    def test_runs_migrate_for_every_service_in_order(self):
        pod = self.job["spec"]["template"]["spec"]
        self.assertEqual(pod["restartPolicy"], "Never")
        commands = [c["args"] for c in pod["initContainers"]]
        self.assertEqual(commands, [["dist/services/%s/main.js" % s, "migrate"] for s in SERVICES])
        for c in pod["initContainers"]:
            self.assertIn("DATABASE_URL", env_of(c))
            # Waits for PostgreSQL as long as a service does (service-process.ts, ServiceMigrateEnv).
            self.assertEqual(env_of(c)["DB_CONNECT_TIMEOUT_MS"]["value"], named(self.docs, "ConfigMap", "t-tss")["data"]["DB_CONNECT_TIMEOUT_MS"])
        self.assertGreater(self.job["spec"]["activeDeadlineSeconds"] * 1000, int(env_of(pod["initContainers"][0])["DB_CONNECT_TIMEOUT_MS"]["value"]))

    def test_its_service_account_and_secret_exist_before_it(self):
        pod = self.job["spec"]["template"]["spec"]
        sa = named(self.docs, "ServiceAccount", pod["serviceAccountName"])
        secret_name = env_of(pod["initContainers"][0])["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
        secret = named(self.docs, "Secret", secret_name)
        for doc in (sa, secret):
            self.assertEqual(doc["metadata"]["annotations"]["helm.sh/hook"], "pre-install,pre-upgrade")
            self.assertLess(self.weight(doc), self.weight(self.job))
        self.assertEqual(secret["stringData"], {"DATABASE_URL": "postgres://tss:pw@pg:5432/tss"})

    def test_its_network_policy_exists_before_it(self):
        # On a first install under a default-deny namespace the pre-install Job's pod ran before the
        # release's own objects existed, its NetworkPolicy among them: no DNS, no PostgreSQL.
        policy = named(self.docs, "NetworkPolicy", full("migrate"))
        annotations = policy["metadata"].get("annotations", {})
        self.assertEqual(annotations.get("helm.sh/hook"), "pre-install,pre-upgrade")
        self.assertEqual(annotations.get("helm.sh/hook-delete-policy"), "before-hook-creation,hook-succeeded")
        self.assertLess(self.weight(policy), self.weight(self.job))
        self.assertTrue(matches(policy["spec"]["podSelector"], self.job["spec"]["template"]["metadata"]["labels"]))
        # The services' policies are the release's own: no hooks.
        for s in SERVICES:
            self.assertNotIn("helm.sh/hook", named(self.docs, "NetworkPolicy", full(s))["metadata"].get("annotations", {}), s)

    def test_existing_secret_needs_no_hook_secret(self):
        docs = render("secrets.existingSecret=tss-prod", required=False)
        self.assertEqual([d["metadata"]["name"] for d in of_kind(docs, "Secret")], [])
        job = named(docs, "Job", full("migrate"))
        ref = env_of(job["spec"]["template"]["spec"]["initContainers"][0])["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        self.assertEqual(ref["name"], "tss-prod")
        for d in of_kind(docs, "Deployment"):
            for e in d["spec"]["template"]["spec"]["containers"][0]["env"]:
                if "valueFrom" in e:
                    self.assertEqual(e["valueFrom"]["secretKeyRef"]["name"], "tss-prod")

    def test_keys_are_required_of_an_existing_secret_as_of_the_charts(self):
        # Without them each pod would make its own: links one pod signs fail on another, and a master
        # key lands in the database next to what it wraps (docs/adr/0014, 0037).
        readers = {"TSS_MASTER_KEYS": ["gateway", "ticket-intake", "notification"], "TSS_SITE_LINK_KEYS": ["gateway", "notification"]}
        for secret, docs in (("t-tss", render()), ("tss-prod", render("secrets.existingSecret=tss-prod", required=False))):
            for key, services in readers.items():
                for s in services:
                    env = env_of(named(docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0])
                    self.assertEqual(env[key]["valueFrom"]["secretKeyRef"], {"name": secret, "key": key}, (secret, key, s))
        # A throw-away install may go without: each service then makes its own (development only).
        dev = render("secrets.requireMasterKeys=false", "secrets.masterKeys=", "secrets.siteLinkKeys=")
        for key, services in readers.items():
            for s in services:
                env = env_of(named(dev, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0])
                self.assertTrue(env[key]["valueFrom"]["secretKeyRef"]["optional"], (key, s))

    def test_database_url_from_cloudnativepg_secret(self):
        docs = render("secrets.databaseUrlSecretRef.name=tss-pg-app", "secrets.masterKeys=" + MASTER_KEYS, "secrets.siteLinkKeys=" + SITE_LINK_KEYS, required=False)
        for d in of_kind(docs, "Deployment") + of_kind(docs, "Job"):
            pod = d["spec"]["template"]["spec"]
            for c in pod.get("initContainers", []) + pod["containers"][:1]:
                if d["kind"] == "Job" and c["name"] == "done":
                    continue
                self.assertEqual(env_of(c)["DATABASE_URL"]["valueFrom"]["secretKeyRef"], {"name": "tss-pg-app", "key": "uri"})

    def test_can_be_turned_off(self):
        docs = render("migrations.enabled=false")
        self.assertEqual(of_kind(docs, "Job"), [])

    def test_without_the_hook_every_service_migrates_at_start_and_the_notes_say_so(self):
        # Without the hook and MIGRATE_ON_START every pod exits "pending migrations" (service-host.ts).
        self.assertEqual(named(render("migrations.enabled=false"), "ConfigMap", "t-tss")["data"]["MIGRATE_ON_START"], "true")
        self.assertNotIn("MIGRATE_ON_START", named(self.docs, "ConfigMap", "t-tss")["data"])
        self.assertIn("Migrations ran in the hook Job t-tss-migrate", notes())
        text = notes("migrations.enabled=false")
        self.assertNotIn("ran in the hook Job", text)
        self.assertIn("MIGRATE_ON_START", text)


class NetworkPolicies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = render("services.notification.inboundSmtp.enabled=true", MAIL_FROM)
        cls.policies = {p["metadata"]["name"]: p for p in of_kind(cls.docs, "NetworkPolicy")}
        cls.pods = workloads(cls.docs)

    def selected(self, selector):
        return [name for name, labels in self.pods if matches(selector, labels)]

    def test_each_policy_selects_exactly_the_workload_it_is_named_for(self):
        self.assertEqual(set(self.policies), {full(s) for s in SERVICES + ["migrate"]})
        for name, policy in self.policies.items():
            expected = ["Job/" + name] if name.endswith("-migrate") else ["Deployment/" + name]
            self.assertEqual(self.selected(policy["spec"]["podSelector"]), expected, name)
            self.assertEqual(policy["spec"]["policyTypes"], ["Ingress", "Egress"])

    def test_every_workload_is_covered_by_a_policy(self):
        for name, labels in self.pods:
            self.assertTrue(any(matches(p["spec"]["podSelector"], labels) for p in self.policies.values()), name)

    def test_only_gateway_and_notification_smtp_take_outside_traffic(self):
        for name, policy in self.policies.items():
            for rule in policy["spec"].get("ingress", []):
                peers = rule.get("from")
                open_to_all = peers is None or any("ipBlock" in p for p in peers)
                ports = [p["port"] for p in rule["ports"]]
                if open_to_all:
                    self.assertIn((name, ports), [(full("gateway"), [8080]), (full("notification"), [2525])])

    def test_services_take_http_only_from_the_gateway(self):
        for s in SERVICES[1:]:
            rules = [r for r in self.policies[full(s)]["spec"]["ingress"] if r["ports"][0]["port"] == 8080]
            self.assertEqual(len(rules), 1)
            froms = [self.selected(p["podSelector"]) for p in rules[0]["from"]]
            self.assertEqual(froms, [["Deployment/" + full("gateway")]])

    def test_gateway_reaches_each_service_and_services_reach_the_gateway(self):
        egress = self.policies[full("gateway")]["spec"]["egress"]
        to_services = [r for r in egress if any("podSelector" in p for p in r.get("to", []))]
        self.assertEqual(len(to_services), 1)
        reached = sorted(w for p in to_services[0]["to"] for w in self.selected(p["podSelector"]))
        self.assertEqual(reached, sorted("Deployment/" + full(s) for s in SERVICES[1:]))
        for s in SERVICES[1:]:
            rules = [r for r in self.policies[full(s)]["spec"]["egress"] if any("podSelector" in p for p in r.get("to", []))]
            self.assertEqual([self.selected(p["podSelector"]) for r in rules for p in r["to"]], [["Deployment/" + full("gateway")]])

    def test_everyone_reaches_dns_postgres_and_kafka(self):
        for name, policy in self.policies.items():
            ports = {p["port"] for r in policy["spec"]["egress"] for p in r["ports"]}
            self.assertTrue({53, 5432} <= ports, name)
            if not name.endswith("-migrate"):
                self.assertIn(9092, ports, name)
        self.assertNotIn(9092, {p["port"] for r in self.policies[full("migrate")]["spec"]["egress"] for p in r["ports"]})

    def test_only_notification_leaves_the_cluster_for_webhooks_and_smtp(self):
        for name, policy in self.policies.items():
            blocks = [r for r in policy["spec"]["egress"] if any("ipBlock" in p for p in r.get("to", []))]
            if name == full("notification"):
                self.assertEqual(len(blocks), 1)
                self.assertEqual({p["port"] for p in blocks[0]["ports"]}, {443, 80, 587, 465, 25})
                self.assertIn("169.254.169.254/32", blocks[0]["to"][0]["ipBlock"]["except"])
            else:
                self.assertEqual(blocks, [], name)

    def test_notification_reaches_its_smtp_server_on_the_port_it_is_given(self):
        docs = render("services.notification.smtp.host=smtp.example.com", "services.notification.smtp.port=2587", MAIL_FROM)
        blocks = [r for r in named(docs, "NetworkPolicy", full("notification"))["spec"]["egress"] if any("ipBlock" in p for p in r.get("to", []))]
        self.assertEqual([p["port"] for p in blocks[0]["ports"]], [443, 80, 587, 465, 25, 2587])
        usual = [r for r in named(render("services.notification.smtp.host=smtp.example.com", MAIL_FROM), "NetworkPolicy", full("notification"))["spec"]["egress"]
                 if any("ipBlock" in p for p in r.get("to", []))]
        self.assertEqual([p["port"] for p in usual[0]["ports"]], [443, 80, 587, 465, 25])

    def test_inbound_smtp_listener(self):
        svc = named(self.docs, "Service", full("notification-smtp"))
        self.assertEqual(svc["spec"]["ports"][0]["targetPort"], "smtp")
        pods = [n for n, labels in self.pods if matches({"matchLabels": svc["spec"]["selector"]}, labels)]
        self.assertEqual(pods, ["Deployment/" + full("notification")])
        env = env_of(named(self.docs, "Deployment", full("notification"))["spec"]["template"]["spec"]["containers"][0])
        self.assertEqual(env["INBOUND_SMTP_PORT"]["value"], "2525")
        # The Service reaches the pod's own address; notification's default is loopback.
        self.assertEqual(env["INBOUND_SMTP_HOST"]["value"], "0.0.0.0")

    def test_inbound_smtp_keeps_the_client_address_for_its_ip_block_filter(self):
        # externalTrafficPolicy Cluster rewrites the source address on the way to the pod, so an
        # ipBlock in inboundSmtp.from would never match the sending relay.
        smtp = named(render(values=PRODUCTION, required=False), "Service", full("notification-smtp"))["spec"]
        self.assertEqual((smtp["type"], smtp["externalTrafficPolicy"]), ("LoadBalancer", "Local"))
        lb = ["services.notification.inboundSmtp.enabled=true", "services.notification.inboundSmtp.service.type=LoadBalancer", MAIL_FROM]
        self.assertNotIn("externalTrafficPolicy", named(render(*lb), "Service", full("notification-smtp"))["spec"], "no ipBlock: the cluster's default")
        chosen = named(render(*lb, "services.notification.inboundSmtp.service.externalTrafficPolicy=Cluster",
                              "services.notification.inboundSmtp.from[0].ipBlock.cidr=203.0.113.0/24"), "Service", full("notification-smtp"))
        self.assertEqual(chosen["spec"]["externalTrafficPolicy"], "Cluster")
        self.assertNotIn("externalTrafficPolicy", named(self.docs, "Service", full("notification-smtp"))["spec"], "ClusterIP takes none")
        self.assertIn("externalTrafficPolicy", render("services.notification.inboundSmtp.enabled=true", MAIL_FROM,
                                                      "services.notification.inboundSmtp.service.externalTrafficPolicy=Local", expect_failure=True))

    def test_staff_sign_in_settings_and_every_service_reaches_the_identity_providers_keys(self):
        oidc = ["config.oidc.issuer=https://login.example.com/realms/staff", "config.oidc.audience=tss",
                "config.oidc.jwksUrl=https://login.example.com/realms/staff/protocol/openid-connect/certs", "config.oidc.rolesClaim=realm_access.roles",
                "networkPolicy.oidc.to[0].ipBlock.cidr=198.51.100.0/24"]
        docs = render(*oidc)
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual({k: v for k, v in cm.items() if k.startswith("TSS_OIDC_")},
                         {"TSS_OIDC_ISSUER": "https://login.example.com/realms/staff", "TSS_OIDC_AUDIENCE": "tss",
                          "TSS_OIDC_JWKS_URL": "https://login.example.com/realms/staff/protocol/openid-connect/certs", "TSS_OIDC_ROLES_CLAIM": "realm_access.roles"})
        # Every service verifies staff tokens (libs/runtime: withStaffSingleSignOn), the gateway too.
        for s in SERVICES:
            rules = [r for r in named(docs, "NetworkPolicy", full(s))["spec"]["egress"] if r.get("to") == [{"ipBlock": {"cidr": "198.51.100.0/24"}}]]
            self.assertEqual([[p["port"] for p in r["ports"]] for r in rules], [[443]], s)
        self.assertEqual([k for k in named(self.docs, "ConfigMap", "t-tss")["data"] if k.startswith("TSS_OIDC_")], [])
        self.assertIn("config.oidc: issuer, audience and jwksUrl go together", render("config.oidc.issuer=https://login.example.com", expect_failure=True))

    def test_every_egress_to_a_tss_pod_is_let_in_by_that_pods_policy(self):
        # The production values restrict the gateway's ingress (gatewayFrom: the ingress controller's
        # namespace): the services' egress to the gateway's JWKS (TSS_JWKS_URL) was allowed on their
        # side and dropped on the gateway's, so every forwarded call answered 503 while /readyz stayed 200.
        renders = {
            "defaults": self.docs,
            "gatewayFrom and metricsFrom set": render("networkPolicy.gatewayFrom[0].namespaceSelector.matchLabels.name=ingress-nginx",
                                                      "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name=monitoring"),
            "production values": render(values=PRODUCTION, required=False),
        }
        for label, docs in renders.items():
            pods = workloads(docs)
            policies = of_kind(docs, "NetworkPolicy")
            reached = []
            for source in policies:
                source_labels = [l for _, l in pods if matches(source["spec"]["podSelector"], l)]
                for rule in source["spec"].get("egress", []):
                    for peer in rule.get("to", []):
                        for target, target_labels in pods:
                            if not peer_selects(peer, target_labels):
                                continue
                            guards = [p for p in policies if matches(p["spec"]["podSelector"], target_labels)]
                            for port in (p["port"] for p in rule["ports"]):
                                for labels in source_labels:
                                    reached.append((source["metadata"]["name"], target, port))
                                    self.assertTrue(all(lets_in(g, port, labels) for g in guards),
                                                    "%s: %s may send to %s on %s, whose policy drops it" % (label, source["metadata"]["name"], target, port))
            # Each service reaches the gateway (its JWKS), the gateway each service.
            for s in SERVICES[1:]:
                self.assertIn((full(s), "Deployment/" + full("gateway"), 8080), reached, label)
                self.assertIn((full("gateway"), "Deployment/" + full(s), 8080), reached, label)

    def test_the_gateway_takes_only_its_peers_and_the_services_when_gateway_from_is_set(self):
        docs = render(r"networkPolicy.gatewayFrom[0].namespaceSelector.matchLabels.kubernetes\.io/metadata\.name=ingress-nginx")
        gateway = named(docs, "NetworkPolicy", full("gateway"))
        pods = dict(workloads(docs))
        for s in SERVICES[1:]:
            self.assertTrue(lets_in(gateway, 8080, pods["Deployment/" + full(s)]), s)
        self.assertTrue(lets_in(gateway, 8080, {"app": "ingress-nginx"}, namespace="ingress-nginx"))
        self.assertFalse(lets_in(gateway, 8080, {"app": "other"}), "another pod of the release namespace")
        self.assertFalse(lets_in(gateway, 8080, pods["Job/" + full("migrate")]), "the migration Job")
        self.assertFalse(lets_in(gateway, 8080, {"app": "x"}, namespace="elsewhere"))

    def test_configured_peers_replace_open_defaults(self):
        docs = render("networkPolicy.postgres.to[0].ipBlock.cidr=10.20.0.0/16", "networkPolicy.kafka.to[0].namespaceSelector.matchLabels.name=kafka")
        gw = named(docs, "NetworkPolicy", full("gateway"))["spec"]["egress"]
        pg = [r for r in gw if r["ports"][0]["port"] == 5432][0]
        kafka = [r for r in gw if r["ports"][0]["port"] == 9092][0]
        self.assertEqual(pg["to"], [{"ipBlock": {"cidr": "10.20.0.0/16"}}])
        self.assertEqual(kafka["to"], [{"namespaceSelector": {"matchLabels": {"name": "kafka"}}}])

    def test_gateway_reaches_redis_whenever_it_may_get_redis_url(self):
        # The limiter fails open (edge-protection.ts, skipOnError): a blocked Redis silently turns the shared limit off.
        def redis_ports(*sets, required=True):
            egress = named(render(*sets, required=required), "NetworkPolicy", full("gateway"))["spec"]["egress"]
            return [r for r in egress if any(p["port"] == 6379 for p in r["ports"])]
        self.assertEqual(redis_ports(), [], "the chart's own Secret has no REDIS_URL")
        self.assertEqual(len(redis_ports("secrets.redisUrl=redis://redis:6379")), 1)
        # An existing Secret may hold REDIS_URL: the chart cannot see it, so the egress is there.
        self.assertEqual(len(redis_ports("secrets.existingSecret=tss-prod", required=False)), 1)
        pinned = redis_ports("secrets.existingSecret=tss-prod", "networkPolicy.redis.to[0].podSelector.matchLabels.app=redis", required=False)
        self.assertEqual(pinned[0]["to"], [{"podSelector": {"matchLabels": {"app": "redis"}}}])
        for s in SERVICES[1:]:
            egress = named(render("secrets.redisUrl=redis://redis:6379"), "NetworkPolicy", full(s))["spec"]["egress"]
            self.assertNotIn(6379, {p["port"] for r in egress for p in r["ports"]}, s)

    def test_can_be_turned_off(self):
        self.assertEqual(of_kind(render("networkPolicy.enabled=false"), "NetworkPolicy"), [])


class ValuesPerService(unittest.TestCase):
    def test_autoscaling_off_sets_replicas(self):
        docs = render("services.gateway.autoscaling.enabled=false", "services.gateway.replicas=3")
        self.assertEqual(named(docs, "Deployment", full("gateway"))["spec"]["replicas"], 3)
        self.assertNotIn(full("gateway"), [h["metadata"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")])

    def test_consumer_lag_metric_of_each_services_own_group(self):
        # Every service consumes as the group of its name, the gateway too (ticket.created, gateway/src/index.ts).
        docs = render("services.sla-timer.autoscaling.consumerLag.enabled=true", "services.gateway.autoscaling.consumerLag.enabled=true")
        for s in ("sla-timer", "gateway"):
            metrics = named(docs, "HorizontalPodAutoscaler", full(s))["spec"]["metrics"]
            external = [m for m in metrics if m["type"] == "External"]
            self.assertEqual(external[0]["external"]["metric"]["selector"]["matchLabels"], {"consumergroup": s})
        notification = named(docs, "HorizontalPodAutoscaler", full("notification"))["spec"]["metrics"]
        self.assertEqual([m["type"] for m in notification], ["Resource"])
        gateway = open(os.path.join(ROOT, "services", "gateway", "src", "index.ts")).read()
        self.assertRegex(gateway, r"handlers: \[onTicketCreated\]", "the gateway consumes")

    def test_default_brokers_are_the_documented_strimzi_cluster(self):
        ops = open(os.path.join(ROOT, "docs", "operations.md")).read()
        cluster, namespace = re.search(r"kind: Kafka\nmetadata:\n  name: (\S+)\n  namespace: (\S+)", ops).groups()
        # Strimzi names the bootstrap Service <cluster>-kafka-bootstrap.
        brokers = "%s-kafka-bootstrap.%s.svc:9092" % (cluster, namespace)
        self.assertEqual(named(render(), "ConfigMap", "t-tss")["data"]["KAFKA_BROKERS"], brokers)
        self.assertIn("`config.kafkaBrokers` is `%s`" % brokers, ops)
        # The production values use the same cluster's TLS listener.
        self.assertEqual(yaml.safe_load(open(PRODUCTION))["config"]["kafkaBrokers"], brokers.replace(":9092", ":9093"))

    def test_pdb_off_and_min_available(self):
        docs = render("services.rating.pdb.enabled=false", "services.escalation.pdb.minAvailable=1", "services.escalation.pdb.maxUnavailable=null")
        names = [p["metadata"]["name"] for p in of_kind(docs, "PodDisruptionBudget")]
        self.assertNotIn(full("rating"), names)
        self.assertEqual(named(docs, "PodDisruptionBudget", full("escalation"))["spec"], {
            "minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "tss", "app.kubernetes.io/instance": "t",
                                                            "app.kubernetes.io/component": "escalation"}}})

    def test_pdb_and_service_select_exactly_their_deployment(self):
        docs = render()
        pods = workloads(docs)
        for kind in ("PodDisruptionBudget", "Service"):
            for d in of_kind(docs, kind):
                selector = d["spec"]["selector"] if kind == "PodDisruptionBudget" else {"matchLabels": d["spec"]["selector"]}
                self.assertEqual([n for n, labels in pods if matches(selector, labels)], ["Deployment/" + d["metadata"]["name"]])

    def test_per_service_env_and_image_digest(self):
        docs = render("services.rating.env.RATING_SURVEY_DAYS=7", "image.digest=sha256:" + "a" * 64)
        c = named(docs, "Deployment", full("rating"))["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(env_of(c)["RATING_SURVEY_DAYS"]["value"], "7")
        self.assertEqual(c["image"], "ghcr.io/example/tss@sha256:" + "a" * 64)

    def test_env_from_secrets_for_one_service_or_all(self):
        docs = render("services.notification.env.MAIL_INBOUND_SECRET.valueFrom.secretKeyRef.name=tss-mail",
                      "services.notification.env.MAIL_INBOUND_SECRET.valueFrom.secretKeyRef.key=inbound-secret",
                      "config.extraEnv.OTEL_EXPORTER_OTLP_HEADERS.valueFrom.secretKeyRef.name=tss-otel",
                      "config.extraEnv.OTEL_EXPORTER_OTLP_HEADERS.valueFrom.secretKeyRef.key=headers",
                      "config.extraEnv.OTEL_SERVICE_NAMESPACE=tss",
                      "config.extraEnvFrom[0].secretRef.name=tss-extra", "services.gateway.extraEnvFrom[0].secretRef.name=tss-gateway-extra",
                      "services.gateway.extraEnvFrom[0].prefix=GW_")
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual(cm["OTEL_SERVICE_NAMESPACE"], "tss")
        self.assertNotIn("OTEL_EXPORTER_OTLP_HEADERS", cm, "a secret never lands in the ConfigMap")
        for s in SERVICES:
            c = named(docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0]
            env = env_of(c)
            self.assertEqual(env["OTEL_EXPORTER_OTLP_HEADERS"]["valueFrom"], {"secretKeyRef": {"name": "tss-otel", "key": "headers"}}, s)
            self.assertEqual("MAIL_INBOUND_SECRET" in env, s == "notification", s)
            self.assertEqual(c["envFrom"][0], {"configMapRef": {"name": "t-tss"}})
            extra = [{"secretRef": {"name": "tss-extra"}}] + ([{"secretRef": {"name": "tss-gateway-extra"}, "prefix": "GW_"}] if s == "gateway" else [])
            self.assertEqual(c["envFrom"][1:], extra, s)
        notification = env_of(named(docs, "Deployment", full("notification"))["spec"]["template"]["spec"]["containers"][0])
        self.assertEqual(notification["MAIL_INBOUND_SECRET"]["valueFrom"], {"secretKeyRef": {"name": "tss-mail", "key": "inbound-secret"}})
        # A service's own entry of a name wins over the one for every service: one entry, not two.
        own = render("config.extraEnv.X_TOKEN.valueFrom.secretKeyRef.name=all", "config.extraEnv.X_TOKEN.valueFrom.secretKeyRef.key=k",
                     "services.rating.env.X_TOKEN=plain")
        rating = named(own, "Deployment", full("rating"))["spec"]["template"]["spec"]["containers"][0]["env"]
        self.assertEqual([e for e in rating if e["name"] == "X_TOKEN"], [{"name": "X_TOKEN", "value": "plain"}])

    def test_exec_pre_stop_for_clusters_without_the_sleep_action(self):
        c = named(render("preStopMode=exec"), "Deployment", full("gateway"))["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(c["lifecycle"]["preStop"]["exec"]["command"][:2], ["/nodejs/bin/node", "-e"])

    def test_the_documented_kubernetes_minimum_is_the_charts(self):
        # operations.md told operators of clusters older than 1.30 to set preStopMode: exec, but
        # Chart.yaml's kubeVersion refuses them before any value is read.
        with open(os.path.join(CHART, "Chart.yaml"), encoding="utf-8") as f:
            minimum = re.fullmatch(r">=(\d+)\.(\d+)\.0-0", yaml.safe_load(f)["kubeVersion"]).groups()
        older = "%s.%d.0" % (minimum[0], int(minimum[1]) - 1)
        refused = subprocess.run([HELM, "template", RELEASE, CHART, "--kube-version", older, "--set", "preStopMode=exec"] + sum((["--set", s] for s in REQUIRED), []),
                                 capture_output=True, text=True)
        self.assertNotEqual(refused.returncode, 0, "the chart renders for Kubernetes %s" % older)
        self.assertIn("kubeVersion", refused.stderr)
        with open(os.path.join(ROOT, "docs", "operations.md"), encoding="utf-8") as f:
            ops = f.read()
        self.assertTrue("Kubernetes %s.%s or later" % minimum in ops, "operations.md does not name the chart's minimum")
        said = re.search(r"[^.]*older clusters[^.]*`preStopMode: exec`[^.]*\.", ops)
        self.assertIsNone(said, "operations.md offers preStopMode exec to clusters the chart refuses: %r" % (said.group(0) if said else None))
        # exec runs node from the image (distroless has no sleep and no shell): the page names the path.
        with open(os.path.join(CHART, "values.yaml"), encoding="utf-8") as f:
            node = yaml.safe_load(f)["image"]["nodePath"]
        self.assertTrue("`image.nodePath`" in ops and "`%s`" % node in ops, "operations.md does not say where exec finds node")


class KafkaConnection(unittest.TestCase):
    """TLS, SASL and the replication factor of created topics (docs/adr/0013, addendum of 2026-12-04)."""

    @staticmethod
    def containers(docs):
        return {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in of_kind(docs, "Deployment")}

    def test_defaults_plaintext_and_three_replicas_per_created_topic(self):
        docs = render()
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual(cm["KAFKA_TOPIC_REPLICATION_FACTOR"], "3")
        for key in ("KAFKA_SSL_CA_FILE", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME"):
            self.assertNotIn(key, cm)
        self.assertEqual(cm.get("KAFKA_SSL", "false"), "false")
        for name, pod in self.containers(docs).items():
            self.assertNotIn("KAFKA_SASL_PASSWORD", env_of(pod["containers"][0]), name)

    def test_tls_with_the_cluster_ca_from_a_secret_mounted_in_every_service(self):
        docs = render("config.kafkaTls.enabled=true", "config.kafkaTls.caSecretRef.name=tss-kafka-ca")
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual(cm["KAFKA_SSL"], "true")
        ca_dir, ca_key = os.path.split(cm["KAFKA_SSL_CA_FILE"])
        self.assertEqual(ca_key, "ca.crt")
        for name, pod in self.containers(docs).items():
            volumes = {v["name"]: v for v in pod["volumes"]}
            mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
            self.assertEqual(volumes["kafka-ca"]["secret"]["secretName"], "tss-kafka-ca", name)
            self.assertEqual(volumes["kafka-ca"]["secret"]["items"], [{"key": "ca.crt", "path": "ca.crt"}], name)
            self.assertEqual(mounts["kafka-ca"], {"name": "kafka-ca", "mountPath": ca_dir, "readOnly": True}, name)
        job = named(docs, "Job", full("migrate"))["spec"]["template"]["spec"]
        self.assertNotIn("kafka-ca", [v["name"] for v in job["volumes"]], "migrate reaches no broker")
        no_ca = named(render("config.kafkaTls.enabled=true"), "ConfigMap", "t-tss")["data"]
        self.assertEqual((no_ca["KAFKA_SSL"], "KAFKA_SSL_CA_FILE" in no_ca), ("true", False))

    def test_sasl_password_from_a_named_secret_never_in_the_config_map(self):
        docs = render("config.kafkaSasl.mechanism=scram-sha-512", "config.kafkaSasl.username=tss",
                      "config.kafkaSasl.passwordSecretRef.name=tss-kafka-user")
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual((cm["KAFKA_SASL_MECHANISM"], cm["KAFKA_SASL_USERNAME"]), ("scram-sha-512", "tss"))
        for name, pod in self.containers(docs).items():
            ref = env_of(pod["containers"][0])["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
            self.assertEqual(ref, {"name": "tss-kafka-user", "key": "password"}, name)

    def test_sasl_password_from_the_charts_secret_or_the_existing_one(self):
        docs = render("config.kafkaSasl.mechanism=plain", "config.kafkaSasl.username=tss", "secrets.kafkaSaslPassword=pw-example")
        self.assertEqual(named(docs, "Secret", "t-tss")["stringData"]["KAFKA_SASL_PASSWORD"], "pw-example")
        self.assertNotIn("pw-example", " ".join(named(docs, "ConfigMap", "t-tss")["data"].values()))
        for name, pod in self.containers(docs).items():
            self.assertEqual(env_of(pod["containers"][0])["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"], {"name": "t-tss", "key": "KAFKA_SASL_PASSWORD"}, name)
        existing = render("secrets.existingSecret=tss-prod", "config.kafkaSasl.mechanism=plain", "config.kafkaSasl.username=tss", required=False)
        for name, pod in self.containers(existing).items():
            self.assertEqual(env_of(pod["containers"][0])["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"], {"name": "tss-prod", "key": "KAFKA_SASL_PASSWORD"}, name)

    def test_settings_that_cannot_work_fail_the_install(self):
        cases = [
            (r"kafkaSasl\.username", ("config.kafkaSasl.mechanism=plain", "secrets.kafkaSaslPassword=pw")),
            (r"kafkaSasl.*password", ("config.kafkaSasl.mechanism=plain", "config.kafkaSasl.username=tss")),
            (r"kafkaSasl\.mechanism", ("config.kafkaSasl.username=tss",)),
            (r"kafkaTls\.enabled", ("config.kafkaTls.caSecretRef.name=tss-kafka-ca",)),
            (r"mechanism", ("config.kafkaSasl.mechanism=gssapi",)),
            (r"kafkaTopicReplicationFactor", ("config.kafkaTopicReplicationFactor=0",)),
        ]
        for pattern, sets in cases:
            with self.subTest(sets=sets):
                self.assertRegex(render(*sets, expect_failure=True), pattern)

    def test_production_values_use_tls_and_scram_with_three_replicas(self):
        docs = render(values=PRODUCTION, required=False)
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual((cm["KAFKA_SSL"], cm["KAFKA_SASL_MECHANISM"], cm["KAFKA_TOPIC_REPLICATION_FACTOR"]), ("true", "scram-sha-512", "3"))
        self.assertTrue(cm["KAFKA_BROKERS"].endswith(":9093"))
        kafka_ports = [{p["port"] for p in r["ports"]} for r in named(docs, "NetworkPolicy", full("notification"))["spec"]["egress"]
                       if any("strimzi.io/cluster" in str(peer) for peer in r.get("to", []))]
        self.assertEqual(kafka_ports, [{9093}])


class KafkaConsumerGroup(unittest.TestCase):
    """Every service's consumer group timings as values (docs/adr/0020, addendum of 2026-12-05, fifth session)."""

    NAMES = {"sessionTimeoutMs": "KAFKA_SESSION_TIMEOUT_MS", "heartbeatIntervalMs": "KAFKA_HEARTBEAT_INTERVAL_MS", "rebalanceTimeoutMs": "KAFKA_REBALANCE_TIMEOUT_MS"}

    @staticmethod
    def code_defaults():
        """The services' own defaults, read from where they are declared (libs/messaging)."""
        with open(os.path.join(ROOT, "libs", "messaging", "src", "kafka", "kafka-group-settings.ts")) as f:
            code = f.read()
        return {name: re.search(r"export const DEFAULT_%s = ([0-9_]+);" % name, code).group(1).replace("_", "") for name in KafkaConsumerGroup.NAMES.values()}

    def test_defaults_are_the_services_own_in_the_config_map(self):
        cm = named(render(), "ConfigMap", "t-tss")["data"]
        self.assertEqual({name: cm[name] for name in self.NAMES.values()}, self.code_defaults())
        self.assertEqual(self.code_defaults(), {"KAFKA_SESSION_TIMEOUT_MS": "10000", "KAFKA_HEARTBEAT_INTERVAL_MS": "3000", "KAFKA_REBALANCE_TIMEOUT_MS": "60000"})

    def test_values_reach_every_service(self):
        docs = render("config.kafkaConsumerGroup.sessionTimeoutMs=30000", "config.kafkaConsumerGroup.heartbeatIntervalMs=5000",
                      "config.kafkaConsumerGroup.rebalanceTimeoutMs=120000")
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual([cm[n] for n in self.NAMES.values()], ["30000", "5000", "120000"])
        for s in SERVICES:
            pod = named(docs, "Deployment", full(s))["spec"]["template"]["spec"]
            self.assertIn({"configMapRef": {"name": "t-tss"}}, pod["containers"][0]["envFrom"], s)

    def test_out_of_range_or_inconsistent_fails_the_install(self):
        cases = [
            (r"sessionTimeoutMs", ("config.kafkaConsumerGroup.sessionTimeoutMs=5999",)),
            (r"sessionTimeoutMs", ("config.kafkaConsumerGroup.sessionTimeoutMs=1800001",)),
            (r"heartbeatIntervalMs", ("config.kafkaConsumerGroup.heartbeatIntervalMs=99",)),
            (r"rebalanceTimeoutMs", ("config.kafkaConsumerGroup.rebalanceTimeoutMs=1800001",)),
            (r"(?s)kafkaConsumerGroup.*(additional|not allowed)", ("config.kafkaConsumerGroup.sessionTimeout=30000",)),
            (r"heartbeatIntervalMs \(10000\) must be below a third of config\.kafkaConsumerGroup\.sessionTimeoutMs \(30000\): at most 9999",
             ("config.kafkaConsumerGroup.sessionTimeoutMs=30000", "config.kafkaConsumerGroup.heartbeatIntervalMs=10000")),
            (r"heartbeatIntervalMs \(3000\) must be below a third of config\.kafkaConsumerGroup\.sessionTimeoutMs \(9000\): at most 2999",
             ("config.kafkaConsumerGroup.sessionTimeoutMs=9000",)),
            (r"rebalanceTimeoutMs \(60000\) must be at least config\.kafkaConsumerGroup\.sessionTimeoutMs \(120000\)",
             ("config.kafkaConsumerGroup.sessionTimeoutMs=120000", "config.kafkaConsumerGroup.heartbeatIntervalMs=10000")),
        ]
        for pattern, sets in cases:
            with self.subTest(sets=sets):
                self.assertRegex(render(*sets, expect_failure=True), pattern)
        # The edges the services take, the chart takes too.
        render("config.kafkaConsumerGroup.sessionTimeoutMs=6000", "config.kafkaConsumerGroup.heartbeatIntervalMs=1999")
        render("config.kafkaConsumerGroup.sessionTimeoutMs=1800000", "config.kafkaConsumerGroup.heartbeatIntervalMs=599999",
               "config.kafkaConsumerGroup.rebalanceTimeoutMs=1800000")


class DatabaseAnswerTimeout(unittest.TestCase):
    """How long a request's statement waits for PostgreSQL, every service (docs/adr/0073)."""

    @staticmethod
    def code_default():
        with open(os.path.join(ROOT, "libs", "runtime", "src", "host-settings.ts")) as f:
            return re.search(r"export const DEFAULT_DB_ANSWER_TIMEOUT_MS = ([0-9_]+);", f.read()).group(1).replace("_", "")

    def test_default_is_the_services_own_and_a_value_reaches_every_service(self):
        self.assertEqual(named(render(), "ConfigMap", "t-tss")["data"]["DB_ANSWER_TIMEOUT_MS"], self.code_default())
        docs = render("config.dbAnswerTimeoutMs=30000")
        self.assertEqual(named(docs, "ConfigMap", "t-tss")["data"]["DB_ANSWER_TIMEOUT_MS"], "30000")
        for s in SERVICES:
            pod = named(docs, "Deployment", full(s))["spec"]["template"]["spec"]
            self.assertIn({"configMapRef": {"name": "t-tss"}}, pod["containers"][0]["envFrom"], s)

    def test_out_of_range_fails_the_install(self):
        for value in ("99", "600001"):
            with self.subTest(value=value):
                self.assertRegex(render("config.dbAnswerTimeoutMs=" + value, expect_failure=True), "dbAnswerTimeoutMs")
        render("config.dbAnswerTimeoutMs=100")
        render("config.dbAnswerTimeoutMs=600000")


class IntakeSettings(unittest.TestCase):
    """ticket-intake's parts' settings (issue #9, #14): reopen window, vault, attachments; the gateway's upload limit."""

    @staticmethod
    def intake(docs):
        return named(docs, "Deployment", full("ticket-intake"))["spec"]["template"]["spec"]

    def test_defaults_reach_intake_as_its_variables(self):
        pod = self.intake(render())
        env = env_of(pod["containers"][0])
        values = {k: env[k]["value"] for k in env if "value" in env[k]}
        self.assertEqual({k: values[k] for k in ("REOPEN_WINDOW_DAYS", "CREDENTIALS_DESTROY_AFTER_MINUTES", "ATTACHMENT_STORAGE",
                                                  "ATTACHMENT_MAX_FILE_BYTES", "ATTACHMENT_MAX_MESSAGE_BYTES", "ATTACHMENT_DIR")},
                         {"REOPEN_WINDOW_DAYS": "14", "CREDENTIALS_DESTROY_AFTER_MINUTES": "2880", "ATTACHMENT_STORAGE": "filesystem",
                          "ATTACHMENT_MAX_FILE_BYTES": "10485760", "ATTACHMENT_MAX_MESSAGE_BYTES": "26214400",
                          "ATTACHMENT_DIR": "/var/lib/tss/attachments"})
        # P9: the vault wraps its data keys with the master keys of the chart's Secret.
        self.assertEqual(env["TSS_MASTER_KEYS"]["valueFrom"]["secretKeyRef"], {"name": "t-tss", "key": "TSS_MASTER_KEYS"})
        self.assertNotIn("ATTACHMENT_S3_ACCESS_KEY_ID", env)

    def test_filesystem_attachments_live_on_a_kept_read_write_many_claim_mounted_at_the_dir(self):
        docs = render()
        pvc = named(docs, "PersistentVolumeClaim", full("attachments"))
        self.assertEqual(pvc["spec"]["accessModes"], ["ReadWriteMany"])
        self.assertEqual(pvc["metadata"]["annotations"]["helm.sh/resource-policy"], "keep")
        # notification stores inbound mail's attachments where intake reads them: the same claim.
        for s in ("ticket-intake", "notification"):
            pod = named(docs, "Deployment", full(s))["spec"]["template"]["spec"]
            self.assertIn({"name": "attachments", "mountPath": "/var/lib/tss/attachments"}, pod["containers"][0]["volumeMounts"], s)
            self.assertIn({"name": "attachments", "persistentVolumeClaim": {"claimName": full("attachments")}}, pod["volumes"], s)
        for s in ("gateway", "sla-timer", "escalation", "rating"):
            mounts = named(docs, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
            self.assertEqual([m["name"] for m in mounts], ["tmp"], s)

    def test_notification_gets_the_storage_settings_intake_gets(self):
        storage = ("ATTACHMENT_STORAGE", "ATTACHMENT_DIR", "ATTACHMENT_S3_BUCKET", "ATTACHMENT_S3_ENDPOINT", "ATTACHMENT_S3_REGION",
                   "ATTACHMENT_S3_FORCE_PATH_STYLE", "ATTACHMENT_S3_KEY_PREFIX", "ATTACHMENT_S3_ACCESS_KEY_ID", "ATTACHMENT_S3_SECRET_ACCESS_KEY")
        for sets in [(), ("services.ticket-intake.attachments.storage=s3", "services.ticket-intake.attachments.s3.bucket=tss-files",
                          "services.ticket-intake.attachments.s3.keyPrefix=tss/", "services.ticket-intake.attachments.s3.credentialsSecretRef.name=tss-bucket")]:
            docs = render(*sets)
            intake = env_of(self.intake(docs)["containers"][0])
            notification = env_of(named(docs, "Deployment", full("notification"))["spec"]["template"]["spec"]["containers"][0])
            self.assertEqual({k: v for k, v in notification.items() if k in storage}, {k: v for k, v in intake.items() if k in storage}, sets)
            self.assertIn("ATTACHMENT_STORAGE", notification)
        # Intake's own limits stay intake's.
        self.assertNotIn("ATTACHMENT_MAX_FILE_BYTES", notification)

    def test_an_existing_claim_is_mounted_and_none_is_made(self):
        docs = render("services.ticket-intake.attachments.persistence.existingClaim=tss-files")
        self.assertEqual(of_kind(docs, "PersistentVolumeClaim"), [])
        self.assertIn({"name": "attachments", "persistentVolumeClaim": {"claimName": "tss-files"}}, self.intake(docs)["volumes"])

    def test_s3_with_keys_in_the_charts_secret(self):
        docs = render("services.ticket-intake.attachments.storage=s3", "services.ticket-intake.attachments.s3.bucket=tss-files",
                      "services.ticket-intake.attachments.s3.endpoint=http://minio.storage:9000", "services.ticket-intake.attachments.s3.forcePathStyle=true",
                      "secrets.attachmentS3AccessKeyId=AKIAEXAMPLE", "secrets.attachmentS3SecretAccessKey=secret-key-example")
        self.assertEqual(of_kind(docs, "PersistentVolumeClaim"), [])
        pod = self.intake(docs)
        env = env_of(pod["containers"][0])
        self.assertEqual({k: env[k]["value"] for k in ("ATTACHMENT_STORAGE", "ATTACHMENT_S3_BUCKET", "ATTACHMENT_S3_ENDPOINT", "ATTACHMENT_S3_FORCE_PATH_STYLE")},
                         {"ATTACHMENT_STORAGE": "s3", "ATTACHMENT_S3_BUCKET": "tss-files", "ATTACHMENT_S3_ENDPOINT": "http://minio.storage:9000",
                          "ATTACHMENT_S3_FORCE_PATH_STYLE": "true"})
        self.assertNotIn("ATTACHMENT_DIR", env)
        self.assertEqual([v["name"] for v in pod["volumes"]], ["tmp"])
        for key in ("ATTACHMENT_S3_ACCESS_KEY_ID", "ATTACHMENT_S3_SECRET_ACCESS_KEY"):
            self.assertEqual(env[key]["valueFrom"]["secretKeyRef"]["name"], "t-tss")
            self.assertNotIn("value", env[key])
        secret = named(docs, "Secret", "t-tss")["stringData"]
        self.assertEqual((secret["ATTACHMENT_S3_ACCESS_KEY_ID"], secret["ATTACHMENT_S3_SECRET_ACCESS_KEY"]), ("AKIAEXAMPLE", "secret-key-example"))
        self.assertNotIn("secret-key-example", " ".join(named(docs, "ConfigMap", "t-tss")["data"].values()))

    def test_s3_keys_from_another_secret_and_egress_to_the_bucket_for_intake_and_notification(self):
        docs = render("services.ticket-intake.attachments.storage=s3", "services.ticket-intake.attachments.s3.bucket=tss-files",
                      "services.ticket-intake.attachments.s3.credentialsSecretRef.name=tss-bucket", "networkPolicy.objectStorage.ports={9000}")
        env = env_of(self.intake(docs)["containers"][0])
        self.assertEqual(env["ATTACHMENT_S3_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"], {"name": "tss-bucket", "key": "AWS_ACCESS_KEY_ID"})
        self.assertEqual(env["ATTACHMENT_S3_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"], {"name": "tss-bucket", "key": "AWS_SECRET_ACCESS_KEY"})
        for s in SERVICES:
            ports = {p["port"] for r in named(docs, "NetworkPolicy", full(s))["spec"]["egress"] for p in r["ports"]}
            self.assertEqual(9000 in ports, s in ("ticket-intake", "notification"), s)
        defaults = {p["port"] for r in named(render(), "NetworkPolicy", full("ticket-intake"))["spec"]["egress"] for p in r["ports"]}
        self.assertNotIn(443, defaults)

    def test_gateway_gets_the_upload_limit_and_the_ingress_lets_uploads_through(self):
        docs = render()
        gw = env_of(named(docs, "Deployment", full("gateway"))["spec"]["template"]["spec"]["containers"][0])
        self.assertEqual((gw["TSS_BODY_LIMIT_BYTES"]["value"], gw["TSS_UPLOAD_BODY_LIMIT_BYTES"]["value"]), ("1048576", "28311552"))
        # Every server's request deadlines (docs/adr/0063, sixth session): the gateway's upload
        # deadline reaches intake too, so intake never cuts an upload the gateway still lets arrive.
        cm = named(docs, "ConfigMap", "t-tss")["data"]
        self.assertEqual((cm["TSS_REQUEST_TIMEOUT_MS"], cm["TSS_UPLOAD_TIMEOUT_MS"]), ("30000", "120000"))
        longer = named(render("services.gateway.uploadTimeoutMs=300000", "config.requestTimeoutMs=10000"), "ConfigMap", "t-tss")["data"]
        self.assertEqual((longer["TSS_REQUEST_TIMEOUT_MS"], longer["TSS_UPLOAD_TIMEOUT_MS"]), ("10000", "300000"))
        ingress = named(docs, "Ingress", full("gateway"))["metadata"]["annotations"]
        self.assertEqual(ingress["nginx.ingress.kubernetes.io/proxy-body-size"], "27m")
        larger = named(render("services.gateway.uploadBodyLimitBytes=52428801"), "Ingress", full("gateway"))["metadata"]["annotations"]
        self.assertEqual(larger["nginx.ingress.kubernetes.io/proxy-body-size"], "51m")
        own = named(render("ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size=64m"), "Ingress", full("gateway"))
        self.assertEqual(own["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"], "64m")
        off = named(render("ingress.nginxProxyBodySize=false"), "Ingress", full("gateway"))
        self.assertNotIn("nginx.ingress.kubernetes.io/proxy-body-size", off["metadata"].get("annotations") or {})

    def test_read_write_once_is_refused_for_a_claim_intake_and_notification_mount(self):
        # One intake replica still shares the claim with notification's pods, on other nodes.
        err = render("services.ticket-intake.attachments.persistence.accessModes={ReadWriteOnce}",
                     "services.ticket-intake.autoscaling.enabled=false", "services.ticket-intake.replicas=1", expect_failure=True)
        self.assertRegex(err, r"ReadWriteOnce.*cannot be mounted by 7 pods \(1 of ticket-intake, 6 of notification, ")
        # A claim of one's own (a single-node cluster's ReadWriteOnce, say) is the operator's call.
        docs = render("services.ticket-intake.attachments.persistence.existingClaim=tss-files-rwo",
                      "services.ticket-intake.autoscaling.enabled=false", "services.ticket-intake.replicas=1")
        self.assertIn({"name": "attachments", "persistentVolumeClaim": {"claimName": "tss-files-rwo"}},
                      named(docs, "Deployment", full("notification"))["spec"]["template"]["spec"]["volumes"])

    @staticmethod
    def single_node_claims(docs):
        """Deployment name -> the claims it mounts that only one node can mount at a time."""
        modes = {c["metadata"]["name"]: c["spec"]["accessModes"] for c in of_kind(docs, "PersistentVolumeClaim")}
        return {d["metadata"]["name"]: [v["persistentVolumeClaim"]["claimName"] for v in d["spec"]["template"]["spec"]["volumes"]
                                        if "persistentVolumeClaim" in v and "ReadWriteMany" not in modes.get(v["persistentVolumeClaim"]["claimName"], [])]
                for d in of_kind(docs, "Deployment")}

    def test_a_deployment_mounting_a_read_write_once_claim_is_replaced_not_surged(self):
        # A surge pod on another node waits for the volume the old pod holds (Multi-Attach), and
        # `helm upgrade --wait` times out: such a Deployment stops its pod before starting the new one.
        # The chart makes no ReadWriteOnce claim (notification mounts it too); a single-node
        # cluster names its own, with its modes.
        docs = render("services.ticket-intake.attachments.persistence.existingClaim=single-node-files",
                      "services.ticket-intake.attachments.persistence.accessModes={ReadWriteOnce}",
                      "services.ticket-intake.autoscaling.enabled=false", "services.ticket-intake.replicas=1")
        claims = self.single_node_claims(docs)
        self.assertEqual(claims[full("ticket-intake")], ["single-node-files"])
        self.assertEqual(claims[full("notification")], ["single-node-files"])
        for d in of_kind(docs, "Deployment"):
            strategy = d["spec"]["strategy"]
            if claims[d["metadata"]["name"]]:
                self.assertEqual(strategy, {"type": "Recreate"}, d["metadata"]["name"])
            else:
                self.assertEqual(strategy, {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}, d["metadata"]["name"])
        # ReadWriteMany (the default) rolls as every other Deployment does.
        for d in of_kind(render(), "Deployment"):
            self.assertEqual(d["spec"]["strategy"]["type"], "RollingUpdate", d["metadata"]["name"])


class Monitoring(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = render("metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true")

    def test_service_monitor_scrapes_the_metrics_port_of_every_service(self):
        sm = of_kind(self.docs, "ServiceMonitor")[0]
        self.assertEqual(sm["spec"]["endpoints"][0]["port"], "metrics")
        selected = [d["metadata"]["name"] for d in of_kind(self.docs, "Service") if matches(sm["spec"]["selector"], d["metadata"]["labels"])]
        self.assertEqual(sorted(selected), sorted(full(s) for s in SERVICES))

    def test_alerts_use_the_platform_metrics(self):
        rules = of_kind(self.docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"]
        exprs = " ".join(r["expr"] for r in rules)
        for metric in ["tss_sla_breaches_total", "tss_webhook_attempts_total", "kafka_consumergroup_lag",
                       "tss_outbox_backlog_events", "tss_outbox_oldest_unpublished_age_seconds", "tss_dead_letters",
                       "tss_kafka_broker_reachable", "tss_jwks_available", "tss_mail_session_refused"]:
            self.assertIn(metric, exprs)
        for r in rules:
            self.assertIn("runbook", r["annotations"])
            self.assertTrue(r["annotations"]["runbook"].startswith("docs/operations.md#"))
        self.assertIn('consumergroup=~"gateway|ticket-intake|sla-timer|notification|escalation|rating"', exprs)

    # What the alerts may match on besides the code's own labels: the Kafka exporter's lag metric,
    # and the labels Prometheus adds to every scraped series (namespace, pod, job, instance).
    EXTERNAL_METRICS = {"kafka_consumergroup_lag": {"consumergroup", "topic", "partition"}}
    TARGET_LABELS = {"namespace", "pod", "job", "instance"}
    # The values a label takes, from the code's own type: a matcher on another value never matches.
    LABEL_VALUES = {
        ("tss_webhook_attempts_total", "result"): ("services/notification/src/use-cases/record-webhook-attempt.ts", "AttemptRecorded"),
        ("tss_dead_letters", "status"): ("libs/messaging/src/dead-letters/dead-letter.store.ts", "DeadLetterStatus"),
        ("tss_consumer_events_total", "outcome"): ("libs/messaging/src/consumer/event-consumer.ts", "ConsumeOutcome"),
    }

    def test_every_alert_matches_metric_and_label_names_and_values_the_code_registers(self):
        known = registered_metrics()
        self.assertEqual(known["tss_webhook_attempts_total"], {"service", "result"}, "the parser reads webhook-metrics.ts")
        known.update(self.EXTERNAL_METRICS)
        for rule in of_kind(self.docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"]:
            expr, alert = rule["expr"], rule["alert"]
            selectors = re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}", expr)
            self.assertTrue(selectors, alert)
            metric_labels = set()
            for metric, matchers in selectors:
                self.assertIn(metric, known, "%s: metric %s is registered nowhere in the code" % (alert, metric))
                labels = known[metric] | self.TARGET_LABELS
                metric_labels |= labels
                for label, op, value in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"([^\"]*)\"", matchers):
                    self.assertIn(label, labels, "%s: %s has no label %s (it has %s)" % (alert, metric, label, sorted(known[metric])))
                    if label in self.TARGET_LABELS:
                        continue
                    if (metric, label) in self.LABEL_VALUES:
                        values = string_union(*self.LABEL_VALUES[(metric, label)])
                    elif label == "consumergroup":
                        values = set(SERVICES)
                    else:
                        self.fail("%s: no known values for %s{%s}: add its type to LABEL_VALUES" % (alert, metric, label))
                    for v in value.split("|"):
                        self.assertIn(v, values, "%s: %s{%s} is never %r (the code's values: %s)" % (alert, metric, label, v, sorted(values)))
            for by in re.findall(r"\bby\s*\(([^)]*)\)", expr):
                for label in re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", by):
                    self.assertIn(label, metric_labels, "%s: grouped by %s, a label none of its metrics has" % (alert, label))
            grouped = {l for by in re.findall(r"\bby\s*\(([^)]*)\)", expr) for l in re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", by)}
            for label in re.findall(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)", " ".join(rule["annotations"].values())):
                self.assertIn(label, grouped, "%s: its annotation names $labels.%s, which the expression drops" % (alert, label))

    def test_service_monitor_labels_series_without_their_own_service_by_component(self):
        endpoint = of_kind(self.docs, "ServiceMonitor")[0]["spec"]["endpoints"][0]
        self.assertTrue(endpoint["honorLabels"])
        self.assertIn({"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], "targetLabel": "service"},
                      endpoint.get("relabelings", []))

    # Labels whose values are open (a status code), matched by pattern.
    ANY_VALUE = {("http_request_duration_seconds", "status_code")}

    def test_every_dashboard_query_filters_and_groups_on_labels_its_metrics_have(self):
        """deploy/grafana/tss-dashboard.json: a matcher on a label the metric lacks (or that only the
        scrape target adds, with another value) empties its panel once a value is picked. `service`
        must be the metric's own, the TSS service's name in both modes (services and single-process)."""
        known = registered_metrics()
        known.update(self.EXTERNAL_METRICS)
        board = json.load(open(os.path.join(ROOT, "deploy", "grafana", "tss-dashboard.json"), encoding="utf-8"))
        queries = [(p["title"], t["expr"]) for p in board["panels"] for t in p.get("targets", [])]
        for v in board["templating"]["list"]:
            if v["type"] == "query":
                if "{" in v["query"]["query"]:
                    queries.append(("variable $%s" % v["name"], v["query"]["query"]))
                values_of = re.match(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s*,\s*([a-zA-Z_]+)\s*\)", v["query"]["query"])
                self.assertTrue(values_of, v["query"]["query"])
                metric, label = re.sub(r"_(bucket|count|sum)$", "", values_of.group(1)), values_of.group(2)
                self.assertIn(label, known.get(metric, set()) | self.TARGET_LABELS, "variable $%s: %s has no label %s" % (v["name"], metric, label))
        for title, expr in queries:
            selectors = re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}", expr)
            self.assertTrue(selectors, title)
            metric_labels = set()
            for name, matchers in selectors:
                metric = name if name in known else re.sub(r"_(bucket|count|sum)$", "", name)
                self.assertIn(metric, known, "%s: metric %s is registered nowhere in the code" % (title, name))
                labels = known[metric] | self.TARGET_LABELS | ({"le"} if name.endswith("_bucket") else set())
                metric_labels |= labels
                for label, op, value in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"([^\"]*)\"", matchers):
                    self.assertIn(label, labels, "%s: %s has no label %s of its own (it has %s)" % (title, name, label, sorted(known[metric])))
                    if value.startswith("$") or label in self.TARGET_LABELS or (metric, label) in self.ANY_VALUE:
                        continue
                    if (metric, label) in self.LABEL_VALUES:
                        values = string_union(*self.LABEL_VALUES[(metric, label)])
                    elif label == "consumergroup":
                        values = set(SERVICES)
                    else:
                        self.fail("%s: no known values for %s{%s}: add its type to LABEL_VALUES" % (title, metric, label))
                    for v in value.split("|"):
                        self.assertIn(v, values, "%s: %s{%s} is never %r" % (title, metric, label, v))
                if "$service" in matchers and metric not in self.EXTERNAL_METRICS:
                    self.assertIn("service", known[metric], "%s: %s is filtered by $service but has no service label" % (title, metric))
            for by in re.findall(r"\bby\s*\(([^)]*)\)", expr):
                for label in re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", by):
                    self.assertIn(label, metric_labels, "%s: grouped by %s, a label none of its metrics has" % (title, label))

    def test_every_tss_metric_has_its_own_service_label(self):
        """One registry may hold every service (single-process mode): `service` says whose a series is."""
        for metric, labels in registered_metrics().items():
            if metric.startswith("tss_") or metric.startswith("http_"):
                self.assertIn("service", labels, "%s has no service label" % metric)

    def test_a_kafka_outage_is_an_alert_after_its_window_a_panel_and_a_runbook(self):
        """README and ADR 0020: a broker outage is no readiness failure; it is a metric and an alert."""
        rules = {r["alert"]: r for r in of_kind(self.docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"]}
        outage = [r for r in rules.values() if "tss_kafka_broker_reachable" in r["expr"]]
        self.assertEqual(len(outage), 1, "one alert on tss_kafka_broker_reachable")
        rule = outage[0]
        self.assertRegex(rule["expr"], r"by \(service\)")
        self.assertRegex(rule["expr"], r"tss_kafka_broker_reachable\{[^}]*\}\) (<|==) ?[01]")
        self.assertEqual(rule["for"], "2m")
        longer = of_kind(render("metrics.prometheusRule.enabled=true", "metrics.prometheusRule.kafkaUnreachableFor=10m"), "PrometheusRule")[0]
        self.assertEqual([r["for"] for r in longer["spec"]["groups"][0]["rules"] if r["alert"] == rule["alert"]], ["10m"])
        board = json.load(open(os.path.join(ROOT, "deploy", "grafana", "tss-dashboard.json"), encoding="utf-8"))
        shown = [p["title"] for p in board["panels"] for t in p.get("targets", []) if "tss_kafka_broker_reachable" in t["expr"]]
        self.assertTrue(shown, "no dashboard panel shows tss_kafka_broker_reachable")
        ops = open(os.path.join(ROOT, "docs", "operations.md"), encoding="utf-8").read()
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        self.assertIn("## Runbook: Kafka unreachable", ops)
        self.assertEqual(anchor, "runbook-kafka-unreachable")
        self.assertRegex(ops, r"\| %s \|[^\n]*\(#%s\) \|" % (rule["alert"], anchor))
        self.assertRegex(ops, r"\| `tss_kafka_broker_reachable\{service,client\}` \|")

    def test_a_jwks_outage_is_an_alert_after_its_window_a_panel_and_a_runbook_not_a_readiness_failure(self):
        """ADR 0021, seventh session: a service that cannot fetch a JWKS answers 503 while /readyz stays 200, by design; this says so."""
        rules = {r["alert"]: r for r in of_kind(self.docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"]}
        outage = [r for r in rules.values() if "tss_jwks_available" in r["expr"]]
        self.assertEqual([r["alert"] for r in outage], ["TssJwksUnavailable"])
        rule = outage[0]
        self.assertRegex(rule["expr"], r"min by \(service, jwks\) \(tss_jwks_available\{[^}]*\}\) < 1")
        self.assertEqual(rule["for"], "2m")
        longer = of_kind(render("metrics.prometheusRule.enabled=true", "metrics.prometheusRule.jwksUnavailableFor=5m"), "PrometheusRule")[0]
        self.assertEqual([r["for"] for r in longer["spec"]["groups"][0]["rules"] if r["alert"] == rule["alert"]], ["5m"])
        self.assertEqual(registered_metrics()["tss_jwks_available"], {"service", "jwks"})
        self.assertEqual(string_union("libs/service-kit/src/auth/jwks-status.ts", "JwksName"), {"gateway", "oidc"})
        board = json.load(open(os.path.join(ROOT, "deploy", "grafana", "tss-dashboard.json"), encoding="utf-8"))
        self.assertTrue([p["title"] for p in board["panels"] for t in p.get("targets", []) if "tss_jwks_available" in t["expr"]],
                        "no dashboard panel shows tss_jwks_available")
        with open(os.path.join(ROOT, "docs", "operations.md"), encoding="utf-8") as f:
            ops = f.read()
        self.assertEqual(rule["annotations"]["runbook"], "docs/operations.md#runbook-jwks-unavailable")
        self.assertIn("## Runbook: JWKS unavailable", ops)
        self.assertRegex(ops, r"\| TssJwksUnavailable \|[^\n]*\(#runbook-jwks-unavailable\) \|")
        self.assertRegex(ops, r"\| `tss_jwks_available\{service,jwks\}` \|")

    def test_a_refused_smtp_session_is_an_alert_a_panel_and_a_runbook(self):
        """ADR 0035, seventh session of 2026-12-05: mail our login was refused for waits, never fails; the operator must hear of it."""
        rules = {r["alert"]: r for r in of_kind(self.docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"]}
        refused = [r for r in rules.values() if "tss_mail_session_refused" in r["expr"]]
        self.assertEqual([r["alert"] for r in refused], ["TssMailSessionRefused"])
        rule = refused[0]
        self.assertRegex(rule["expr"], r"max by \(service, refusal\) \(tss_mail_session_refused\{[^}]*\}\) > 0")
        self.assertEqual(rule["for"], "5m")
        longer = of_kind(render("metrics.prometheusRule.enabled=true", "metrics.prometheusRule.mailSessionRefusedFor=15m"), "PrometheusRule")[0]
        self.assertEqual([r["for"] for r in longer["spec"]["groups"][0]["rules"] if r["alert"] == rule["alert"]], ["15m"])
        self.assertEqual(registered_metrics()["tss_mail_session_refused"], {"service", "refusal"})
        self.assertEqual(string_union("services/notification/src/domain/smtp-refusal.ts", "SessionRefusal"), {"login", "encryption", "connection", "sender"})
        board = json.load(open(os.path.join(ROOT, "deploy", "grafana", "tss-dashboard.json"), encoding="utf-8"))
        self.assertTrue([p["title"] for p in board["panels"] for t in p.get("targets", []) if "tss_mail_session_refused" in t["expr"]],
                        "no dashboard panel shows tss_mail_session_refused")
        with open(os.path.join(ROOT, "docs", "operations.md"), encoding="utf-8") as f:
            ops = f.read()
        self.assertEqual(rule["annotations"]["runbook"], "docs/operations.md#runbook-the-smtp-server-refuses-our-login")
        self.assertIn("## Runbook: the SMTP server refuses our login", ops)
        self.assertRegex(ops, r"\| TssMailSessionRefused \|[^\n]*\(#runbook-the-smtp-server-refuses-our-login\) \|")
        self.assertRegex(ops, r"\| `tss_mail_session_refused\{service,refusal\}` \|")

    def test_every_alert_waits_a_for_window(self):
        for r in of_kind(self.docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"]:
            self.assertRegex(r.get("for", ""), r"^[0-9]+[smh]$", r["alert"])

    def test_webhook_failure_rate_counts_failed_attempts_against_all(self):
        rule = [r for r in of_kind(self.docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"] if r["alert"] == "TssWebhookFailureRate"][0]
        numerator, denominator = rule["expr"].split("/")
        self.assertIn('result=~"failed|retrying|disabled"', numerator)
        self.assertNotIn("result", denominator)


class InstallTimeFailures(unittest.TestCase):
    """A wrong value stops `helm install` with a message that names it."""

    def fails(self, pattern, *sets, required=True):
        stderr = render(*sets, required=required, expect_failure=True)
        self.assertRegex(stderr, pattern)

    def test_required_secrets(self):
        self.fails(r"secrets\.masterKeys is required", required=False)
        self.fails(r"secrets\.siteLinkKeys is required", "secrets.masterKeys=" + MASTER_KEYS, required=False)
        self.fails(r"secrets\.databaseUrl is required", "secrets.masterKeys=" + MASTER_KEYS, "secrets.siteLinkKeys=" + SITE_LINK_KEYS, required=False)

    def test_schema_rejects_wrong_values(self):
        cases = [
            (r"kafkaBrokers", "config.kafkaBrokers=not a broker list"),
            (r"replicas", "services.gateway.replicas=-1"),
            (r"(?s)replica.*(additional|not allowed)", "services.gateway.replica=2"),
            (r"pullPolicy", "image.pullPolicy=Sometimes"),
            (r"databaseUrl", "secrets.databaseUrl=mysql://x"),
            (r"preStopMode", "preStopMode=kill"),
            (r"targetCPUUtilizationPercentage", "services.sla-timer.autoscaling.targetCPUUtilizationPercentage=150"),
            (r"trustProxy", "services.gateway.trustProxy=sometimes"),
            (r"readOnlyRootFilesystem", "containerSecurityContext.readOnlyRootFilesystem=false"),
            (r"masterKeys", "secrets.masterKeys=short"),
            (r"order", "migrations.order={gateway,rating}"),
            (r"cidr", "services.notification.egress.cidr=everywhere"),
            (r"storage", "services.ticket-intake.attachments.storage=disk"),
            (r"credentialsDestroyAfterMinutes", "services.ticket-intake.credentialsDestroyAfterMinutes=2881"),
            (r"reopenWindowDays", "services.ticket-intake.reopenWindowDays=0"),
            (r"keyPrefix", "services.ticket-intake.attachments.s3.keyPrefix=Tss"),
            (r"uploadBodyLimitBytes", "services.gateway.uploadBodyLimitBytes=10"),
            (r"webhookFailureResults", "metrics.prometheusRule.webhookFailureResults=error"),
            (r"MAIL_INBOUND_SECRET", "services.notification.env.MAIL_INBOUND_SECRET.secretKeyRef.name=tss-mail"),
            (r"valueFrom", "services.notification.env.MAIL_INBOUND_SECRET.valueFrom.fieldRef.fieldPath=metadata.name"),
            (r"extraEnvFrom", "config.extraEnvFrom[0].name=tss-extra"),
            (r"jwksUrl", "config.oidc.jwksUrl=login.example.com"),
        ]
        for pattern, value in cases:
            with self.subTest(value=value):
                self.fails(pattern, value)

    def test_attachment_settings_that_cannot_work(self):
        self.fails(r"attachments\.s3\.bucket is required", "services.ticket-intake.attachments.storage=s3")
        self.fails(r"set both or neither", "secrets.attachmentS3AccessKeyId=AKIAEXAMPLE")
        self.fails(r"maxMessageBytes \(26214400\) must be at least maxFileBytes", "services.ticket-intake.attachments.maxFileBytes=30000000")
        self.fails(r"uploadBodyLimitBytes \(2000000\) must be at least", "services.gateway.uploadBodyLimitBytes=2000000")
        # Two pods on two nodes cannot both mount a ReadWriteOnce volume.
        self.fails(r"ReadWriteOnce.*12 pods", "services.ticket-intake.attachments.persistence.accessModes={ReadWriteOnce}")

    def test_outbound_mail_settings_that_cannot_work(self):
        self.fails(r"secrets\.smtpUrl and services\.notification\.smtp\.host: set one", "secrets.smtpUrl=smtp://a:b@mail:25", "services.notification.smtp.host=mail")
        self.fails(r"characters a URL must escape", "secrets.smtpUrl=smtp://tss:p%40ss@mail:25")
        self.fails(r"smtpPassword is set too", "secrets.smtpUrl=smtp://tss:pw@mail:25", "secrets.smtpPassword=other")
        self.fails(r"put it in that Secret as MAIL_SMTP_PASSWORD", "secrets.existingSecret=tss-secrets", "secrets.smtpUrl=smtp://tss:pw@mail:25", required=False)
        self.fails(r"smtp\.user needs secrets\.smtpPassword", "services.notification.smtp.host=mail", "services.notification.smtp.user=tss")
        self.fails(r"smtp.*host", "services.notification.smtp.host=smtp://mail")

    def test_mail_needs_our_own_address(self):
        # Without MAIL_FROM notification sends as support@tss.local and its listener takes only
        # recipients @tss.local: required when it sends mail through a server or takes it in.
        # The SMTP server as a variable of notification's own, or of every service's, sends mail too.
        for on in (["services.notification.smtp.host=smtp.example.com"], ["secrets.smtpUrl=smtp://relay.mail.svc"],
                   ["services.notification.inboundSmtp.enabled=true"], ["services.notification.env.MAIL_SMTP_HOST=smtp.example.com"],
                   ["config.extraEnv.MAIL_SMTP_HOST=smtp.example.com"], ["services.notification.env.INBOUND_SMTP_PORT=2525"],
                   ["config.extraEnv.INBOUND_SMTP_PORT=2525"]):
            with self.subTest(on=on):
                self.fails(r"services\.notification\.mailFrom is required", *on)
        # notification refuses MAIL_FROM shorter than 3 characters (exit 78 at start); the chart
        # takes an address, bare or with a display name.
        self.fails(r"(?s)mailFrom.*pattern", "services.notification.mailFrom=x")
        self.fails(r"(?s)mailFrom.*pattern", "services.notification.mailFrom=support")
        for address in ("support@example.com", "TSS Support <support@example.com>"):
            docs = render("services.notification.smtp.host=smtp.example.com", "services.notification.inboundSmtp.enabled=true",
                          "services.notification.mailFrom=" + address)
            env = env_of(named(docs, "Deployment", full("notification"))["spec"]["template"]["spec"]["containers"][0])
            self.assertEqual(env["MAIL_FROM"]["value"], address)
        # Given as a variable of notification's own, it counts as given.
        render("services.notification.smtp.host=smtp.example.com", "services.notification.env.MAIL_FROM=support@example.com")

    def test_a_pdb_that_lets_no_pod_be_evicted(self):
        # Counted against the service's least replicas (replicas, or the HPA's minReplicas): a PDB
        # that leaves none to evict blocks every drain of its node (cluster upgrades, scale-down).
        one = ["services.escalation.replicas=1"]
        self.fails(r"services\.escalation\.pdb\.minAvailable \(1\) lets no pod of 1 \(services\.escalation\.replicas\) be evicted", *one,
                   "services.escalation.pdb.minAvailable=1")
        self.fails(r"services\.gateway\.pdb\.minAvailable \(2\) lets no pod of 2 \(services\.gateway\.autoscaling\.minReplicas\) be evicted",
                   "services.gateway.pdb.minAvailable=2")
        # Percentages round up, as Kubernetes rounds them: 50% of 1 is 1.
        self.fails(r"services\.escalation\.pdb\.minAvailable \(50%\) lets no pod of 1", *one, "services.escalation.pdb.minAvailable=50%")
        self.fails(r"services\.rating\.pdb\.minAvailable \(100%\) lets no pod of 2", "services.rating.pdb.minAvailable=100%")
        self.fails(r"services\.rating\.pdb\.maxUnavailable \(0%\) lets no pod of 2", "services.rating.pdb.maxUnavailable=0%")
        # One pod may still go: rendered.
        pdbs = {p["metadata"]["name"]: p["spec"] for p in of_kind(render(*one, "services.rating.replicas=3", "services.rating.pdb.minAvailable=2",
                                                                          "services.gateway.pdb.minAvailable=1"), "PodDisruptionBudget")}
        self.assertEqual((pdbs[full("escalation")].get("maxUnavailable"), pdbs[full("rating")].get("minAvailable"),
                          pdbs[full("gateway")].get("minAvailable")), (1, 2, 1))
        # No pod, nothing to evict: the budget blocks nothing.
        render("services.rating.replicas=0", "services.rating.pdb.minAvailable=1")

    def test_links_need_the_address_requesters_open(self):
        # No ingress host to derive it from: the services' own default, http://127.0.0.1:3000, would
        # start every support-site and rating link mailed.
        self.fails(r"config\.publicUrl is required without an ingress host", "ingress.enabled=false")
        docs = render("ingress.enabled=false", "config.publicUrl=https://help.example.org")
        self.assertEqual(named(docs, "ConfigMap", "t-tss")["data"]["TSS_PUBLIC_URL"], "https://help.example.org")
        # A wildcard first host is no address anyone opens: https://*.example.com would start them.
        wildcard = ["ingress.hosts[0].host=*.example.com", "ingress.hosts[0].paths[0].path=/",
                    "ingress.hosts[0].paths[0].pathType=Prefix", "ingress.tls[0].hosts[0]=*.example.com"]
        self.fails(r"config\.publicUrl is required when the first ingress host is a wildcard \(\*\.example\.com\)", *wildcard)
        docs = render(*wildcard, "config.publicUrl=https://help.example.com")
        self.assertEqual(named(docs, "ConfigMap", "t-tss")["data"]["TSS_PUBLIC_URL"], "https://help.example.com")

    def test_grace_period_must_cover_sleep_and_drain(self):
        self.fails(r"terminationGracePeriodSeconds \(12\) must exceed", "terminationGracePeriodSeconds=12")


class FirstAdmin(unittest.TestCase):
    """The bootstrap admin client (docs/auth.md): its id and its secret go together."""

    def test_id_and_secret_go_together(self):
        self.assertIn("services.gateway.bootstrapClientId needs secrets.bootstrapClientSecret",
                      render("services.gateway.bootstrapClientId=tss-admin", expect_failure=True))
        self.assertIn("secrets.bootstrapClientSecret is set, but services.gateway.bootstrapClientId is empty",
                      render("secrets.bootstrapClientSecret=" + "s" * 24, expect_failure=True))
        self.assertIn("secrets.bootstrapClientSecret is not used with secrets.existingSecret",
                      render("secrets.existingSecret=tss-prod", "services.gateway.bootstrapClientId=tss-admin", "secrets.bootstrapClientSecret=" + "s" * 24,
                             required=False, expect_failure=True))

    def test_the_gateway_gets_both_or_neither_and_the_secret_is_required(self):
        for secret, docs in (("t-tss", render("services.gateway.bootstrapClientId=tss-admin", "secrets.bootstrapClientSecret=" + "s" * 24)),
                             ("tss-prod", render("secrets.existingSecret=tss-prod", "services.gateway.bootstrapClientId=tss-admin", required=False))):
            env = env_of(named(docs, "Deployment", full("gateway"))["spec"]["template"]["spec"]["containers"][0])
            self.assertEqual(env["TSS_BOOTSTRAP_CLIENT_ID"]["value"], "tss-admin")
            self.assertEqual(env["TSS_BOOTSTRAP_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"], {"name": secret, "key": "TSS_BOOTSTRAP_CLIENT_SECRET"})
        env = env_of(named(render(), "Deployment", full("gateway"))["spec"]["template"]["spec"]["containers"][0])
        self.assertNotIn("TSS_BOOTSTRAP_CLIENT_ID", env)
        self.assertNotIn("TSS_BOOTSTRAP_CLIENT_SECRET", env)

    def test_notes_say_how_to_get_the_first_admin_token(self):
        text = notes("services.gateway.bootstrapClientId=tss-admin", "secrets.bootstrapClientSecret=" + "s" * 24)
        self.assertIn("First admin: client tss-admin", text)
        self.assertIn("kubectl -n tss get secret t-tss -o jsonpath='{.data.TSS_BOOTSTRAP_CLIENT_SECRET}' | base64 -d", text)
        self.assertIn("https://tss.example.com/v1/auth/token -d grant_type=client_credentials -d client_id=tss-admin", text)
        local = notes("secrets.existingSecret=tss-prod", "services.gateway.bootstrapClientId=tss-admin", "ingress.enabled=false",
                      "config.publicUrl=https://help.example.org", required=False)
        self.assertIn("get secret tss-prod", local)
        self.assertIn("http://127.0.0.1:8080/v1/auth/token", local)
        none = notes()
        self.assertIn("No first admin client: services.gateway.bootstrapClientId is empty", none)
        self.assertNotIn("TSS_BOOTSTRAP_CLIENT_SECRET}'", none)


class ProductionValues(unittest.TestCase):
    @staticmethod
    def own_connections(service):
        """PostgreSQL connections a pod holds besides its pool: the outbox relay's (every service,
        relay-session.ts), the process's one listening connection (every service: its relay
        LISTENs there, and so do its timer worker and notification's webhook sender:
        shared-listener.ts), and any connection the service opens itself (new Client)."""
        src = os.path.join(ROOT, "services", service, "src")
        own = sum(open(os.path.join(d, f)).read().count("new Client(") for d, _, files in os.walk(src) for f in files if f.endswith(".ts"))
        return 2 + own

    def test_documented_connection_budget_counts_every_connection_of_the_production_values(self):
        docs = render(values=PRODUCTION, required=False)
        pool = int(named(docs, "ConfigMap", "t-tss")["data"]["DB_POOL_SIZE"])
        hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"] for h in of_kind(docs, "HorizontalPodAutoscaler")}
        total = 2 if of_kind(docs, "Job") else 0  # the migrate step: a pool of one and its lock connection
        for s in SERVICES:
            d = named(docs, "Deployment", full(s))
            pods = hpas.get(full(s), d["spec"].get("replicas"))
            surge = d["spec"]["strategy"].get("rollingUpdate", {}).get("maxSurge", 0)
            total += (pods + surge) * (pool + self.own_connections(s))
        self.assertEqual({s: self.own_connections(s) for s in SERVICES}, {s: 2 for s in SERVICES})
        ops = open(os.path.join(ROOT, "docs", "operations.md")).read()
        documented, picked = re.search(r"With the production values this is [^=]+= (\d+), hence `max_connections: (\d+)`", ops).groups()
        self.assertEqual(int(documented), total)
        self.assertIn('max_connections: "%s"' % picked, ops)
        self.assertLess(total, int(picked))

    def test_production_values_render(self):
        docs = render(values=PRODUCTION, required=False)
        self.assertEqual(len(of_kind(docs, "Deployment")), 6)
        self.assertEqual(len(of_kind(docs, "PrometheusRule")), 1)
        self.assertEqual(of_kind(docs, "Secret"), [])
        for p in of_kind(docs, "NetworkPolicy"):
            for r in p["spec"]["egress"]:
                ports = {x["port"] for x in r["ports"]}
                if ports & {5432, 9092, 9093}:
                    self.assertTrue(r.get("to"), "production pins PostgreSQL and Kafka peers: " + p["metadata"]["name"])


if __name__ == "__main__":
    result = unittest.main(verbosity=1, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
