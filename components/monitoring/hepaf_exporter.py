"""The facility exporter of a hepaf facility: Prometheus metrics of what no other part reports.

Runs in the hub image (Python 3.11, kubernetes_asyncio, cryptography, prometheus_client) with a
ServiceAccount that reads ConfigMaps (or cert-manager Certificates), ResourceQuotas and
DaskClusters (never a Secret). It
serves ``/metrics`` (prometheus_client's own HTTP server) on ``port`` and, every
``intervalSeconds``, reads the cluster and updates:

    hepaf_ca_expiry_timestamp_seconds{group, ca}
        notAfter (unix seconds) of the published CA bundle: ca="root", group="" for the
        facility root's ConfigMap; ca="group" for each group's. A bundle of several
        certificates (a rotation overlap) gives the latest notAfter among them. Where
        cert-manager makes the CAs (pki.mode cert-manager), the CA's Certificate's
        status.notAfter instead (cert-manager.io/v1; no Secret is read).
    hepaf_group_quota_used_ratio{group, resource}
        status.used / status.hard of every resource of every ResourceQuota in the group
        namespace (Kubernetes quantities); the highest ratio where two quotas hold one
        resource; 0 for a hard limit of 0 with nothing used.
    hepaf_gateway_clusters{group, phase}
        DaskClusters (gateway.dask.org/v1alpha1) in the group namespace by status.phase (none
        yet: Pending); Pending, Running, Stopping, Stopped and Failed always, 0 when none.
    hepaf_gateway_up{group}
        1 when GET gatewayHealthUrl answers 200 within 5 s, else 0 (logged: a gateway down is
        the gateway's alert, not an error of the exporter).
    hepaf_exporter_errors_total{source}
        failed reads, source one of ca, quota, clusters. A failed read logs one line
        (what, where, the error's kind) and drops that read's series until it succeeds again;
        the exporter carries on.

Values (argv[1], else ``$HEPAF_EXPORTER_VALUES``, a JSON file):

    facility, namespace      the facility and its namespace
    port                     the metrics port (9102)
    listenAddress            the address to listen on; default "" (every interface)
    intervalSeconds          between two reads; default 30
    rootCaConfigMap          {namespace, name, key} of the facility root's bundle, or null
    rootCaCertificate        {namespace, name} of the facility root's Certificate (instead of rootCaConfigMap)
    groups                   [{name, namespace, caConfigMap: {name, key} or null,
                               caCertificate: {name} (instead of caConfigMap), gatewayHealthUrl or null}]

Kubernetes: in-cluster (the pod's ServiceAccount), else KUBECONFIG, as the hub's session hooks
and the Dask access service connect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional

VALUES_ENV = "HEPAF_EXPORTER_VALUES"
PHASES = ("Pending", "Running", "Stopping", "Stopped", "Failed")
SOURCES = ("ca", "quota", "clusters")
GATEWAY_TIMEOUT = 5.0

log = logging.getLogger("hepaf.exporter")


# --- settings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConfigMapKey:
    namespace: str
    name: str
    key: str


@dataclass(frozen=True)
class CertificateRef:
    """A cert-manager Certificate, whose status.notAfter is its certificate's."""
    namespace: str
    name: str


@dataclass(frozen=True)
class GroupRef:
    name: str
    namespace: str
    ca: Optional[ConfigMapKey | CertificateRef]
    gateway_health_url: Optional[str]


@dataclass(frozen=True)
class ExporterSettings:
    facility: str
    namespace: str
    port: int
    listen_address: str = ""
    interval_seconds: float = 30.0
    root_ca: Optional[ConfigMapKey | CertificateRef] = None
    groups: tuple = field(default_factory=tuple)


def settings_from_values(v: Mapping[str, Any]) -> ExporterSettings:
    """Reads the settings from the parsed values file, naming a missing or bad key."""
    def need(obj: Mapping[str, Any], key: str, where: str = "") -> Any:
        if not isinstance(obj, Mapping) or key not in obj:
            raise KeyError(f"{where}{key} is missing from the exporter values")
        return obj[key]

    root = v.get("rootCaConfigMap")
    root_cert = v.get("rootCaCertificate")
    root_ca = None
    if root_cert is not None:
        root_ca = CertificateRef(need(root_cert, "namespace", "rootCaCertificate."), need(root_cert, "name", "rootCaCertificate."))
    elif root is not None:
        root_ca = ConfigMapKey(need(root, "namespace", "rootCaConfigMap."), need(root, "name", "rootCaConfigMap."), need(root, "key", "rootCaConfigMap."))
    groups = []
    for i, g in enumerate(need(v, "groups")):
        where = f"groups[{i}]."
        namespace = need(g, "namespace", where)
        ca = g.get("caConfigMap")
        cert = g.get("caCertificate")
        groups.append(GroupRef(
            name=need(g, "name", where), namespace=namespace,
            ca=CertificateRef(namespace, need(cert, "name", where + "caCertificate.")) if cert
            else ConfigMapKey(namespace, need(ca, "name", where + "caConfigMap."), need(ca, "key", where + "caConfigMap.")) if ca else None,
            gateway_health_url=g.get("gatewayHealthUrl") or None,
        ))
    interval = float(v.get("intervalSeconds", 30))
    if not interval > 0:
        raise ValueError(f"intervalSeconds in the exporter values must be above 0, got {interval}")
    return ExporterSettings(
        facility=need(v, "facility"), namespace=need(v, "namespace"), port=int(need(v, "port")),
        listen_address=str(v.get("listenAddress", "")), interval_seconds=interval, root_ca=root_ca, groups=tuple(groups),
    )


# --- pure parts -----------------------------------------------------------------------------

_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|n|u|m|k|M|G|T|P|E)?$")
_SUFFIX = {
    None: Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18"),
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}


def parse_quantity(text: Any) -> Decimal:
    """A Kubernetes quantity (``100m``, ``2Gi``, ``800Gi``, ``500``, ``1.5``, ``1e3``, ``3k``) as a
    number; raises ValueError for anything else. Written here: the hub image's Kubernetes client
    (kubernetes_asyncio) has no quantity parser, and the exporter adds nothing to that image."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return Decimal(str(text))
    if not isinstance(text, str):
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    m = _QUANTITY.match(text.strip())
    if not m:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    number, suffix = m.group(1), m.group(2)
    try:
        value = Decimal(number)
    except InvalidOperation as err:
        raise ValueError(f"not a Kubernetes quantity: {text!r}") from err
    if suffix not in _SUFFIX:  # a decimal exponent, e.g. 1e3 (while "E" and "Ei" are suffixes)
        return value * (Decimal(10) ** int(suffix[1:]))
    return value * _SUFFIX[suffix]


def quota_ratios(quotas: list) -> dict:
    """{resource: used/hard} over ResourceQuota statuses (``[{"hard": {...}, "used": {...}}]``): the
    highest ratio where two quotas hold one resource; a resource not yet in ``used`` counts 0;
    a hard limit of 0 gives 0 with nothing used, +Inf with something used."""
    out: dict = {}
    for status in quotas:
        hard = (status or {}).get("hard") or {}
        used = (status or {}).get("used") or {}
        for resource, limit in hard.items():
            h = parse_quantity(limit)
            u = parse_quantity(used.get(resource, "0"))
            if h == 0:
                ratio = 0.0 if u == 0 else float("inf")
            else:
                ratio = float(u / h)
            out[resource] = max(ratio, out.get(resource, ratio))
    return out


def cluster_phases(clusters: list) -> dict:
    """{phase: count} of DaskCluster objects (dicts): every phase of :data:`PHASES`, 0 when none;
    a cluster without a status yet is Pending; an unknown phase is counted under its own name."""
    out = {p: 0 for p in PHASES}
    for obj in clusters:
        phase = ((obj or {}).get("status") or {}).get("phase") or "Pending"
        out[phase] = out.get(phase, 0) + 1
    return out


def certificate_not_after(certificate: Mapping[str, Any]) -> float:
    """status.notAfter (RFC 3339, e.g. ``2031-12-07T06:00:00Z``) of a cert-manager Certificate, in
    unix seconds; raises ValueError while it has none (not issued yet)."""
    from datetime import datetime

    text = ((certificate or {}).get("status") or {}).get("notAfter")
    if not isinstance(text, str):
        name = ((certificate or {}).get("metadata") or {}).get("name", "?")
        raise ValueError(f"Certificate {name} has no status.notAfter yet (not issued)")
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def latest_not_after(pem: str) -> float:
    """The latest notAfter (unix seconds) among the certificates of a PEM bundle; ValueError for none."""
    from cryptography import x509

    certs = x509.load_pem_x509_certificates(pem.encode()) if pem and "-----BEGIN CERTIFICATE-----" in pem else []
    if not certs:
        raise ValueError("no certificate in the bundle")
    return max(c.not_valid_after_utc.timestamp() for c in certs)


def describe(err: BaseException) -> str:
    """One short line of an error: its kind and, for the API, its status (never a body or header)."""
    status = getattr(err, "status", None)
    if status is not None:
        return f"{type(err).__name__} {status} {getattr(err, 'reason', '') or ''}".strip()
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text[:200]}" if text else type(err).__name__


# --- metrics --------------------------------------------------------------------------------

class Snapshot:
    """The latest readings, replaced whole by each round (the collector reads one at a time)."""

    def __init__(self) -> None:
        self.ca: dict = {}         # (group, ca) -> seconds
        self.quota: dict = {}      # (group, resource) -> ratio
        self.clusters: dict = {}   # (group, phase) -> count
        self.up: dict = {}         # group -> 0/1


class FacilityCollector:
    """The gauges, from the latest :class:`Snapshot`."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def collect(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        s = self.snapshot
        ca = GaugeMetricFamily("hepaf_ca_expiry_timestamp_seconds", "notAfter (unix seconds) of the latest certificate in a published CA bundle", labels=["group", "ca"])
        for (group, kind), value in sorted(s.ca.items()):
            ca.add_metric([group, kind], value)
        quota = GaugeMetricFamily("hepaf_group_quota_used_ratio", "used/hard of a ResourceQuota resource in a group namespace", labels=["group", "resource"])
        for (group, resource), value in sorted(s.quota.items()):
            quota.add_metric([group, resource], value)
        clusters = GaugeMetricFamily("hepaf_gateway_clusters", "DaskClusters of a group's gateway by phase", labels=["group", "phase"])
        for (group, phase), value in sorted(s.clusters.items()):
            clusters.add_metric([group, phase], value)
        up = GaugeMetricFamily("hepaf_gateway_up", "1 when the group's gateway answers its health check with 200 within 5 s", labels=["group"])
        for group, value in sorted(s.up.items()):
            up.add_metric([group], value)
        return [ca, quota, clusters, up]


class ExporterKube:
    """The reads the exporter makes (ConfigMaps, ResourceQuotas, DaskClusters), on kubernetes_asyncio."""

    def __init__(self, api_client: Any = None):
        self._api_client = api_client

    async def _client(self) -> Any:
        if self._api_client is None:
            from kubernetes_asyncio import client, config

            # In a pod: its ServiceAccount token; outside, KUBECONFIG (as the hub's hooks do).
            try:
                config.load_incluster_config()
            except config.ConfigException:
                await config.load_kube_config()
            self._api_client = client.ApiClient()
        return self._api_client

    async def close(self) -> None:
        if self._api_client is not None:
            await self._api_client.close()
            self._api_client = None

    async def config_map_value(self, ref: ConfigMapKey) -> str:
        from kubernetes_asyncio import client

        cm = await client.CoreV1Api(await self._client()).read_namespaced_config_map(ref.name, ref.namespace)
        data = cm.data or {}
        if ref.key not in data:
            raise KeyError(f"ConfigMap {ref.namespace}/{ref.name} has no key {ref.key}")
        return data[ref.key]

    async def certificate(self, ref: CertificateRef) -> dict:
        from kubernetes_asyncio import client

        return await client.CustomObjectsApi(await self._client()).get_namespaced_custom_object("cert-manager.io", "v1", ref.namespace, "certificates", ref.name)

    async def quota_statuses(self, namespace: str) -> list:
        from kubernetes_asyncio import client

        quotas = await client.CoreV1Api(await self._client()).list_namespaced_resource_quota(namespace)
        return [{"hard": dict((q.status.hard if q.status else None) or {}), "used": dict((q.status.used if q.status else None) or {})} for q in quotas.items]

    async def dask_clusters(self, namespace: str) -> list:
        from kubernetes_asyncio import client

        obj = await client.CustomObjectsApi(await self._client()).list_namespaced_custom_object("gateway.dask.org", "v1alpha1", namespace, "daskclusters")
        return list(obj.get("items") or [])


async def gateway_up(url: str, session: Any) -> int:
    """1 when GET ``url`` answers 200 within :data:`GATEWAY_TIMEOUT` seconds; raises on no answer, 0 on another status."""
    import aiohttp

    async with session.get(url, timeout=aiohttp.ClientTimeout(total=GATEWAY_TIMEOUT), allow_redirects=False) as r:
        return 1 if r.status == 200 else 0


class Exporter:
    """One round of reads every interval into the collector's snapshot; errors counted per source."""

    def __init__(self, settings: ExporterSettings, kube: Any, registry: Any = None):
        from prometheus_client import REGISTRY, Counter

        self.settings = settings
        self.kube = kube
        self.collector = FacilityCollector()
        registry = REGISTRY if registry is None else registry
        registry.register(self.collector)
        self.errors = Counter("hepaf_exporter_errors", "Failed reads of the facility exporter, by source", ["source"], registry=registry)
        for source in SOURCES:
            self.errors.labels(source)
        self.rounds = 0

    def _failed(self, source: str, where: str, err: BaseException) -> None:
        self.errors.labels(source).inc()
        log.warning("%s %s: %s", source, where, describe(err))

    async def _ca(self, s: Snapshot, group: str, kind: str, ref: ConfigMapKey | CertificateRef) -> None:
        try:
            if isinstance(ref, CertificateRef):
                s.ca[(group, kind)] = certificate_not_after(await self.kube.certificate(ref))
            else:
                s.ca[(group, kind)] = latest_not_after(await self.kube.config_map_value(ref))
        except Exception as err:  # noqa: BLE001 (counted, logged, carried on)
            self._failed("ca", f"{ref.namespace}/{ref.name}", err)

    async def _quota(self, s: Snapshot, g: GroupRef) -> None:
        try:
            for resource, ratio in quota_ratios(await self.kube.quota_statuses(g.namespace)).items():
                s.quota[(g.name, resource)] = ratio
        except Exception as err:  # noqa: BLE001
            self._failed("quota", g.namespace, err)

    async def _clusters(self, s: Snapshot, g: GroupRef) -> None:
        try:
            for phase, count in cluster_phases(await self.kube.dask_clusters(g.namespace)).items():
                s.clusters[(g.name, phase)] = count
        except Exception as err:  # noqa: BLE001
            self._failed("clusters", g.namespace, err)

    async def _gateway(self, s: Snapshot, g: GroupRef, session: Any) -> None:
        # A gateway that does not answer 200 is down (hepaf_gateway_up 0, its own alert), not a
        # failure of the exporter: it is logged, not counted in hepaf_exporter_errors_total.
        try:
            s.up[g.name] = await gateway_up(g.gateway_health_url, session)
            if not s.up[g.name]:
                log.warning("gateway %s: the health check did not answer 200", g.name)
        except Exception as err:  # noqa: BLE001
            s.up[g.name] = 0
            log.warning("gateway %s: %s", g.name, describe(err))

    async def round(self, session: Any) -> None:
        s = Snapshot()
        tasks = []
        if self.settings.root_ca is not None:
            tasks.append(self._ca(s, "", "root", self.settings.root_ca))
        for g in self.settings.groups:
            if g.ca is not None:
                tasks.append(self._ca(s, g.name, "group", g.ca))
            tasks.append(self._quota(s, g))
            tasks.append(self._clusters(s, g))
            if g.gateway_health_url:
                tasks.append(self._gateway(s, g, session))
        await asyncio.gather(*tasks)
        self.collector.snapshot = s
        self.rounds += 1

    async def run(self, stop: asyncio.Event) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                started = time.monotonic()
                await self.round(session)
                wait = max(0.0, self.settings.interval_seconds - (time.monotonic() - started))
                try:
                    await asyncio.wait_for(stop.wait(), timeout=wait)
                except asyncio.TimeoutError:
                    pass


async def serve(settings: ExporterSettings) -> None:
    """Serves /metrics and reads every interval until SIGTERM or SIGINT."""
    from prometheus_client import start_http_server

    kube = ExporterKube()
    exporter = Exporter(settings, kube)
    server, thread = start_http_server(settings.port, addr=settings.listen_address or "0.0.0.0")
    log.info("serving /metrics on port %d for facility %s, groups %s, every %g s", settings.port, settings.facility,
             ", ".join(g.name for g in settings.groups) or "(none)", settings.interval_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await exporter.run(stop)
    finally:
        server.shutdown()
        await kube.close()


def values_path(argv: list) -> str:
    """The values file: argv[1], else ``$HEPAF_EXPORTER_VALUES``."""
    if len(argv) > 1:
        return argv[1]
    if VALUES_ENV in os.environ:
        return os.environ[VALUES_ENV]
    raise SystemExit(f"usage: hepaf_exporter.py VALUES.json (or set {VALUES_ENV})")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with open(values_path(sys.argv)) as f:
        settings = settings_from_values(json.load(f))
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
