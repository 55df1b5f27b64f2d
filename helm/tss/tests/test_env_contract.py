"""The environment contract (deploy/helm/check-env-contract.py) over `helm template` output.

Run by deploy/helm/check-chart.sh: HELM=<helm binary> python3 helm/tss/tests/test_env_contract.py
Needs node_modules (each service prints the JSON Schema of its settings: `main.ts config-schema`).
"""
import copy
import importlib.util
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_chart import MAIL_FROM, PRODUCTION, ROOT, SERVICES, env_of, full, named, render  # noqa: E402

spec = importlib.util.spec_from_file_location("check_env_contract", os.path.join(ROOT, "deploy", "helm", "check-env-contract.py"))
contract = importlib.util.module_from_spec(spec)
spec.loader.exec_module(contract)

# What deploy/helm/check-chart.sh renders as "all-on" and holds to the contract.
ALL_ON = ["metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true", "services.notification.inboundSmtp.enabled=true",
          "preStopMode=exec", "services.sla-timer.autoscaling.consumerLag.enabled=true", "secrets.redisUrl=redis://redis:6379",
          "config.otlpEndpoint=http://otel:4318", "secrets.smtpUrl=smtps://tss:smtp-password@smtp.example.com:465",
          "config.oidc.issuer=https://login.example.com/realms/staff", "config.oidc.audience=tss",
          "config.oidc.jwksUrl=https://login.example.com/realms/staff/protocol/openid-connect/certs",
          "services.notification.env.MAIL_INBOUND_SECRET.valueFrom.secretKeyRef.name=tss-mail",
          "services.notification.env.MAIL_INBOUND_SECRET.valueFrom.secretKeyRef.key=inbound-secret",
          "services.notification.mailFrom=TSS Support <support@example.com>"]
# What it renders as "ingress-off": no Ingress, so the links' address is given.
INGRESS_OFF = ["ingress.enabled=false", "config.publicUrl=https://support.example.com",
               "services.notification.smtp.host=smtp.example.com", "services.notification.mailFrom=support@example.com"]
SETTINGS = {}


def setUpModule():
    SETTINGS.update(contract.read_settings(SERVICES))


def container(docs, service):
    return named(docs, "Deployment", full(service))["spec"]["template"]["spec"]["containers"][0]


class Contract(unittest.TestCase):
    def problems(self, docs):
        return contract.contract_problems(docs, SETTINGS)

    def test_the_settings_come_from_each_services_own_schema(self):
        self.assertIn("MAIL_SMTP_HOST", SETTINGS["notification"]["reads"])
        self.assertIn("TSS_TRUST_PROXY", SETTINGS["gateway"]["reads"], "the gateway entry point's own settings count")
        self.assertNotIn("MAIL_SMTP_HOST", SETTINGS["gateway"]["reads"])
        # Read from the environment by the code itself, not through the schema.
        self.assertIn("TSS_MASTER_KEYS", SETTINGS["ticket-intake"]["reads"])

    def test_a_variable_its_service_never_reads_is_a_problem(self):
        docs = render()
        container(docs, "notification").setdefault("env", []).append({"name": "SMTP_URL", "value": "smtp://mail:25"})
        self.assertIn("%s: SMTP_URL is set, but notification never reads it" % full("notification"), self.problems(docs))
        shared = render("config.extraEnv.SMTP_URL=smtp://mail:25")
        self.assertIn("ConfigMap t-tss: SMTP_URL is set, but none of the services that get it reads it", self.problems(shared))

    def test_what_a_service_needs_in_a_cluster_is_a_problem_when_missing(self):
        docs = copy.deepcopy(render(*ALL_ON))
        c = container(docs, "notification")
        c["env"] = [e for e in c["env"] if e["name"] != "MAIL_SMTP_HOST"]
        self.assertEqual([p for p in self.problems(docs) if "MAIL_SMTP_HOST" in p],
                         ["%s: MAIL_SMTP_HOST is not set: without it mail is kept in notification's local outbox, never sent" % full("notification")])

    def test_a_listener_on_loopback_is_a_problem(self):
        docs = copy.deepcopy(render())
        named(docs, "ConfigMap", "t-tss")["data"]["HOST"] = "127.0.0.1"
        self.assertIn("%s: HOST is 127.0.0.1: the listener PORT turns on is unreachable from outside the pod" % full("rating"), self.problems(docs))

    def test_the_inbound_smtp_listener_binds_the_pod_address(self):
        docs = render("services.notification.inboundSmtp.enabled=true", MAIL_FROM)
        self.assertEqual([p for p in self.problems(docs) if "INBOUND_SMTP" in p], [])
        self.assertEqual(env_of(container(docs, "notification"))["INBOUND_SMTP_HOST"]["value"], "0.0.0.0")

    def test_services_sharing_attachments_get_the_same_storage_on_the_same_claim(self):
        docs = copy.deepcopy(render())
        c = container(docs, "notification")
        c["env"] = [e for e in c.get("env", []) if not e["name"].startswith("ATTACHMENT_")] + [{"name": "ATTACHMENT_STORAGE", "value": "s3"}]
        self.assertIn("ATTACHMENT_STORAGE differs between services (%s: 'filesystem', %s: 's3'): the attachment storage "
                      "(notification stores inbound mail's files where intake reads them)" % (full("ticket-intake"), full("notification")), self.problems(docs))
        c["env"] = [e for e in c["env"] if e["name"] != "ATTACHMENT_STORAGE"] + [e for e in container(docs, "ticket-intake")["env"] if e["name"].startswith("ATTACHMENT_")]
        c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "attachments"]
        self.assertIn("%s: ATTACHMENT_DIR /var/lib/tss/attachments is on no volume (the root file system is read-only)" % full("notification"), self.problems(docs))

    def test_notification_stores_inbound_attachments_where_intake_reads_them(self):
        self.assertEqual([p for p in self.problems(render()) if "ATTACHMENT" in p], [])
        s3 = render("services.ticket-intake.attachments.storage=s3", "services.ticket-intake.attachments.s3.bucket=tss-files",
                    "services.ticket-intake.attachments.s3.credentialsSecretRef.name=tss-bucket")
        self.assertEqual([p for p in self.problems(s3) if "ATTACHMENT" in p], [])

    def test_keys_are_required_secret_keys_for_every_service_that_reads_them(self):
        for docs in (render(), render("secrets.existingSecret=tss-secrets", required=False)):
            self.assertEqual([p for p in self.problems(docs) if "_KEYS" in p], [])
        # notification seals webhook signing secrets with the master keys (docs/adr/0042).
        self.assertIn("TSS_MASTER_KEYS", SETTINGS["notification"]["reads"])
        docs = copy.deepcopy(render())
        for e in container(docs, "gateway")["env"]:
            if e["name"] == "TSS_SITE_LINK_KEYS":
                e["valueFrom"]["secretKeyRef"]["optional"] = True
        self.assertIn("%s: TSS_SITE_LINK_KEYS is an optional key of Secret t-tss, so a pod starts without it: without it each pod generates a link key "
                      "of its own and no other pod verifies its links (docs/adr/0037)" % full("gateway"), self.problems(docs))

    def test_settings_from_other_secrets_are_held_to_the_contract_too(self):
        docs = render("services.notification.env.MAIL_INBOUND_SECRET.valueFrom.secretKeyRef.name=tss-mail",
                      "services.notification.env.MAIL_INBOUND_SECRET.valueFrom.secretKeyRef.key=inbound-secret",
                      "services.rating.env.SMTP_PASSWORD.valueFrom.secretKeyRef.name=tss-mail", "services.rating.env.SMTP_PASSWORD.valueFrom.secretKeyRef.key=pw",
                      "config.extraEnv.OTEL_EXPORTER_OTLP_HEADERS.valueFrom.secretKeyRef.name=tss-otel",
                      "config.extraEnv.OTEL_EXPORTER_OTLP_HEADERS.valueFrom.secretKeyRef.key=headers")
        problems = self.problems(docs)
        self.assertIn("%s: SMTP_PASSWORD is set, but rating never reads it" % full("rating"), problems)
        # OTEL_*: read by the OpenTelemetry exporter itself, as its specification says.
        self.assertEqual([p for p in problems if "MAIL_INBOUND_SECRET" in p or "OTEL_" in p], [])

    def test_a_setting_without_its_partner_is_a_problem(self):
        docs = copy.deepcopy(render())
        container(docs, "gateway")["env"].append({"name": "TSS_BOOTSTRAP_CLIENT_ID", "value": "tss-admin"})
        self.assertIn("%s: TSS_BOOTSTRAP_CLIENT_ID is set without TSS_BOOTSTRAP_CLIENT_SECRET: the gateway stops at its first start "
                      "(TSS_BOOTSTRAP_CLIENT_SECRET is required with TSS_BOOTSTRAP_CLIENT_ID)" % full("gateway"), self.problems(docs))

    def test_mail_sent_or_taken_without_our_own_address_is_a_problem(self):
        docs = copy.deepcopy(render(*ALL_ON))
        c = container(docs, "notification")
        self.assertEqual(env_of(c)["MAIL_FROM"]["value"], "TSS Support <support@example.com>")
        c["env"] = [e for e in c["env"] if e["name"] != "MAIL_FROM"]
        self.assertEqual([p for p in self.problems(docs) if "MAIL_FROM" in p], [
            "%s: MAIL_SMTP_HOST is set without MAIL_FROM: mail goes out from the service's default, support@tss.local, "
            "a domain that is not ours (replies and bounces go astray, servers refuse it)" % full("notification"),
            "%s: INBOUND_SMTP_PORT is set without MAIL_FROM: the listener takes recipients of MAIL_FROM's domain only "
            "(unless INBOUND_SMTP_DOMAINS), by default tss.local, so requesters' replies are refused" % full("notification")])

    def test_the_renders_the_checks_use_keep_the_contract(self):
        self.assertEqual(self.problems(render(*ALL_ON)), [])
        self.assertEqual(self.problems(render(values=PRODUCTION, required=False)), [])
        self.assertEqual(self.problems(render(*INGRESS_OFF)), [])

    def test_outbound_mail_reaches_notification_as_the_variables_it_reads(self):
        docs = render("services.notification.smtp.host=smtp.example.com", "services.notification.smtp.port=465", "services.notification.smtp.secure=true",
                      "services.notification.smtp.user=tss", "secrets.smtpPassword=smtp-password", MAIL_FROM)
        env = env_of(container(docs, "notification"))
        self.assertEqual({k: env[k]["value"] for k in ("MAIL_SMTP_HOST", "MAIL_SMTP_PORT", "MAIL_SMTP_SECURE", "MAIL_SMTP_USER")},
                         {"MAIL_SMTP_HOST": "smtp.example.com", "MAIL_SMTP_PORT": "465", "MAIL_SMTP_SECURE": "true", "MAIL_SMTP_USER": "tss"})
        # With a user the password is required: a missing key stops the pod, naming it.
        self.assertEqual(env["MAIL_SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"], {"name": "t-tss", "key": "MAIL_SMTP_PASSWORD"})
        self.assertEqual(named(docs, "Secret", "t-tss")["stringData"]["MAIL_SMTP_PASSWORD"], "smtp-password")
        self.assertNotIn("smtp-password", " ".join(named(docs, "ConfigMap", "t-tss")["data"].values()))
        self.assertEqual([p for p in self.problems(docs) if "MAIL_" in p], [])

    def test_the_smtp_url_of_earlier_values_becomes_those_variables(self):
        docs = render("secrets.smtpUrl=smtps://mailer:s3cret@smtp.example.com:465", MAIL_FROM)
        self.assertEqual(self.problems(docs), [])
        env = env_of(container(docs, "notification"))
        self.assertEqual({k: env[k]["value"] for k in ("MAIL_SMTP_HOST", "MAIL_SMTP_PORT", "MAIL_SMTP_SECURE", "MAIL_SMTP_USER")},
                         {"MAIL_SMTP_HOST": "smtp.example.com", "MAIL_SMTP_PORT": "465", "MAIL_SMTP_SECURE": "true", "MAIL_SMTP_USER": "mailer"})
        secret = named(docs, "Secret", "t-tss")["stringData"]
        self.assertEqual(secret["MAIL_SMTP_PASSWORD"], "s3cret")
        self.assertNotIn("SMTP_URL", secret)
        plain = env_of(container(render("secrets.smtpUrl=smtp://relay.mail.svc", MAIL_FROM), "notification"))
        self.assertEqual((plain["MAIL_SMTP_HOST"]["value"], plain["MAIL_SMTP_PORT"]["value"], plain["MAIL_SMTP_SECURE"]["value"]), ("relay.mail.svc", "587", "false"))
        self.assertNotIn("MAIL_SMTP_USER", plain)
        self.assertEqual(plain["MAIL_SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"]["optional"], True)
        # No SMTP server: none of the variables (notification keeps mail in its outbox and says so).
        self.assertEqual([k for k in env_of(container(render(), "notification")) if k.startswith("MAIL_SMTP")], [])


if __name__ == "__main__":
    result = unittest.main(verbosity=1, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
