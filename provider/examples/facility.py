"""The README's facility, from Python: the same site as the TypeScript example."""
import pulumi
import pulumi_hepaf as hepaf

cfg = pulumi.Config()
af = hepaf.facility.AnalysisFacility(
    "casa",
    domain="af.example.edu",
    ca=hepaf.CertificateAuthorityArgs(subject=hepaf.SubjectArgs(organization="Example University AF")),
    traefik=hepaf.FacilityTraefikArgs(
        service=hepaf.TraefikServiceArgs(type=hepaf.TraefikServiceType.LOAD_BALANCER, load_balancer_ip="203.0.113.10"),
        dask_port=8786,
    ),
    hub=hepaf.FacilityHubArgs(
        login=hepaf.GenericOAuthLoginArgs(
            type="generic-oauth",
            issuer="https://cilogon.org",
            client_id=cfg.require("clientId"),
            client_secret=cfg.require_secret("clientSecret"),
            groups_claim="isMemberOf",
        ),
        admins=["alice@example.edu"],
    ),
    htcondor=hepaf.FacilityHtcondorArgs(pools={
        "campus": hepaf.FacilityPoolExternalArgs(
            mode="external",
            collector="cm.example.edu",
            schedd=hepaf.HTCondorPoolScheddArgs(host="ap.example.edu"),
            trust_domain="example.edu",
            tokens=hepaf.MintedTokensArgs(source="mint", signing_key=cfg.require_secret("poolKey")),
        ),
    }),
    groups=[
        hepaf.GroupArgs(
            name="cms",
            members=hepaf.HubGroupMembersArgs(claim_values=["CMS"]),
            profiles=[hepaf.ProfileArgs(name="coffea", image="example/coffea:2026.10", cpu_guarantee="2", memory_guarantee="8Gi")],
            gateway=hepaf.FacilityGatewayArgs(limits=hepaf.GatewayLimitsArgs(max_workers=200, max_cores=400, idle_timeout_minutes=60)),
            quota=hepaf.QuotaArgs(cpu=800, memory_gib=3200),
            htcondor=hepaf.GroupHTCondorArgs(pool="campus", accounting_group="group_cms"),
        ),
        # Plain dicts work too (the SDK's TypedDicts): snake_case keys.
        {"name": "opendata", "members": {"claim_values": ["opendata"]}},
    ],
)
pulumi.export("hubUrl", af.hub_url)
pulumi.export("daskEndpoint", af.dask_endpoint)
pulumi.export("gateways", af.gateway_addresses)
pulumi.export("daskAccess", af.dask_access_url)
