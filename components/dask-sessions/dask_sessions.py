"""Per-session Dask front door for notebooks that submit Dask workers to HTCondor.

JupyterHub calls this module at spawn and at stop (from jupyterhub_config.py):

    from dask_sessions import on_spawn, on_stop, settings_from_values, KubernetesAsyncioApi

    settings = settings_from_values(values)          # the hub values file, already parsed
    api = KubernetesAsyncioApi()                     # in-cluster service account

    async def pre_spawn_hook(spawner):
        await on_spawn(spawner, settings, api)

    async def post_stop_hook(spawner):
        await on_stop(spawner, settings, api)

    def modify_pod_hook(spawner, pod):
        return wire_pod(spawner, pod, settings)

At spawn, for a user who belongs to one of the configured groups (JupyterHub group names,
first match in settings order), it

1. escapes the user name into a DNS label (see :func:`escape_username`);
2. issues the user a certificate (client and server) from the group's CA, whose
   key it reads from the group CA Secret in the group namespace;
3. creates, in the group namespace, the Secret ``dask-tls-<escaped>`` (``kubernetes.io/tls``:
   ``tls.crt``, ``tls.key``, ``ca.crt``), the Service ``dask-<escaped>`` (selecting the user's
   pod; Dask scheduler and dashboard ports) and the IngressRouteTCP ``dask-<escaped>``
   (``traefik.io/v1alpha1``, ``HostSNI(`<escaped>.dask.<domain>`)``, TLS passthrough, on the
   shared Dask entrypoint, with the Traefik route labels);
   The Secret also holds ``session.yaml``: Dask config (JSON, which is YAML) setting
   ``jobqueue.htcondor.scheduler-options.contact_address`` to ``tls://<escaped>.dask.<domain>:<port>``
   and, with dashboards on, ``distributed.dashboard.link`` to the dashboard's public URL;
   with dashboards on (``dashboards`` below), also the IngressRoute ``dask-<escaped>``: HTTPS
   ``Host(`<domain>`) && PathPrefix(`<prefix>/<escaped>/`)`` to the dashboard port, through the
   group's middlewares (sign-in with the hub, then the prefix stripped);
4. (:func:`wire_pod`, KubeSpawner's ``modify_pod_hook``, on the pod manifest after the profile
   is applied) adds the pod label the Service selects, the Secret's volume mounted twice (TLS
   files; ``session.yaml`` alone) and ``DASK_CONFIG`` pointing at the latter.

At stop it deletes them. Objects left by a crashed hub are replaced at next spawn.

Values keys (``values["daskSessions"]``, written by the TypeScript ``renderDaskSessionSettings``):

    domain                   facility domain; sessions are <escaped>.dask.<domain>
    daskPort                 public Dask port of Traefik (e.g. 8786)
    entrypoint               Traefik TCP entrypoint name (e.g. "dask")
    routeLabels              labels Traefik selects routes on (mapping)
    schedulerPort            the notebook scheduler's port (8786)
    dashboardPort            the notebook dashboard's port (8787)
    serviceLabels            further labels of each session's Service (the scrape label that
                             monitoring discovery selects); optional
    certificateValidityDays  validity of issued user certificates
    tlsMountPath             where the user's TLS Secret is mounted in the pod
    sessionConfigDir         where the user's session.yaml is mounted (the pod's DASK_CONFIG)
    sessionConfigFile        its file name (a key of the user's TLS Secret)
    contactAddressTemplate   "tls://{user}.dask.<domain>:<port>"
    groups                   {<group>: {namespace: <ns>, caSecret: <secret name>}}
    dashboards               null, or {host, pathPrefix, entrypoint, middlewares: [names in the
                             group namespace, in order], linkTemplate: "https://.../{user}/status"}

The Kubernetes client is injected (:class:`KubeApi`), so tests pass a double; the real one,
:class:`KubernetesAsyncioApi`, uses kubernetes_asyncio, which KubeSpawner already ships, with the
hub pod's ServiceAccount token (or KUBECONFIG when the hub runs outside the cluster).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Protocol

VALUES_KEY = "daskSessions"
"""Key of this module's settings in the hub values file."""

USER_LABEL = "hepaf.io/dask-user"
"""Pod label (the escaped user name) that the user's Service selects."""

GROUP_LABEL = "hepaf.io/group"

_MAX_PREFIX = 40
_HASH_LEN = 10
_ESCAPED_SUFFIX = re.compile(r"-[0-9a-f]{%d}$" % _HASH_LEN)


@dataclass(frozen=True)
class GroupSettings:
    """One group: its namespace and the name of its CA Secret there."""

    namespace: str
    ca_secret: str


@dataclass(frozen=True)
class DashboardSettings:
    """Session dashboards over HTTPS through Traefik: where, and the middlewares in front."""

    host: str
    path_prefix: str
    entrypoint: str
    middlewares: tuple
    link_template: str


@dataclass(frozen=True)
class Settings:
    """What the module needs, from the hub values file."""

    domain: str
    dask_port: int
    entrypoint: str
    route_labels: Mapping[str, str]
    scheduler_port: int
    dashboard_port: int
    service_labels: Mapping[str, str]
    certificate_validity_days: int
    tls_mount_path: str
    session_config_dir: str
    session_config_file: str
    contact_address_template: str
    groups: Mapping[str, GroupSettings] = field(default_factory=dict)
    dashboards: Optional[DashboardSettings] = None


def settings_from_values(values: Mapping[str, Any]) -> Settings:
    """Reads the settings from the parsed hub values file (key ``daskSessions``)."""
    if VALUES_KEY not in values:
        raise KeyError(f"hub values have no '{VALUES_KEY}' section")
    v = values[VALUES_KEY]

    def need(key: str) -> Any:
        if key not in v:
            raise KeyError(f"{VALUES_KEY}.{key} is missing from the hub values")
        return v[key]

    groups = {
        name: GroupSettings(namespace=g["namespace"], ca_secret=g["caSecret"])
        for name, g in need("groups").items()
    }
    d = v.get("dashboards")
    dashboards = None if not d else DashboardSettings(
        host=d["host"], path_prefix=d["pathPrefix"].rstrip("/"), entrypoint=d["entrypoint"],
        middlewares=tuple(d["middlewares"]), link_template=d["linkTemplate"],
    )
    return Settings(
        domain=need("domain"),
        dask_port=int(need("daskPort")),
        entrypoint=need("entrypoint"),
        route_labels=dict(need("routeLabels")),
        scheduler_port=int(need("schedulerPort")),
        dashboard_port=int(need("dashboardPort")),
        service_labels=dict(v.get("serviceLabels") or {}),
        certificate_validity_days=int(need("certificateValidityDays")),
        tls_mount_path=need("tlsMountPath"),
        session_config_dir=need("sessionConfigDir"),
        session_config_file=need("sessionConfigFile"),
        contact_address_template=need("contactAddressTemplate"),
        groups=groups,
        dashboards=dashboards,
    )


def escape_username(name: str) -> str:
    """A DNS label for a user name, distinct for distinct names.

    Lower-case letters, digits and '-' are kept; every other character becomes '-', runs of
    '-' collapse and edge '-' are dropped. The result is used unchanged only when that changed
    nothing, it is at most 40 characters and does not itself end like an escaped name
    ('-' and 10 hex digits). Otherwise the (cut) safe part gets '-' and the first 10 hex
    digits of SHA-256 of the original name. So names kept as they are and escaped names never
    meet, and two escaped names meet only on a SHA-256 prefix collision. The result is at most
    51 characters: `dask-<escaped>` and `<escaped>.dask.<domain>` labels stay within 63.
    """
    safe = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", name.lower())).strip("-")
    if safe == name and 0 < len(safe) <= _MAX_PREFIX and not _ESCAPED_SUFFIX.search(safe):
        return safe
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LEN]
    prefix = safe[:_MAX_PREFIX].strip("-") or "u"
    return f"{prefix}-{digest}"


def session_host(settings: Settings, escaped: str) -> str:
    """SNI name of a session: <escaped>.dask.<domain>."""
    return f"{escaped}.dask.{settings.domain}"


def object_names(escaped: str) -> dict:
    """Names of the session's objects."""
    return {"secret": f"dask-tls-{escaped}", "service": f"dask-{escaped}", "route": f"dask-{escaped}", "dashboard": f"dask-{escaped}"}


class KubeApi(Protocol):
    """The few Kubernetes calls the module makes (inject a double in tests)."""

    async def read_secret(self, namespace: str, name: str) -> Mapping[str, str]:
        """The Secret's data, base64-decoded to text."""

    async def create(self, obj: Mapping[str, Any]) -> None:
        """Creates the object; raises :class:`Conflict` when it exists."""

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        """Deletes the object; a missing object is not an error."""


class Conflict(Exception):
    """The object already exists."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A leaf certificate and its key (PEM), with what a record of it needs."""

    cert_pem: str
    key_pem: str
    serial: int
    not_before: datetime.datetime
    not_after: datetime.datetime


def authority_key_identifier(ca_cert: Any) -> Any:
    """The leaf's authority key identifier: the CA certificate's own subject key identifier, which
    verifiers match it against (Go 1.25 and later, so cert-manager, write a truncated SHA-256 there,
    not the SHA-1 of RFC 5280's first method); computed from the CA's key only when it has none."""
    from cryptography import x509

    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def issue_leaf(ca_cert_pem: str, ca_key_pem: str, common_name: str, days: int, *, dns_name: Optional[str] = None,
               organizational_unit: Optional[str] = None, client_only: bool = False,
               now: Optional[datetime.datetime] = None) -> IssuedCertificate:
    """Issues an ECDSA P-256 leaf signed by the CA: subject CN (and OU when given), valid from five
    minutes ago for ``days`` (never past the CA's own end), for client and server use, or client
    use only; with ``dns_name`` as its subject alternative name when given."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem.encode())
    ca_key = serialization.load_pem_private_key(ca_key_pem.encode(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = now or datetime.datetime.now(datetime.timezone.utc)
    ca_not_after = getattr(ca_cert, "not_valid_after_utc", None)  # cryptography >= 42
    if ca_not_after is None:
        ca_not_after = ca_cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    not_before = now - datetime.timedelta(minutes=5)
    not_after = min(now + datetime.timedelta(days=days), ca_not_after)
    names = [x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]
    if organizational_unit:
        names.insert(0, x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organizational_unit[:64]))
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if client_only else [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    serial = x509.random_serial_number()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(names))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(authority_key_identifier(ca_cert), critical=False)
    )
    if dns_name:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return IssuedCertificate(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode(),
        serial=serial, not_before=not_before, not_after=not_after,
    )


def issue_certificate(ca_cert_pem: str, ca_key_pem: str, common_name: str, dns_name: str, days: int,
                      now: Optional[datetime.datetime] = None) -> tuple:
    """Issues (cert PEM, key PEM): a session's leaf for client and server use, named ``dns_name``."""
    leaf = issue_leaf(ca_cert_pem, ca_key_pem, common_name, days, dns_name=dns_name, now=now)
    return leaf.cert_pem, leaf.key_pem


def user_group(spawner: Any, settings: Settings) -> Optional[str]:
    """The first configured group (settings order) the user belongs to, or None."""
    names = {getattr(g, "name", g) for g in getattr(spawner.user, "groups", [])}
    return next((g for g in settings.groups if g in names), None)


def _labels(settings: Settings, group: str, escaped: str) -> dict:
    return {
        "app.kubernetes.io/name": "dask",
        "app.kubernetes.io/instance": escaped,
        "app.kubernetes.io/component": "notebook-scheduler",
        "app.kubernetes.io/part-of": "hepaf",
        "app.kubernetes.io/managed-by": "jupyterhub",
        GROUP_LABEL: group,
        USER_LABEL: escaped,
    }


def dashboard_link(settings: Settings, escaped: str) -> Optional[str]:
    """The public URL of a session's dashboard, or None without dashboards."""
    return settings.dashboards.link_template.replace("{user}", escaped) if settings.dashboards else None


def session_config(settings: Settings, escaped: str) -> str:
    """The user's session.yaml: the scheduler's contact address (the SNI name workers dial) and,
    with dashboards, the dashboard link Dask and dask-labextension show."""
    address = settings.contact_address_template.replace("{user}", escaped)
    config: dict = {"jobqueue": {"htcondor": {"scheduler-options": {"contact_address": address}}}}
    link = dashboard_link(settings, escaped)
    if link:
        config["distributed"] = {"dashboard": {"link": link}}
    return json.dumps(config, indent=2) + "\n"


def session_objects(settings: Settings, group: str, escaped: str, cert_pem: str, key_pem: str, ca_pem: str) -> list:
    """The Secret, Service and IngressRouteTCP of one session (and its dashboard's IngressRoute)."""
    ns = settings.groups[group].namespace
    names = object_names(escaped)
    labels = _labels(settings, group, escaped)
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    secret = {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": names["secret"], "namespace": ns, "labels": labels},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": b64(cert_pem), "tls.key": b64(key_pem), "ca.crt": b64(ca_pem),
                 settings.session_config_file: b64(session_config(settings, escaped))},
    }
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": names["service"], "namespace": ns, "labels": {**labels, **settings.service_labels}},
        "spec": {
            "type": "ClusterIP",
            "selector": {USER_LABEL: escaped},
            "ports": [
                {"name": "dask", "port": settings.scheduler_port, "targetPort": settings.scheduler_port, "protocol": "TCP"},
                {"name": "dashboard", "port": settings.dashboard_port, "targetPort": settings.dashboard_port, "protocol": "TCP"},
            ],
        },
    }
    route = {
        "apiVersion": "traefik.io/v1alpha1", "kind": "IngressRouteTCP",
        "metadata": {"name": names["route"], "namespace": ns, "labels": {**labels, **settings.route_labels}},
        "spec": {
            "entryPoints": [settings.entrypoint],
            "routes": [{"match": f"HostSNI(`{session_host(settings, escaped)}`)",
                        "services": [{"name": names["service"], "port": settings.scheduler_port}]}],
            "tls": {"passthrough": True},
        },
    }
    objects = [secret, service, route]
    d = settings.dashboards
    if d:
        objects.append({
            "apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute",
            "metadata": {"name": names["dashboard"], "namespace": ns, "labels": {**labels, **settings.route_labels}},
            "spec": {
                "entryPoints": [d.entrypoint],
                "routes": [{"kind": "Rule",
                            "match": f"Host(`{d.host}`) && PathPrefix(`{d.path_prefix}/{escaped}/`)",
                            "middlewares": [{"name": m, "namespace": ns} for m in d.middlewares],
                            "services": [{"name": names["service"], "port": settings.dashboard_port}]}],
                "tls": {},
            },
        })
    return objects


async def _create_or_replace(api: KubeApi, obj: Mapping[str, Any]) -> None:
    try:
        await api.create(obj)
    except Conflict:
        md = obj["metadata"]
        await api.delete(obj["apiVersion"], obj["kind"], md["namespace"], md["name"])
        await api.create(obj)


async def on_spawn(spawner: Any, settings: Settings, api: KubeApi) -> Optional[str]:
    """Issues the certificate and creates the session's objects (:func:`wire_pod` wires the pod). Returns the escaped name, or None when the user has no group here."""
    group = user_group(spawner, settings)
    if group is None:
        return None
    gs = settings.groups[group]
    escaped = escape_username(spawner.user.name)
    host = session_host(settings, escaped)
    ca = await api.read_secret(gs.namespace, gs.ca_secret)
    cert_pem, key_pem = issue_certificate(ca["tls.crt"], ca["tls.key"], escaped, host, settings.certificate_validity_days)
    ca_pem = ca.get("ca.crt") or ca["tls.crt"]
    for obj in session_objects(settings, group, escaped, cert_pem, key_pem, ca_pem):
        await _create_or_replace(api, obj)

    return escaped


def wire_pod(spawner: Any, pod: Any, settings: Settings) -> Any:
    """Adds the session to the user's pod manifest (KubeSpawner's ``modify_pod_hook``): the label
    the Service selects, the Secret mounted twice (TLS files; ``session.yaml`` alone) on the
    notebook container, and ``DASK_CONFIG`` pointing at the latter. Returns the pod.

    This runs on the pod itself, after KubeSpawner has applied the chosen profile: a profile's
    ``kubespawner_override`` replaces the spawner's volumes, mounts and environment, so what a
    ``pre_spawn_hook`` put on the spawner would be lost (seen with a real hub and API server).
    ``pod`` is KubeSpawner's V1Pod; entries added are plain dicts, which its client serializes.
    """
    if user_group(spawner, settings) is None:
        return pod
    escaped = escape_username(spawner.user.name)
    names = object_names(escaped)
    ours = {"dask-tls", "dask-session"}
    pod.metadata.labels = {**(pod.metadata.labels or {}), USER_LABEL: escaped}
    pod.spec.volumes = [v for v in (pod.spec.volumes or []) if _name(v) not in ours] + [
        {"name": "dask-tls", "secret": {"secretName": names["secret"], "defaultMode": 0o440}},
        {"name": "dask-session", "secret": {"secretName": names["secret"], "defaultMode": 0o444,
                                            "items": [{"key": settings.session_config_file, "path": settings.session_config_file}]}},
    ]
    notebook = pod.spec.containers[0]
    notebook.volume_mounts = [m for m in (notebook.volume_mounts or []) if _name(m) not in ours] + [
        {"name": "dask-tls", "mountPath": settings.tls_mount_path, "readOnly": True},
        {"name": "dask-session", "mountPath": settings.session_config_dir, "readOnly": True},
    ]
    notebook.env = [e for e in (notebook.env or []) if _name(e) != "DASK_CONFIG"] + [{"name": "DASK_CONFIG", "value": settings.session_config_dir}]
    return pod


def _name(entry: Any) -> Optional[str]:
    """The name of a volume, mount or env entry, model object or dict."""
    return entry.get("name") if isinstance(entry, Mapping) else getattr(entry, "name", None)


async def on_stop(spawner: Any, settings: Settings, api: KubeApi) -> Optional[str]:
    """Deletes the session's routes, Service and Secret."""
    group = user_group(spawner, settings)
    if group is None:
        return None
    ns = settings.groups[group].namespace
    escaped = escape_username(spawner.user.name)
    names = object_names(escaped)
    if settings.dashboards:
        await api.delete("traefik.io/v1alpha1", "IngressRoute", ns, names["dashboard"])
    await api.delete("traefik.io/v1alpha1", "IngressRouteTCP", ns, names["route"])
    await api.delete("v1", "Service", ns, names["service"])
    await api.delete("v1", "Secret", ns, names["secret"])
    return escaped


_TRAEFIK_PLURALS = {"IngressRouteTCP": "ingressroutetcps", "IngressRoute": "ingressroutes"}


class KubernetesAsyncioApi:
    """:class:`KubeApi` on kubernetes_asyncio (in-cluster config, else KUBECONFIG, unless a client is given)."""

    def __init__(self, api_client: Any = None):
        self._api_client = api_client

    async def _client(self) -> Any:
        if self._api_client is None:
            from kubernetes_asyncio import client, config

            # In a pod: its ServiceAccount token. A hub run outside the cluster uses KUBECONFIG
            # (or ~/.kube/config), as KubeSpawner does.
            try:
                config.load_incluster_config()
            except config.ConfigException:
                await config.load_kube_config()
            self._api_client = client.ApiClient()
        return self._api_client

    async def close(self) -> None:
        """Closes the API client's connections (the hub keeps one for its lifetime)."""
        if self._api_client is not None:
            await self._api_client.close()
            self._api_client = None

    async def read_secret(self, namespace: str, name: str) -> Mapping[str, str]:
        from kubernetes_asyncio import client

        secret = await client.CoreV1Api(await self._client()).read_namespaced_secret(name, namespace)
        return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}

    async def create(self, obj: Mapping[str, Any]) -> None:
        from kubernetes_asyncio import client
        from kubernetes_asyncio.client.exceptions import ApiException

        api = await self._client()
        ns = obj["metadata"]["namespace"]
        try:
            if obj["kind"] == "Secret":
                await client.CoreV1Api(api).create_namespaced_secret(ns, obj)
            elif obj["kind"] == "Service":
                await client.CoreV1Api(api).create_namespaced_service(ns, obj)
            elif obj["kind"] in _TRAEFIK_PLURALS:
                await client.CustomObjectsApi(api).create_namespaced_custom_object(
                    "traefik.io", "v1alpha1", ns, _TRAEFIK_PLURALS[obj["kind"]], obj)
            else:
                raise ValueError(f"unsupported kind {obj['kind']}")
        except ApiException as err:
            if err.status == 409:
                raise Conflict(obj["metadata"]["name"]) from err
            raise

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        from kubernetes_asyncio import client
        from kubernetes_asyncio.client.exceptions import ApiException

        api = await self._client()
        try:
            if kind == "Secret":
                await client.CoreV1Api(api).delete_namespaced_secret(name, namespace)
            elif kind == "Service":
                await client.CoreV1Api(api).delete_namespaced_service(name, namespace)
            elif kind in _TRAEFIK_PLURALS:
                await client.CustomObjectsApi(api).delete_namespaced_custom_object(
                    "traefik.io", "v1alpha1", namespace, _TRAEFIK_PLURALS[kind], name)
            else:
                raise ValueError(f"unsupported kind {kind}")
        except ApiException as err:
            if err.status != 404:
                raise
