"""The facility's parts, each used alone from Python: a site that composes its own facility
from a root CA, Traefik, JupyterHub, one group's Dask Gateway and an external HTCondor pool
(the TypeScript API's `new CertificateAuthority(...)`, `new Traefik(...)` and the rest)."""
import pulumi
import pulumi_hepaf as hepaf
from pulumi_hepaf import dask_gateway, htcondor, jupyterhub, pki, traefik

cfg = pulumi.Config()
domain = "af.example.edu"
entrypoints = {"web": "web", "websecure": "websecure", "dask": "dask"}
route_labels = {"hepaf.io/traefik": "edge"}

root = pki.CertificateAuthority("site-root", subject=hepaf.SubjectArgs(organization="Example University AF"), validity_days=1825)

edge = traefik.Traefik("edge",
    namespace="edge",
    service=hepaf.TraefikServiceArgs(type=hepaf.TraefikServiceType.LOAD_BALANCER, load_balancer_ip="203.0.113.10"),
    dask_port=8786,
    watch_namespaces=["af", "af-cms"])  # its routes' label is hepaf.io/traefik=edge, after its name

hub = jupyterhub.JupyterHub("hub",
    facility="af",
    domain=domain,
    create_namespace=True,
    create_group_namespaces=True,
    traefik=hepaf.HubTraefikArgs(namespace="edge", entrypoints=hepaf.HubTraefikEntrypointsArgs(**entrypoints), route_labels=route_labels),
    login=hepaf.GenericOAuthLoginArgs(type="generic-oauth", issuer="https://cilogon.org", client_id=cfg.require("clientId"),
                                      client_secret=cfg.require_secret("clientSecret"), groups_claim="isMemberOf"),
    groups=[hepaf.HubGroupArgs(name="cms", members=hepaf.HubGroupMembersArgs(claim_values=["CMS"]),
        profiles=[hepaf.ProfileArgs(name="coffea", image="example/coffea:2026.10", cpu_guarantee="2", memory_guarantee="8Gi")])],
    services=[hepaf.HubServiceArgs(name="dask-gateway-cms", url="http://dask-gateway-api.af-cms.svc.cluster.local:8000", group="cms")],
    admins=["alice@example.edu"])

cms_ref = hub.service_refs.apply(lambda refs: refs["dask-gateway-cms"])
gateway = dask_gateway.DaskGateway("cms",
    facility="af",
    group="cms",
    domain=domain,
    create_namespace=False,
    hub=hepaf.HubServiceRefArgs(service_name="dask-gateway-cms", api_token=cms_ref.api_token, hub_api_url=hub.hub_api_url),
    traefik=hepaf.TraefikRefArgs(namespace="edge", entrypoints=hepaf.TraefikRefEntrypointsArgs(**entrypoints), route_labels=route_labels, dask_port=8786),
    limits=hepaf.GatewayLimitsArgs(max_workers=200, max_cores=400, idle_timeout_minutes=60),
    quota=hepaf.QuotaArgs(cpu=800, memory_gib=3200))

pool = htcondor.HTCondorPool("campus",
    mode=hepaf.HTCondorPoolMode.EXTERNAL,
    facility="af",
    collector="cm.example.edu",
    schedd=hepaf.HTCondorPoolScheddArgs(host="ap.example.edu"),
    trust_domain="example.edu",
    tokens=hepaf.MintedTokensArgs(source="mint", signing_key=cfg.require_secret("poolKey")),
    groups=[hepaf.HTCondorGroupArgs(name="cms", accounting_group="group_cms")])

pulumi.export("rootCa", root.cert_pem)
pulumi.export("hubApi", hub.hub_api_url)
pulumi.export("gateway", gateway.address)
pulumi.export("collector", pool.collector)
