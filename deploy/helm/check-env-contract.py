"""The environment the chart gives each container passes that service's own config schema.

For every Deployment (and each migrate init container) in a rendered manifest, start the
service from source (node_modules/.bin/node --import tsx services/<name>/src/main.ts [migrate])
with exactly that environment: the ConfigMap, the literal values, and a stand-in for each Secret
key. PostgreSQL and Kafka point at a closed port, so a process whose configuration is accepted
fails later, at connect. Exit code 78 (EX_CONFIG, "Invalid configuration") is the failure this
looks for. docs/adr/0021.

  python3 deploy/helm/check-env-contract.py .cache/helm-check/manifests/all-on.yaml
"""
import atexit
import os
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
    "SMTP_URL": "smtp://%s" % CLOSED,
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


def environment(container, config_maps):
    env = {}
    for source in container.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]])
    for e in container.get("env", []):
        env[e["name"]] = e["value"] if "value" in e else STAND_INS[e["name"]]
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
    p = subprocess.Popen([NODE, "--import", "tsx", "services/%s/src/main.ts" % service, *rest], cwd=ROOT, env=env,
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
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    runs = []
    for d in docs:
        if d["kind"] == "Deployment":
            c = d["spec"]["template"]["spec"]["containers"][0]
            runs.append((d["metadata"]["name"], c["args"], environment(c, config_maps)))
        if d["kind"] == "Job" and with_jobs:
            for c in d["spec"]["template"]["spec"].get("initContainers", []):
                runs.append(("%s/%s" % (d["metadata"]["name"], c["name"]), c["args"], environment(c, config_maps)))
    # Three at a time: each start is mostly tsx compiling TypeScript.
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda r: run(*r), runs))
    for _, line in results:
        print(line)
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], with_jobs="--deployments-only" not in sys.argv[2:]))
