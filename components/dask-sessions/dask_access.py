"""The Dask access service of a hepaf facility: users' Dask from outside the cluster.

A small tornado application behind JupyterHub's own service sign-in (``HubOAuth``), served by
Traefik under ``/services/<name>/`` (``prefix`` below). A member of a group, signed in with the
hub, downloads for that group only a bundle to use Dask from a laptop; Traefik asks it, before
every dashboard route of the facility, whether the browser may see that dashboard.

Routes, under the prefix:

    GET  ""                  a plain page: the user's groups, a download button each, how to use it
    GET  bundle/<group>      the bundle's address opened in a browser: its download button for a
                             member; for anyone else a page saying why not (403; 404 for no such
                             group), with the way back to the page above
    POST bundle/<group>      the group's bundle (zip): 403 when the user is not a member,
                             429 beyond ``mintsPerDay`` bundles with a certificate in 24 hours
    GET  auth                Traefik's forwardAuth for dashboards (X-Forwarded-Uri): 200 for the
                             dashboard's owner, a sign-in redirect (or 401) without a sign-in, 403
    GET  oauth_callback      JupyterHub's OAuth callback
    GET  health              200, for probes

Metrics (Prometheus, prometheus_client's own HTTP server) on ``metricsPort``, a port of their
own that no route of the front door leads to:

    hepaf_access_requests_total{group, outcome}   requests for a group's bundle (its page, GET,
        or the bundle, POST), by outcome: served (200), refused (403: not a member, not a user),
        limited (429: ``mintsPerDay``), not_found (404: no such group; group="unknown"), error
        (5xx). Every configured group's outcomes, and unknown's not_found, from the start at 0.

A bundle holds, in a folder ``<domain>-<group>/``: ``dask.yaml`` (Dask config: TLS with the
certificate inline, encryption required, results through the scheduler, the dashboard link,
the group's gateway), ``README.txt``, and for a group whose users run their own notebook
schedulers a client certificate ``tls.crt`` and key ``tls.key`` (subject CN=<user>, OU=<group>,
signed by the group CA, valid ``certificateValidityDays``) with the CA ``ca.crt``; and the
facility root ``root-ca.crt`` for HTTPS where configured. Each certificate is recorded before
it is handed out, in the group's records ConfigMap: key the serial (hex), value JSON
``{"user", "issued", "notAfter"}``; entries of expired certificates older than a day are pruned.
Nothing of a key or certificate is ever logged: a log line names the serial, user, group and
expiry.

Values (``$HEPAF_DASK_ACCESS_VALUES``, written by the TypeScript ``renderDaskAccessValues``):

    domain, daskPort, facility, serviceName, prefix ("/services/<name>/"), port
    metricsPort              the metrics port; default 9101
    listenAddress            the address both ports listen on; default "" (every interface)
    certificateValidityDays, mintsPerDay
    rootCaFile               the facility root CA's file, or null
    sessionAddressTemplate   "tls://{user}.dask.<domain>:<port>"
    sessionDashboardPrefix   "/services/<name>/sessions" (a session's dashboard: <prefix>/<user>/)
    recordsConfigMap         name of the records ConfigMap in each group namespace
    dask                     {"python": "3.11", "packages": {name: version}}: the Dask a laptop's
                             client needs (the README names it)
    groups                   {<group>: {namespace, sessions, caSecret,
                              gateway: null or {address, proxyAddress, publicAddress, dashboardPrefix}}}

Environment: what JupyterHub gives a service (``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_API_URL``,
``JUPYTERHUB_CLIENT_ID``, ``JUPYTERHUB_SERVICE_PREFIX``, ...) and
``HEPAF_DASK_ACCESS_COOKIE_SECRET`` (the signing key of its cookies).
"""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import logging
import os
import re
import signal
import sys
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dask_sessions  # noqa: E402  (shipped beside this file)

VALUES_ENV = "HEPAF_DASK_ACCESS_VALUES"
COOKIE_SECRET_ENV = "HEPAF_DASK_ACCESS_COOKIE_SECRET"
DEFAULT_METRICS_PORT = 9101
OUTCOMES = ("served", "refused", "limited", "not_found", "error")
UNKNOWN_GROUP = "unknown"
"""The group label of a request for a group that is not configured (a name of the asker's choosing)."""
WINDOW = datetime.timedelta(hours=24)
"""The window ``mintsPerDay`` counts in."""
RECORDS_LIMIT = 800_000
"""Most bytes of a group's records (a ConfigMap holds at most 1 MiB)."""

log = logging.getLogger("hepaf.dask_access")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CLUSTER_ID = re.compile(r"^[0-9a-f]{1,64}$")


# --- settings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class GatewayRef:
    address: str
    proxy_address: str
    public_address: str
    dashboard_prefix: str


@dataclass(frozen=True)
class GroupRef:
    name: str
    namespace: str
    sessions: bool
    ca_secret: str
    gateway: Optional[GatewayRef]


@dataclass(frozen=True)
class AccessSettings:
    domain: str
    dask_port: int
    prefix: str
    port: int
    certificate_validity_days: int
    mints_per_day: int
    root_ca_file: Optional[str]
    session_address_template: str
    session_dashboard_prefix: str
    records_config_map: str
    dask: Mapping[str, Any] = field(default_factory=dict)
    groups: Mapping[str, GroupRef] = field(default_factory=dict)
    metrics_port: int = DEFAULT_METRICS_PORT
    listen_address: str = ""


def settings_from_values(v: Mapping[str, Any]) -> AccessSettings:
    """Reads the settings from the parsed values file, naming a missing key."""
    def need(key: str) -> Any:
        if key not in v:
            raise KeyError(f"{key} is missing from the Dask access values")
        return v[key]

    groups = {}
    for name, g in need("groups").items():
        gw = g.get("gateway")
        groups[name] = GroupRef(
            name=name, namespace=g["namespace"], sessions=bool(g["sessions"]), ca_secret=g["caSecret"],
            gateway=GatewayRef(gw["address"], gw["proxyAddress"], gw["publicAddress"], gw["dashboardPrefix"].rstrip("/")) if gw else None,
        )
    prefix = need("prefix")
    dask = need("dask")
    if not isinstance(dask, Mapping) or not isinstance(dask.get("python"), str) or not isinstance(dask.get("packages"), Mapping):
        raise ValueError(f"dask in the Dask access values must be {{\"python\": \"3.x\", \"packages\": {{name: version}}}}, got {dask!r}")
    return AccessSettings(
        domain=need("domain"), dask_port=int(need("daskPort")), prefix=prefix if prefix.endswith("/") else prefix + "/",
        port=int(need("port")), certificate_validity_days=int(need("certificateValidityDays")),
        mints_per_day=int(need("mintsPerDay")), root_ca_file=v.get("rootCaFile"),
        session_address_template=need("sessionAddressTemplate"),
        session_dashboard_prefix=need("sessionDashboardPrefix").rstrip("/"),
        records_config_map=need("recordsConfigMap"), dask={"python": dask["python"], "packages": dict(dask["packages"])}, groups=groups,
        metrics_port=int(v.get("metricsPort", DEFAULT_METRICS_PORT)), listen_address=str(v.get("listenAddress", "")),
    )


# --- the bundle (pure) ----------------------------------------------------------------------

def session_address(settings: AccessSettings, user: str) -> str:
    """The user's own notebook scheduler, through the one Dask port: tls://<escaped>.dask.<domain>:<port>."""
    return settings.session_address_template.replace("{user}", dask_sessions.escape_username(user))


def session_dashboard(settings: AccessSettings, user: str) -> str:
    """The public URL of the user's session dashboard."""
    return f"https://{settings.domain}{settings.session_dashboard_prefix}/{dask_sessions.escape_username(user)}/status"


def bundle_config(settings: AccessSettings, group: GroupRef, user: str, tls: Optional[Mapping[str, str]]) -> dict:
    """The bundle's Dask config. ``tls``: {"ca", "cert", "key"} PEM text, inline in the config
    (distributed takes PEM text wherever it takes a file), or None for a group without sessions.

    ``distributed.client.direct-to-workers: false``: a client gathers results and scatters data
    through the scheduler, never by connecting to workers, which a laptop cannot reach (workers
    on batch nodes). distributed 2026.8 already does so for a client outside a worker when the
    key is null (its default), and with it true a scatter fails outright; set, it also holds
    against a site config that sets it.
    """
    config: dict = {"distributed": {"client": {"direct-to-workers": False}}}
    if tls is not None:
        config["distributed"]["comm"] = {
            "require-encryption": True,
            "tls": {"ca-file": tls["ca"], "client": {"cert": tls["cert"], "key": tls["key"]}},
        }
        config["distributed"]["dashboard"] = {"link": session_dashboard(settings, user)}
    if group.gateway is not None:
        config["gateway"] = {
            "address": group.gateway.address,
            "public-address": group.gateway.public_address,
            "proxy-address": group.gateway.proxy_address,
            "auth": {"type": "jupyterhub"},
        }
    return config


def bundle_readme(settings: AccessSettings, group: GroupRef, user: str, folder: str, not_after: Optional[datetime.datetime], root_ca: bool) -> str:
    """A few lines on how to use the bundle."""
    lines = [f"Dask at {settings.domain} for {user}, group {group.name}.", ""]
    pins = " ".join(f"{name}=={version}" for name, version in sorted(settings.dask["packages"].items()))
    lines += [f"Your client needs the Dask the facility's schedulers and workers run: Python {settings.dask['python']} and",
              f"    pip install {pins}",
              "(with other versions Dask warns, and a computation may fail).", ""]
    lines += [f"Unpack this folder ({folder}) and point Dask at it before Python imports dask:",
              f"    export DASK_CONFIG=$PWD/{folder}", ""]
    if group.sessions:
        lines += ["Your own notebook's scheduler (start one in a notebook with dask-jobqueue first):",
                  "    from distributed import Client",
                  f'    client = Client("{session_address(settings, user)}")',
                  f"    client.dashboard_link    # {session_dashboard(settings, user)}",
                  "Results come back through the scheduler: workers on batch nodes need not be reachable.",
                  f"The certificate (tls.crt, tls.key; also inline in dask.yaml) is valid until {not_after:%Y-%m-%d %H:%M} UTC;",
                  "then download a new bundle. Keep tls.key and dask.yaml to yourself.", ""]
    if group.gateway is not None:
        lines += [f"The {group.name} Dask Gateway signs you in with a hub token (make one at https://{settings.domain}/hub/token):",
                  "    export JUPYTERHUB_API_TOKEN=<the token>",
                  "    from dask_gateway import Gateway",
                  "    cluster = Gateway().new_cluster(); client = cluster.get_client()", ""]
    if root_ca:
        lines += ["If your system does not trust the site's HTTPS certificate (dashboards, gateway API):",
                  f"    export SSL_CERT_FILE=$PWD/{folder}/root-ca.crt", ""]
    lines += [f"Dashboards open in a browser after you sign in with the hub: https://{settings.domain}{settings.prefix}"]
    return "\n".join(lines) + "\n"


def _yaml(config: dict) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: Any, data: str) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    Dumper.add_representer(str, text)
    return yaml.dump(config, Dumper=Dumper, sort_keys=False, default_flow_style=False)


def bundle_zip(folder: str, files: list, now: datetime.datetime) -> bytes:
    """A zip of ``files`` ([(name, text, private)]) in ``folder``; private files mode 0600, others 0644."""
    buf = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text, private in files:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.external_attr = (0o100600 if private else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return buf.getvalue()


def bundle_files(settings: AccessSettings, group: GroupRef, user: str, leaf: Optional[dask_sessions.IssuedCertificate],
                 ca_pem: Optional[str], root_ca_pem: Optional[str]) -> tuple:
    """(folder, [(name, text, private)]) of a bundle."""
    folder = f"{settings.domain}-{group.name}"
    tls = {"ca": ca_pem, "cert": leaf.cert_pem, "key": leaf.key_pem} if leaf is not None and ca_pem else None
    files = [("dask.yaml", _yaml(bundle_config(settings, group, user, tls)), tls is not None)]
    if tls is not None:
        files += [("ca.crt", ca_pem, False), ("tls.crt", leaf.cert_pem, False), ("tls.key", leaf.key_pem, True)]
    if root_ca_pem:
        files.append(("root-ca.crt", root_ca_pem, False))
    files.insert(0, ("README.txt", bundle_readme(settings, group, user, folder, leaf.not_after if leaf else None, bool(root_ca_pem)), False))
    return folder, files


# --- records and the rate limit (pure) ------------------------------------------------------

def _iso(t: datetime.datetime) -> str:
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(s: str) -> datetime.datetime:
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def record_entry(leaf: dask_sessions.IssuedCertificate, user: str, now: datetime.datetime) -> tuple:
    """(key, value) of a certificate's record."""
    return f"{leaf.serial:x}", json.dumps({"user": user, "issued": _iso(now), "notAfter": _iso(leaf.not_after)}, separators=(",", ":"))


def prune_records(data: Mapping[str, str], now: datetime.datetime) -> dict:
    """The records without those of certificates expired and issued more than a day ago (kept: every live certificate, and every one the limit still counts)."""
    kept = {}
    for key, value in data.items():
        try:
            entry = json.loads(value)
            if _parse(entry["notAfter"]) < now and _parse(entry["issued"]) < now - WINDOW:
                continue
        except (ValueError, KeyError, TypeError):
            pass  # not ours to judge: kept as it is
        kept[key] = value
    return kept


def issued_within(data: Mapping[str, str], user: str, now: datetime.datetime) -> list:
    """When ``user``'s certificates of the last 24 hours were issued, oldest first."""
    times = []
    for value in data.values():
        try:
            entry = json.loads(value)
            issued = _parse(entry["issued"])
        except (ValueError, KeyError, TypeError):
            continue
        if entry.get("user") == user and issued > now - WINDOW:
            times.append(issued)
    return sorted(times)


class RateLimited(Exception):
    """The user has had their bundles for now; ``retry_after`` seconds until the next."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class RecordsFull(Exception):
    """The group's records have no room left."""


# --- dashboards (pure) ----------------------------------------------------------------------

@dataclass(frozen=True)
class DashboardTarget:
    """Whose dashboard a path is: a session's (``owner`` the escaped user) or a gateway cluster's."""

    kind: str
    group: Optional[str]
    name: str
    namespace: Optional[str] = None


def dashboard_target(settings: AccessSettings, uri: str) -> Optional[DashboardTarget]:
    """The dashboard ``uri`` (a request's path and query) leads to, or None: only
    ``<sessionDashboardPrefix>/<escaped>/...`` and ``<gateway dashboardPrefix>/clusters/<ns>.<id>/...``,
    without dot segments, empty segments or escapes (nothing a proxy might read differently)."""
    path = urlsplit(uri).path
    if not path.startswith("/") or "%" in path or "\\" in path:
        return None
    inner = path.split("/")[1:-1]
    if any(seg in ("", ".", "..") for seg in inner):
        return None
    sessions = settings.session_dashboard_prefix + "/"
    if path.startswith(sessions):
        owner, sep, _ = path[len(sessions):].partition("/")
        return DashboardTarget("session", None, owner) if sep and _LABEL.match(owner) else None
    for g in settings.groups.values():
        if g.gateway is None:
            continue
        clusters = g.gateway.dashboard_prefix + "/clusters/"
        if path.startswith(clusters):
            full, sep, _ = path[len(clusters):].partition("/")
            ns, dot, cluster = full.partition(".")
            if sep and dot and ns == g.namespace and _CLUSTER_ID.match(cluster):
                return DashboardTarget("gateway", g.name, cluster, ns)
            return None
    return None


# --- Kubernetes -----------------------------------------------------------------------------

class AccessKube(dask_sessions.KubernetesAsyncioApi):
    """The calls the service makes: the group CA Secret (inherited), its records, a DaskCluster's owner."""

    async def read_config_map(self, namespace: str, name: str) -> tuple:
        """(data, resourceVersion) of a ConfigMap."""
        from kubernetes_asyncio import client

        cm = await client.CoreV1Api(await self._client()).read_namespaced_config_map(name, namespace)
        return dict(cm.data or {}), cm.metadata.resource_version

    async def replace_config_map_data(self, namespace: str, name: str, data: Mapping[str, str], resource_version: str) -> None:
        """Replaces its data, if it is still at ``resource_version`` (else :class:`dask_sessions.Conflict`)."""
        from kubernetes_asyncio import client
        from kubernetes_asyncio.client.exceptions import ApiException

        api = client.CoreV1Api(await self._client())
        current = await api.read_namespaced_config_map(name, namespace)
        current.data = dict(data)
        current.metadata.resource_version = resource_version
        try:
            await api.replace_namespaced_config_map(name, namespace, current)
        except ApiException as err:
            if err.status == 409:
                raise dask_sessions.Conflict(name) from err
            raise

    async def cluster_owner(self, namespace: str, name: str) -> Optional[str]:
        """The user a gateway's DaskCluster belongs to, or None when there is none."""
        from kubernetes_asyncio import client
        from kubernetes_asyncio.client.exceptions import ApiException

        try:
            obj = await client.CustomObjectsApi(await self._client()).get_namespaced_custom_object(
                "gateway.dask.org", "v1alpha1", namespace, "daskclusters", name)
        except ApiException as err:
            if err.status == 404:
                return None
            raise
        return (obj.get("spec") or {}).get("username")


class Minter:
    """Issues and records certificates, one group at a time, within the limit."""

    def __init__(self, settings: AccessSettings, kube: Any):
        self.settings = settings
        self.kube = kube
        self._locks: dict = {}

    async def issue(self, user: str, group: GroupRef) -> tuple:
        """(leaf, ca PEM) for ``user``, recorded; raises :class:`RateLimited` or :class:`RecordsFull`."""
        lock = self._locks.setdefault(group.name, asyncio.Lock())
        async with lock:
            for attempt in range(5):
                now = datetime.datetime.now(datetime.timezone.utc)
                data, version = await self.kube.read_config_map(group.namespace, self.settings.records_config_map)
                data = prune_records(data, now)
                recent = issued_within(data, user, now)
                if len(recent) >= self.settings.mints_per_day:
                    raise RateLimited(max(1, int((recent[0] + WINDOW - now).total_seconds()) + 1))
                ca = await self.kube.read_secret(group.namespace, group.ca_secret)
                leaf = dask_sessions.issue_leaf(ca["tls.crt"], ca["tls.key"], user, self.settings.certificate_validity_days,
                                                organizational_unit=group.name, client_only=True, now=now)
                key, value = record_entry(leaf, user, now)
                data[key] = value
                if len(json.dumps(data)) > RECORDS_LIMIT:
                    raise RecordsFull(group.name)
                try:
                    await self.kube.replace_config_map_data(group.namespace, self.settings.records_config_map, data, version)
                except dask_sessions.Conflict:
                    continue  # someone else wrote the record in between: read it again
                log.info("issued certificate serial=%x user=%s group=%s not_after=%s", leaf.serial, user, group.name, _iso(leaf.not_after))
                return leaf, ca.get("ca.crt") or ca["tls.crt"]
        raise RecordsFull(f"{group.name}: the record kept changing")


class OwnerCache:
    """Owners of gateway clusters for a minute (a dashboard page asks for each of its resources)."""

    def __init__(self, kube: Any, max_age: float = 60.0):
        self.kube = kube
        self.max_age = max_age
        self._seen: dict = {}

    async def owner(self, namespace: str, name: str) -> Optional[str]:
        hit = self._seen.get((namespace, name))
        if hit and time.monotonic() - hit[1] < self.max_age:
            return hit[0]
        owner = await self.kube.cluster_owner(namespace, name)
        if owner is not None:
            self._seen[(namespace, name)] = (owner, time.monotonic())
        return owner


# --- metrics --------------------------------------------------------------------------------

_REQUESTS: list = []


def access_requests_counter() -> Any:
    """``hepaf_access_requests_total{group, outcome}`` in prometheus_client's default registry (made once per process)."""
    if not _REQUESTS:
        from prometheus_client import Counter

        _REQUESTS.append(Counter("hepaf_access_requests", "Requests for a group's bundle (page or download) by outcome", ["group", "outcome"]))
    return _REQUESTS[0]


def outcome_of(status: int) -> Optional[str]:
    """The outcome a bundle request's status counts as, or None (a redirect to sign in, ...)."""
    if status == 200:
        return "served"
    if status == 403:
        return "refused"
    if status == 429:
        return "limited"
    if status == 404:
        return "not_found"
    if status >= 500:
        return "error"
    return None


def count_request(settings: AccessSettings, group: str, status: int) -> None:
    """Counts a finished bundle request (a group not configured is ``unknown``)."""
    outcome = outcome_of(status)
    if outcome is not None:
        access_requests_counter().labels(group if group in settings.groups else UNKNOWN_GROUP, outcome).inc()


def precreate_request_series(settings: AccessSettings) -> None:
    """Every configured group's outcomes, and unknown's not_found, at 0 (a query has series from the start)."""
    counter = access_requests_counter()
    for name in settings.groups:
        for outcome in OUTCOMES:
            counter.labels(name, outcome)
    counter.labels(UNKNOWN_GROUP, "not_found")


# --- the web application --------------------------------------------------------------------

def make_app(settings: AccessSettings, kube: Any, cookie_secret: str) -> Any:
    """The tornado application (JupyterHub's HubOAuth, configured from the environment)."""
    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
    from tornado import web
    from tornado.escape import xhtml_escape
    from tornado.httputil import url_concat

    hub_auth = HubOAuth.instance()
    minter = Minter(settings, kube)
    precreate_request_series(settings)
    owners = OwnerCache(kube)

    def member_groups(user: Mapping[str, Any]) -> list:
        """The served groups the user is a member of (settings order)."""
        mine = set(user.get("groups") or [])
        return [g for g in settings.groups.values() if g.name in mine]

    class Base(HubOAuthenticated, web.RequestHandler):
        def set_default_headers(self) -> None:
            self.set_header("Cache-Control", "no-store")
            self.set_header("X-Content-Type-Options", "nosniff")

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            # The reason only (never a traceback: nothing of a request's credentials leaves).
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"{status_code} {self._reason}\n")

        def page(self, body: str, status: int = 200) -> None:
            """An HTML page of the service: its heading, then `body` (already escaped)."""
            self.set_status(status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(
                "<!doctype html><html><head><meta charset='utf-8'><title>Dask from your laptop</title></head><body>"
                f"<h1>Dask at {xhtml_escape(settings.domain)}</h1>{body}</body></html>")

    class Page(Base):
        @web.authenticated
        def get(self) -> None:
            user = self.current_user
            groups = member_groups(user)
            items = []
            for g in groups:
                addresses = []
                if g.sessions:
                    addresses.append(f"your notebook's scheduler <code>{xhtml_escape(session_address(settings, user['name']))}</code>")
                if g.gateway:
                    addresses.append(f"the gateway <code>{xhtml_escape(g.gateway.address)}</code>")
                items.append(
                    f"<li><form method='post' action='bundle/{xhtml_escape(g.name)}'>{self.xsrf_form_html()}"
                    f"<button type='submit'>Download the {xhtml_escape(g.name)} bundle</button></form>"
                    f"{'; '.join(addresses)}</li>")
            body = "".join(items) if items else "<li>You are in no group of this facility: there is nothing to download.</li>"
            self.page(
                f"<p>Signed in as {xhtml_escape(user['name'])}. A bundle holds a certificate valid "
                f"{settings.certificate_validity_days} days, the group's CA, a Dask config and a README.</p>"
                f"<ul>{body}</ul>"
                "<p>Unpack it, <code>export DASK_CONFIG=&lt;the folder&gt;</code>, then "
                "<code>Client(\"tls://...\")</code> as the README says. Results come back through the scheduler.</p>")

    class Bundle(Base):
        def on_finish(self) -> None:
            # Every answer to a bundle request, however it ended (an unexpected error too);
            # path_args holds the group asked for.
            if self.path_args:
                count_request(settings, self.path_args[0], self.get_status())

        @web.authenticated
        def get(self, name: str) -> None:
            # The bundle's address opened in a browser (a link someone sent): the download is a
            # form (POST, with its XSRF token), so a member gets its button here; anyone else a
            # page that says why not, in words, with the way back.
            user = self.current_user
            group = settings.groups.get(name)
            back = f"<p>See the bundles you may download on <a href='{xhtml_escape(settings.prefix)}'>the Dask access page</a>.</p>"
            who = xhtml_escape(user["name"])
            if group is None:
                self.page(f"<p>Signed in as {who}. There is no group {xhtml_escape(name)} at this facility.</p>{back}", 404)
            elif user.get("kind", "user") != "user" or group not in member_groups(user):
                self.page(f"<p>Signed in as {who}: {who} is not a member of {xhtml_escape(name)}. "
                          f"Its bundle (a certificate of that group) is for its members only.</p>{back}", 403)
            else:
                self.page(f"<p>Signed in as {who}.</p><form method='post' action='{xhtml_escape(settings.prefix)}bundle/{xhtml_escape(name)}'>"
                          f"{self.xsrf_form_html()}<button type='submit'>Download the {xhtml_escape(name)} bundle</button></form>{back}")

        @web.authenticated
        async def post(self, name: str) -> None:
            user = self.current_user
            if user.get("kind", "user") != "user":
                raise web.HTTPError(403, reason="bundles are for users")
            group = settings.groups.get(name)
            if group is None:
                raise web.HTTPError(404, reason=f"no group {name} here")
            if group not in member_groups(user):
                raise web.HTTPError(403, reason=f"{user['name']} is not a member of {name}")
            leaf, ca_pem = None, None
            if group.sessions:
                try:
                    leaf, ca_pem = await minter.issue(user["name"], group)
                except RateLimited as err:
                    # Answered here, not raised: an error page would drop the Retry-After header.
                    self.set_status(429, reason=f"at most {settings.mints_per_day} bundles a day; the next in {err.retry_after} s")
                    self.set_header("Retry-After", str(err.retry_after))
                    self.set_header("Content-Type", "text/plain; charset=utf-8")
                    self.finish(f"429 {self._reason}\n")
                    return
                except RecordsFull:
                    raise web.HTTPError(503, reason=f"the {name} certificate record is full; ask an admin")
            root_ca = None
            if settings.root_ca_file and os.path.exists(settings.root_ca_file):
                with open(settings.root_ca_file) as f:
                    root_ca = f.read()
            folder, files = bundle_files(settings, group, user["name"], leaf, ca_pem, root_ca)
            data = bundle_zip(folder, files, datetime.datetime.now(datetime.timezone.utc))
            self.set_header("Content-Type", "application/zip")
            self.set_header("Content-Disposition", f'attachment; filename="{folder}.zip"')
            self.finish(data)

    class SignIn(Base):
        """Traefik's forwardAuth: may this browser see the dashboard it asked for?"""

        async def _user(self) -> Optional[dict]:
            # The cookie (or a token) of this service's sign-in, checked with the hub. The XSRF
            # rules of the service's own pages do not apply: the request is Traefik's, on behalf
            # of a read-only, same-site dashboard request (checked below).
            token = None
            header = self.request.headers.get("Authorization", "")
            if header.split(" ", 1)[0].lower() in ("token", "bearer") and " " in header:
                token = header.split(" ", 1)[1].strip()
            if not token:
                cookie = self.get_secure_cookie(hub_auth.cookie_name)
                token = cookie.decode("ascii", "replace") if cookie else None
            if not token:
                return None
            model = await hub_auth.user_for_token(token, sync=False)
            if model is None or not hub_auth.check_scopes(hub_auth.access_scopes, model):
                return None
            return model

        async def get(self) -> None:
            uri = self.request.headers.get("X-Forwarded-Uri", "")
            target = dashboard_target(settings, uri)
            if target is None:
                raise web.HTTPError(403, reason="not a dashboard of this facility")
            if self.request.headers.get("X-Forwarded-Method", "GET").upper() not in ("GET", "HEAD", "OPTIONS"):
                raise web.HTTPError(403, reason="dashboards are read-only through the front door")
            if self.request.headers.get("Sec-Fetch-Site", "") == "cross-site":
                raise web.HTTPError(403, reason="not from another site")
            user = await self._user()
            if user is None:
                navigate = self.request.headers.get("Sec-Fetch-Mode") == "navigate" or "text/html" in self.request.headers.get("Accept", "")
                if not navigate:
                    raise web.HTTPError(401, reason="sign in with the hub first")
                params = {}
                verifier = None
                if hub_auth.pkce_enabled:
                    verifier, challenge, method = hub_auth.generate_pkce_code_challenge()
                    params.update(code_challenge=challenge, code_challenge_method=method)
                params["state"] = hub_auth.set_state_cookie(self, next_url=urlsplit(uri).path, code_verifier=verifier)
                # Absolute, on the public host: Traefik resolves a relative Location of a sign-in
                # answer against the sign-in's own (in-cluster) address.
                login = hub_auth.login_url
                if login.startswith("/"):
                    login = f"https://{settings.domain}{login}"
                self.redirect(url_concat(login, params))
                return
            if await self._allowed(user, target):
                self.set_status(200)
                self.finish()
                return
            raise web.HTTPError(403, reason=f"{user['name']} may not see this dashboard")

        async def _allowed(self, user: Mapping[str, Any], target: DashboardTarget) -> bool:
            if user.get("kind", "user") != "user":
                return False
            if target.kind == "session":
                return dask_sessions.escape_username(user["name"]) == target.name
            group = settings.groups[target.group]
            if group not in member_groups(user):
                return False
            return await owners.owner(target.namespace, target.name) == user["name"]

    class Health(web.RequestHandler):
        def get(self) -> None:
            self.finish("ok\n")

    def log_request(handler: Any) -> None:
        # The path only: a query may carry an OAuth code.
        status = handler.get_status()
        level = logging.INFO if status < 400 else logging.WARNING
        log.log(level, "%d %s %s %.1fms", status, handler.request.method, handler.request.path, 1000.0 * handler.request.request_time())

    p = settings.prefix
    return web.Application(
        [
            (p, Page),
            (p + r"bundle/([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)", Bundle),
            (p + "auth", SignIn),
            (p + "oauth_callback", HubOAuthCallbackHandler),
            (p + "health", Health),
        ],
        cookie_secret=cookie_secret,
        login_url=hub_auth.login_url,
        log_function=log_request,
    )


async def serve(settings: AccessSettings, cookie_secret: str) -> None:
    """Serves until SIGTERM or SIGINT."""
    from prometheus_client import start_http_server
    from tornado.httpserver import HTTPServer

    kube = AccessKube()
    server = HTTPServer(make_app(settings, kube, cookie_secret), xheaders=True)
    server.listen(settings.port, address=settings.listen_address)
    # The metrics on a port of their own (prometheus_client's server, in a thread): no route of
    # the front door leads to it.
    metrics_server, _ = start_http_server(settings.metrics_port, addr=settings.listen_address or "0.0.0.0")
    log.info("serving %s on port %d (metrics on %d) for groups %s", settings.prefix, settings.port, settings.metrics_port, ", ".join(settings.groups))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    metrics_server.shutdown()
    await kube.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with open(os.environ[VALUES_ENV]) as f:
        settings = settings_from_values(json.load(f))
    cookie_secret = os.environ[COOKIE_SECRET_ENV]
    asyncio.run(serve(settings, cookie_secret))


if __name__ == "__main__":
    main()
