"""The environment the chart gives each container is the one its service reads, and it works.

Two checks over a rendered manifest (docs/adr/0021):

1. The contract, from the manifest and the code, nothing started:
   - every variable a container gets is one its service reads: a property of the JSON Schema the
     service prints (`main.ts config-schema`: the schema it validates at start), or a name its code
     reads from the environment directly (found in services/<name>/src and libs/*/src). loadConfig
     ignores variables it does not know, so a misnamed one (SMTP_URL for MAIL_SMTP_HOST) would
     otherwise pass unseen; a key of the shared ConfigMap must be read by one of its services;
   - what a service needs to work in a cluster is given to every service that reads it (NEEDED),
     each with the reason the service's own default does not do there; a listener it turns on
     binds an address other pods reach (LISTENERS: not loopback, given or by default);
   - settings that go together are given together (TOGETHER);
   - services that share a resource get the same settings for it (SHARED), and files they share
     lie on one PersistentVolumeClaim mounted in each of them.
2. The start: every Deployment (and each migrate init container) is started as the image starts
   it (`node dist/services/<name>/main.js [migrate]`: the bundles check-chart.sh builds with
   tools/build-service.mjs, named by TSS_SERVICE_BUNDLES; without it, from source:
   node_modules/.bin/node --import tsx services/<name>/src/main.ts [migrate]), with exactly that
   environment: the ConfigMap, the literal values, and a stand-in for each Secret key. PostgreSQL
   and Kafka point at a closed port, so a process whose configuration is accepted fails later, at
   connect. Exit code 78 (EX_CONFIG, "Invalid configuration") is the failure this looks for.

  python3 deploy/helm/check-env-contract.py .cache/helm-check/manifests/all-on.yaml
"""
import atexit
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE = os.path.join(ROOT, "node_modules", ".bin", "node")
CLOSED = "127.0.0.1:1"
STAND_INS = {
    "DATABASE_URL": "postgres://tss:pw@%s/tss" % CLOSED,
    "TSS_MASTER_KEYS": "k1:" + "A" * 43 + "=",
    "TSS_SITE_LINK_KEYS": "s1:" + "B" * 43 + "=",
    "TSS_BOOTSTRAP_CLIENT_SECRET": "s" * 24,
    "REDIS_URL": "redis://%s" % CLOSED,
    "MAIL_SMTP_PASSWORD": "stand-in-password",
    "ATTACHMENT_S3_ACCESS_KEY_ID": "AKIAEXAMPLESTANDIN00",
    "ATTACHMENT_S3_SECRET_ACCESS_KEY": "s" * 40,
    "KAFKA_SASL_PASSWORD": "p" * 24,
}
# Settings naming a file of a mounted Secret: the file must be under one of the container's mounts,
# and a stand-in with the same kind of content takes its place here.
STAND_IN_FILES = {
    "KAFKA_SSL_CA_FILE": "-----BEGIN CERTIFICATE-----\nMIIBstandin\n-----END CERTIFICATE-----\n",
}
STAND_IN_DIR = tempfile.mkdtemp(prefix="tss-env-contract-")
atexit.register(shutil.rmtree, STAND_IN_DIR, ignore_errors=True)


# What a service needs in a cluster, where its own default is for a developer's machine. Checked for
# every service that reads the variable: it must be given a value or a Secret key, not an optional
# one (a pod would start without it).
NEEDED = {
    "TSS_MASTER_KEYS": "without it the service generates a master key into its own database, next to what it wraps (development only, docs/adr/0014)",
    "TSS_SITE_LINK_KEYS": "without it each pod generates a link key of its own and no other pod verifies its links (docs/adr/0037)",
    "MAIL_SMTP_HOST": "without it mail is kept in notification's local outbox, never sent",
    "TSS_PUBLIC_URL": "links in mails (support site, rating) start with it; the default is a developer's localhost",
}
# One resource, one setting: every service that reads one of these must get it the same way (the
# same value, or the same Secret key), or one service looks where another never puts anything.
SHARED = {
    "the attachment storage (notification stores inbound mail's files where intake reads them)": [
        "ATTACHMENT_STORAGE", "ATTACHMENT_DIR", "ATTACHMENT_S3_BUCKET", "ATTACHMENT_S3_ENDPOINT", "ATTACHMENT_S3_REGION",
        "ATTACHMENT_S3_FORCE_PATH_STYLE", "ATTACHMENT_S3_KEY_PREFIX", "ATTACHMENT_S3_ACCESS_KEY_ID", "ATTACHMENT_S3_SECRET_ACCESS_KEY"],
    "the master keys (what one service wraps, a restored backup of any service must unwrap)": ["TSS_MASTER_KEYS"],
    "the support-site links (notification signs them, the gateway verifies them)": ["TSS_SITE_LINK_KEYS", "TSS_SITE_LINK_TTL_MS", "TSS_PUBLIC_URL"],
    "the attachment size limits (intake holds files to them, the gateway's support site names them)": ["ATTACHMENT_MAX_FILE_BYTES", "ATTACHMENT_MAX_MESSAGE_BYTES"],
    "the staff sign-in (a token the gateway forwards is verified by the service it reaches)": [
        "TSS_OIDC_ISSUER", "TSS_OIDC_AUDIENCE", "TSS_OIDC_JWKS_URL", "TSS_OIDC_ROLES_CLAIM", "TSS_JWT_ISSUER", "TSS_JWT_AUDIENCE"],
}
# Settings that go together: with the first given, the second must be given too (not empty, and
# not as an optional Secret key).
TOGETHER = {
    "TSS_BOOTSTRAP_CLIENT_ID": ("TSS_BOOTSTRAP_CLIENT_SECRET", "the gateway stops at its first start (TSS_BOOTSTRAP_CLIENT_SECRET is required with TSS_BOOTSTRAP_CLIENT_ID)"),
    "MAIL_SMTP_USER": ("MAIL_SMTP_PASSWORD", "the SMTP server refuses the login, and no mail leaves"),
    # MAIL_FROM's default is a developer's: required once mail really leaves or arrives.
    "MAIL_SMTP_HOST": ("MAIL_FROM", "mail goes out from the service's default, support@tss.local, a domain that is not ours (replies and bounces go astray, servers refuse it)"),
    "INBOUND_SMTP_PORT": ("MAIL_FROM", "the listener takes recipients of MAIL_FROM's domain only (unless INBOUND_SMTP_DOMAINS), by default tss.local, so requesters' replies are refused"),
}
# Listeners: the address a service binds and the variable that turns the listener on. A pod is
# reached on its own IP (Service, probes), never on loopback: an address that is loopback, given
# or the schema's default, leaves the listener unreachable.
LISTENERS = {"HOST": "PORT", "INBOUND_SMTP_HOST": "INBOUND_SMTP_PORT"}
LOOPBACK = re.compile(r"^(127\.|::1$|localhost$)")
# Read by what runs the service rather than by its code: node itself, and the OpenTelemetry SDK and
# exporter, which take the OTEL_* variables of the OpenTelemetry specification.
READ_BY_THE_RUNTIME = re.compile(r"^(OTEL_[A-Z0-9_]+|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|TZ)$")
# Source files whose environment reads are no service's: tests and test helpers.
NOT_SERVICE_CODE = re.compile(r"(/testing/|/test/|\.spec\.ts$)")
# deps.env.TSS_MASTER_KEYS, process.env.X, env['X']: a read outside the schema.
ENV_READ = re.compile(r"\benv(?:\.|\[['\"])([A-Z][A-Z0-9_]{2,})\b")


# The folder tools/build-service.mjs built every service into (services/<name>/main.js), as the
# image holds them; each starts in about 1 s, against 2.5-3 s through tsx (docs/adr/0074).
BUNDLES = os.environ.get("TSS_SERVICE_BUNDLES")


def entry(service):
    """Node's arguments that run the service: its bundle when built, else its sources through tsx."""
    if BUNDLES:
        return [os.path.join(BUNDLES, "services", service, "main.js")]
    return ["--import", "tsx", "services/%s/src/main.ts" % service]


def service_of(container):
    return container["args"][0].split("/")[2]


def config_schema(service):
    """The JSON Schema of every variable the service's process validates at start (main.ts config-schema)."""
    p = subprocess.run([NODE, *entry(service), "config-schema"], cwd=ROOT,
                       env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("%s config-schema failed (exit %s):\n%s" % (service, p.returncode, p.stderr))
    return json.loads(p.stdout)


def direct_reads(service):
    """Names the service's code (and the libraries every service runs) reads from the environment itself."""
    names = set()
    for pattern in ("services/%s/src/**/*.ts" % service, "libs/*/src/**/*.ts"):
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            if not NOT_SERVICE_CODE.search(path):
                with open(path, encoding="utf-8") as source:
                    names.update(ENV_READ.findall(source.read()))
    return names


def read_settings(services):
    """{service: {"schema": its JSON Schema, "reads": every name it reads}}, the services started three at a time."""
    services = sorted(set(services))
    with ThreadPoolExecutor(max_workers=3) as pool:
        schemas = dict(zip(services, pool.map(config_schema, services)))
    return {s: {"schema": schemas[s], "reads": set(schemas[s]["properties"]) | direct_reads(s)} for s in services}


def given(container, config_maps):
    """{name: how the container gets it}: ("value", text) or ("secret", name, key, optional) or ("configMapKey", name, key)."""
    out = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source and source["configMapRef"]["name"] in config_maps:
            prefix = source.get("prefix", "")
            out.update({prefix + k: ("value", v) for k, v in config_maps[source["configMapRef"]["name"]].items()})
    for e in container.get("env", []):
        if "value" in e:
            out[e["name"]] = ("value", e["value"])
        elif "secretKeyRef" in e.get("valueFrom", {}):
            ref = e["valueFrom"]["secretKeyRef"]
            out[e["name"]] = ("secret", ref["name"], ref["key"], bool(ref.get("optional")))
        elif "configMapKeyRef" in e.get("valueFrom", {}):
            ref = e["valueFrom"]["configMapKeyRef"]
            out[e["name"]] = ("configMapKey", ref["name"], ref["key"])
        else:
            out[e["name"]] = ("field",)
    return out


def deployments(docs):
    """(name, service, container) of every Deployment."""
    return [(d["metadata"]["name"], service_of(c), c) for d in docs if d["kind"] == "Deployment"
            for c in d["spec"]["template"]["spec"]["containers"][:1]]


def how(source):
    """A given setting as it identifies what it names: a value, or a Secret key (optional or not)."""
    return source[:3] if source and source[0] == "secret" else source


def show(source):
    return "unset" if source is None else repr(source[1]) if source[0] == "value" else "%s %s/%s" % source[:3]


def storage_claim(pod, container, directory):
    """The PersistentVolumeClaim mounted over directory in the container, or why there is none."""
    mounts = [m for m in container.get("volumeMounts", []) if directory == m["mountPath"] or directory.startswith(m["mountPath"].rstrip("/") + "/")]
    if not directory.startswith("/") or not mounts:
        return None, "is on no volume (the root file system is read-only)"
    volume = next(v for v in pod.get("volumes", []) if v["name"] == max(mounts, key=lambda m: len(m["mountPath"]))["name"])
    if "persistentVolumeClaim" not in volume:
        return None, "is on a volume of the pod alone (%s), which no other pod sees" % volume["name"]
    return volume["persistentVolumeClaim"]["claimName"], None


def shared_problems(docs, settings, config_maps):
    problems = []
    pods = {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in docs if d["kind"] == "Deployment"}
    readers = [(name, service, c, given(c, config_maps)) for name, service, c in deployments(docs)]
    for what, names in SHARED.items():
        for var in names:
            seen = [(name, how(env.get(var))) for name, service, _, env in readers if var in settings[service]["reads"]]
            if len({s for _, s in seen}) > 1:
                problems.append("%s differs between services (%s): %s" % (var, ", ".join("%s: %s" % (n, show(s)) for n, s in seen), what))
    # Files on a volume: every service that reads them mounts the same claim at that directory.
    claims = {}
    for name, service, c, env in readers:
        properties = settings[service]["schema"]["properties"]
        if "ATTACHMENT_DIR" not in properties:
            continue
        storage = env["ATTACHMENT_STORAGE"][1] if "ATTACHMENT_STORAGE" in env else properties["ATTACHMENT_STORAGE"].get("default")
        if storage != "filesystem":
            continue
        directory = env["ATTACHMENT_DIR"][1] if "ATTACHMENT_DIR" in env else properties["ATTACHMENT_DIR"]["default"]
        claim, why = storage_claim(pods[name], c, directory)
        if why:
            problems.append("%s: ATTACHMENT_DIR %s %s" % (name, directory, why))
        else:
            claims[name] = claim
    if len(set(claims.values())) > 1:
        problems.append("ATTACHMENT_DIR is on different claims (%s): the services would not see each other's files"
                        % ", ".join("%s: %s" % kv for kv in sorted(claims.items())))
    return problems


def contract_problems(docs, settings):
    """Every way the manifest's environment breaks the contract, one line each (empty: none)."""
    config_maps = {d["metadata"]["name"]: d.get("data") or {} for d in docs if d["kind"] == "ConfigMap"}
    problems = []
    readers_of_map = {}
    for name, service, c in deployments(docs):
        reads = settings[service]["reads"]
        for source in c.get("envFrom", []):
            if "configMapRef" in source:
                readers_of_map.setdefault(source["configMapRef"]["name"], set()).update(reads)
        for e in c.get("env", []):
            if e["name"] not in reads and not READ_BY_THE_RUNTIME.match(e["name"]):
                problems.append("%s: %s is set, but %s never reads it" % (name, e["name"], service))
        env = given(c, config_maps)
        for var, reason in NEEDED.items():
            if var in reads and (var not in env or env[var] == ("value", "")):
                problems.append("%s: %s is not set: %s" % (name, var, reason))
            elif var in reads and env[var][0] == "secret" and env[var][3]:
                problems.append("%s: %s is an optional key of Secret %s, so a pod starts without it: %s" % (name, var, env[var][1], reason))
        for first, (second, reason) in TOGETHER.items():
            if first in env and env[first] != ("value", ""):
                if second not in env or env[second] == ("value", ""):
                    problems.append("%s: %s is set without %s: %s" % (name, first, second, reason))
                elif env[second][0] == "secret" and env[second][3]:
                    problems.append("%s: %s is set with %s only as an optional key of Secret %s: %s" % (name, first, second, env[second][1], reason))
        properties = settings[service]["schema"]["properties"]
        for address, port in LISTENERS.items():
            if address not in properties or (port not in env and "default" not in properties.get(port, {})):
                continue
            bound = env[address][1] if address in env and env[address][0] == "value" else properties[address].get("default", "")
            if LOOPBACK.match(str(bound)):
                problems.append("%s: %s is %s%s: the listener %s turns on is unreachable from outside the pod"
                                % (name, address, bound, "" if address in env else " (its default)", port))
    problems += shared_problems(docs, settings, config_maps)
    for map_name, reads in readers_of_map.items():
        for key in config_maps.get(map_name, {}):
            if key not in reads and not READ_BY_THE_RUNTIME.match(key):
                problems.append("ConfigMap %s: %s is set, but none of the services that get it reads it" % (map_name, key))
    return problems


def environment(container, config_maps):
    env = {}
    for source in container.get("envFrom", []):
        # Keys of other Secrets and ConfigMaps (extraEnvFrom) are unknown here: not set.
        if source.get("configMapRef", {}).get("name") in config_maps:
            env.update(config_maps[source["configMapRef"]["name"]])
    for e in container.get("env", []):
        ref = e.get("valueFrom", {}).get("configMapKeyRef")
        if "value" in e:
            env[e["name"]] = e["value"]
        elif ref and ref["key"] in config_maps.get(ref["name"], {}):
            env[e["name"]] = config_maps[ref["name"]][ref["key"]]
        else:
            env[e["name"]] = STAND_INS.get(e["name"], "stand-in-" + "s" * 24)
    mounts = [m["mountPath"].rstrip("/") + "/" for m in container.get("volumeMounts", [])]
    for name, content in STAND_IN_FILES.items():
        if name in env:
            if not any(env[name].startswith(m) for m in mounts):
                raise SystemExit("%s=%s is in none of the container's mounts %s" % (name, env[name], mounts))
            path = os.path.join(STAND_IN_DIR, name)
            with open(path, "w") as f:
                f.write(content)
            env[name] = path
    # Closed ports for what it would connect to; any free port for what it would listen on.
    env.update(KAFKA_BROKERS=CLOSED, HOST="127.0.0.1", PORT="0", METRICS_PORT="0", PATH=os.environ["PATH"])
    # A service waits for its database at start (docs/adr/0015): here one try, so it exits at connect.
    env.update(DB_CONNECT_TIMEOUT_MS="0")
    return env


def run(label, args, env):
    service, rest = args[0].split("/")[2], args[1:]
    p = subprocess.Popen([NODE, *entry(service), *rest], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=60)
        code = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        code = None
    rejected = code == 78 or "Invalid configuration" in out
    if code is None:
        # With nothing to connect to it must end at its first connection; one still running after a
        # minute is waiting on something this check cannot see, so its verdict is unknown.
        return False, "FAIL %-33s did not exit within 60 s:\n%s" % (label, out)
    return not rejected, "%s %-33s %s" % ("FAIL" if rejected else "ok  ", label, "config rejected:\n" + out if rejected else "config accepted (then exit %s at connect)" % code)


def main(path, with_jobs=True):
    if not os.path.exists(NODE):
        print("node_modules/.bin/node missing (run npm ci first): skipped")
        return 0
    docs = [d for d in yaml.load_all(open(path), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if d]
    problems = contract_problems(docs, read_settings(s for _, s, _ in deployments(docs)))
    for p in problems:
        print("FAIL contract: " + p)
    if not problems:
        print("ok   contract: every variable is read by its service; what a cluster needs is set")
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    runs = []
    for d in docs:
        if d["kind"] == "Deployment":
            c = d["spec"]["template"]["spec"]["containers"][0]
            runs.append((d["metadata"]["name"], c["args"], environment(c, config_maps)))
        if d["kind"] == "Job" and with_jobs:
            for c in d["spec"]["template"]["spec"].get("initContainers", []):
                runs.append(("%s/%s" % (d["metadata"]["name"], c["name"]), c["args"], environment(c, config_maps)))
    # Three at a time: each start is mostly loading modules.
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda r: run(*r), runs))
    for _, line in results:
        print(line)
    return 0 if all(ok for ok, _ in results) and not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], with_jobs="--deployments-only" not in sys.argv[2:]))
