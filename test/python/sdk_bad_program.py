"""A program of the Python SDK with two mistakes mypy must name: a quota field that does not
exist (`cpus`), and a PKI mode that is not one of the enum's."""
import pulumi_hepaf as hepaf

hepaf.facility.AnalysisFacility(
    "casa",
    domain="af.example.edu",
    hub=hepaf.FacilityHubArgs(login=hepaf.DummyLoginArgs(type="dummy")),
    groups=[hepaf.GroupArgs(name="cms", quota=hepaf.QuotaArgs(cpus=800))],
    pki=hepaf.PkiArgs(mode="vault"),
)
