# JupyterHub configuration of the hepaf JupyterHub component.
#
# Shipped as a real file in the npm package and mounted into the hub container from a
# ConfigMap. Everything site-specific comes from two files the component renders:
#   values.json  (ConfigMap; no secrets)          path: $HEPAF_HUB_VALUES
#   secrets.json (Secret; client secret, tokens)   path: $HEPAF_HUB_SECRETS
# The cookie secret, the crypt key and the proxy token reach JupyterHub through its own
# environment variables (JPY_COOKIE_SECRET, JUPYTERHUB_CRYPT_KEY, CONFIGPROXY_AUTH_TOKEN),
# set from the same Secret. With secrets made in the cluster there is no secrets file: the
# hub's keeper (an init container) makes the hub's Secret, and the services' tokens and the
# site's values reach the hub in environment variables named in values.json's "secrets".

import json
import os
import sys
import urllib.request

c = get_config()  # noqa: F821  (provided by JupyterHub's config loader)

VALUES_PATH = os.environ.get("HEPAF_HUB_VALUES", "/usr/local/etc/jupyterhub/values.json")
SECRETS_PATH = os.environ.get("HEPAF_HUB_SECRETS", "/usr/local/etc/jupyterhub/secret/secrets.json")

with open(VALUES_PATH) as f:
    values = json.load(f)


def load_secrets(where):
    """What is secret: the secrets file the program rendered, or, with secrets made in the
    cluster, the environment (the hub's keeper and the site's Secret) beside values.json's
    plain-text parts."""
    if where["from"] == "file":
        with open(SECRETS_PATH) as f:
            return json.load(f)
    return {
        "clientId": where["clientId"],
        "clientSecret": os.environ.get(where["clientSecretEnv"]),
        "dummyPassword": os.environ.get(where["dummyPasswordEnv"]),
        "databaseUrl": os.environ.get(where["databaseUrlEnv"]),
        "serviceTokens": {name: os.environ[env] for name, env in where["serviceTokenEnv"].items()},
        "groupEnv": where["groupEnv"],
    }


secrets = load_secrets(values.get("secrets", {"from": "file"}))

hub = values["hub"]
auth = values["auth"]
groups = values["groups"]
groups_by_name = {g["name"]: g for g in groups}

# --- hub, proxy, database -------------------------------------------------------------------
c.JupyterHub.hub_bind_url = f"http://:{hub['bindPort']}"
c.JupyterHub.hub_connect_url = hub["connectUrl"]
c.JupyterHub.bind_url = "http://:8000"
c.ConfigurableHTTPProxy.api_url = values["proxy"]["apiUrl"]
c.ConfigurableHTTPProxy.should_start = False
# User servers keep running when the hub restarts (the proxy is its own Deployment).
c.JupyterHub.cleanup_servers = False
c.JupyterHub.cleanup_proxy = False

if hub["database"]["type"] == "sqlite":
    c.JupyterHub.db_url = "sqlite:///" + hub["database"]["path"]
else:
    c.JupyterHub.db_url = secrets["databaseUrl"]

c.JupyterHub.concurrent_spawn_limit = hub["concurrentSpawnLimit"]
if hub["namedServerLimit"] > 0:
    c.JupyterHub.allow_named_servers = True
    c.JupyterHub.named_server_limit_per_user = hub["namedServerLimit"]
else:
    c.JupyterHub.allow_named_servers = False


# --- login and group membership ------------------------------------------------------------
def facility_groups(claim_values, username=None):
    """The facility groups of a user: groups whose claim values the user carries, plus
    groups that list the user by name. Claim values of no group are dropped."""
    carried = set(claim_values or [])
    result = []
    for group in groups:
        if carried.intersection(group["claimValues"]) or (username is not None and username in group["users"]):
            result.append(group["name"])
    return result


def as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        # Some providers send a single string, some a comma-separated one.
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def discover(issuer):
    """Endpoints from the issuer's OpenID Connect discovery document."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


authenticator_common = {
    "admin_users": set(auth["adminUsers"]),
    "allowed_users": set(auth["allowedUsers"]),
}


def configure_oauth(section, groups_key):
    """What every OAuth login shares: client, callback, groups kept from the provider, allowed groups."""
    section.client_id = secrets["clientId"]
    section.client_secret = secrets["clientSecret"]
    section.oauth_callback_url = auth["callbackUrl"]
    section.manage_groups = True
    section.auth_state_groups_key = groups_key
    section.allowed_groups = {g["name"] for g in groups}
    section.enable_auth_state = True
    for trait, value in authenticator_common.items():
        setattr(section, trait, value)

if auth["type"] == "generic-oauth":
    from oauthenticator.generic import GenericOAuthenticator

    c.JupyterHub.authenticator_class = GenericOAuthenticator
    endpoints = {
        "authorize_url": auth["authorizeUrl"],
        "token_url": auth["tokenUrl"],
        "userdata_url": auth["userdataUrl"],
    }
    if auth["issuer"] and not all(endpoints.values()):
        document = discover(auth["issuer"])
        endpoints["authorize_url"] = endpoints["authorize_url"] or document["authorization_endpoint"]
        endpoints["token_url"] = endpoints["token_url"] or document["token_endpoint"]
        endpoints["userdata_url"] = endpoints["userdata_url"] or document["userinfo_endpoint"]
    for trait, value in endpoints.items():
        setattr(c.GenericOAuthenticator, trait, value)
    username_claim = auth["usernameClaim"]
    groups_claim = auth["groupsClaim"]

    def groups_from_claims(auth_state):
        userinfo = auth_state.get("oauth_user") or {}
        return facility_groups(as_list(userinfo.get(groups_claim)), userinfo.get(username_claim))

    configure_oauth(c.GenericOAuthenticator, groups_from_claims)
    c.GenericOAuthenticator.scope = auth["scopes"]
    c.GenericOAuthenticator.username_claim = username_claim
    c.GenericOAuthenticator.login_service = auth["loginService"]

elif auth["type"] == "github":
    from oauthenticator.github import GitHubOAuthenticator

    c.JupyterHub.authenticator_class = GitHubOAuthenticator

    def groups_from_teams(auth_state):
        login = (auth_state.get("github_user") or {}).get("login")
        teams = [f"{t['organization']['login']}:{t['slug']}" for t in auth_state.get("teams") or []]
        return facility_groups(teams, login)

    configure_oauth(c.GitHubOAuthenticator, groups_from_teams)
    c.GitHubOAuthenticator.allowed_organizations = set(auth["allowedOrganizations"])
    c.GitHubOAuthenticator.populate_teams_in_auth_state = True

elif auth["type"] == "dummy":
    # Development only: the component refuses it unless allowDummy is set.
    from jupyterhub.auth import DummyAuthenticator

    c.JupyterHub.authenticator_class = DummyAuthenticator
    if secrets.get("dummyPassword"):
        c.DummyAuthenticator.password = secrets["dummyPassword"]
    members = {u for g in groups for u in g["users"]}
    c.DummyAuthenticator.admin_users = authenticator_common["admin_users"]
    c.DummyAuthenticator.allowed_users = authenticator_common["allowed_users"] | members
    # No identity provider to send groups: the groups' user lists are loaded at start.
    c.JupyterHub.load_groups = {g["name"]: {"users": list(g["users"])} for g in groups}

else:
    raise ValueError(f"unknown login type {auth['type']!r} in {VALUES_PATH}")


# --- spawner: the user's group decides namespace, profiles and environment ----------------
spawner = values["spawner"]
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
c.KubeSpawner.enable_user_namespaces = False
c.KubeSpawner.uid = spawner["uid"]
c.KubeSpawner.fs_gid = spawner["fsGid"]
c.KubeSpawner.start_timeout = spawner["startTimeout"]
c.KubeSpawner.http_timeout = spawner["httpTimeout"]
c.KubeSpawner.default_url = spawner["defaultUrl"]
# The single-user server, not whatever the image's CMD is (as zero-to-jupyterhub sets it);
# a profile may name its own.
c.KubeSpawner.cmd = list(spawner["cmd"])
c.KubeSpawner.automount_service_account_token = False
c.KubeSpawner.events_enabled = True
c.KubeSpawner.delete_pvc = False
c.KubeSpawner.extra_labels = {"hepaf.io/facility": values["facility"]}
# The notebook's own token ($JUPYTERHUB_API_TOKEN) also opens the services its user may open:
# dask-gateway's JupyterHubAuth sends that token to the group's gateway, which asks the hub for
# `access:services!service=<gateway>`. JupyterHub gives the token only the part of these scopes
# its user holds (the group's gateway, not another group's); without `access:services` the
# server role's scopes alone were refused by the gateway (401).
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", "access:services"]

storage = spawner["storage"]
if storage["type"] == "dynamic":
    c.KubeSpawner.storage_pvc_ensure = True
    c.KubeSpawner.pvc_name_template = "claim-{user_server}"
    c.KubeSpawner.storage_capacity = storage["capacity"]
    c.KubeSpawner.storage_access_modes = ["ReadWriteOnce"]
    if storage["storageClass"]:
        c.KubeSpawner.storage_class = storage["storageClass"]
    base_volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
    base_volume_mounts = [{"name": "home", "mountPath": storage["mountPath"]}]
    c.KubeSpawner.volumes = base_volumes
    c.KubeSpawner.volume_mounts = base_volume_mounts
else:
    c.KubeSpawner.storage_pvc_ensure = False
    base_volumes = []
    base_volume_mounts = []


def literal(value):
    """KubeSpawner expands {placeholders} in environment values; keep ours literal."""
    return value.replace("{", "{{").replace("}", "}}")


def group_pod(group, override):
    """Adds the group's pod parts (volumes, mounts, init containers, plain env) to a profile override."""
    pod = group.get("pod") or {}
    if pod.get("volumes"):
        override["volumes"] = base_volumes + pod["volumes"]
    if pod.get("volumeMounts"):
        override["volume_mounts"] = base_volume_mounts + pod["volumeMounts"]
    if pod.get("initContainers"):
        override["init_containers"] = list(pod["initContainers"])
    override["environment"].update({k: literal(v) for k, v in (pod.get("env") or {}).items()})
    return override


def group_profile(group, profile):
    override = {
        "namespace": group["namespace"],
        "image": profile["image"],
        "node_selector": dict(profile["nodeSelector"]),
        "extra_labels": {"hepaf.io/group": group["name"]},
        "environment": {
            "HEPAF_GROUP": group["name"],
            **{k: literal(v) for k, v in secrets["groupEnv"].get(group["name"], {}).items()},
        },
    }
    for key, trait in (
        ("cpuGuarantee", "cpu_guarantee"),
        ("cpuLimit", "cpu_limit"),
        ("memoryGuarantee", "mem_guarantee"),
        ("memoryLimit", "mem_limit"),
    ):
        if profile[key] is not None:
            override[trait] = profile[key]
    if profile.get("cmd"):
        override["cmd"] = list(profile["cmd"])
    group_pod(group, override)
    if profile["gpus"]:
        override["extra_resource_limits"] = {"nvidia.com/gpu": str(profile["gpus"])}
        override["extra_resource_guarantees"] = {"nvidia.com/gpu": str(profile["gpus"])}
    entry = {
        "display_name": profile["displayName"],
        "slug": profile["slug"],
        "default": profile["default"],
        "kubespawner_override": override,
    }
    if profile["description"]:
        entry["description"] = profile["description"]
    return entry


def user_groups(user):
    names = {g.name for g in user.groups}
    return [g for g in groups if g["name"] in names]


def profiles_for(spawner):
    """The profiles of the user's groups only; the chosen profile sets the namespace."""
    result = []
    for group in user_groups(spawner.user):
        for profile in group["profiles"]:
            result.append(group_profile(group, profile))
    seen_default = False
    for entry in result:
        if entry["default"] and not seen_default:
            seen_default = True
        else:
            entry["default"] = False
    return result


def refuse_without_group(spawner):
    if not user_groups(spawner.user):
        raise ValueError(f"user {spawner.user.name} is in no group of this facility; ask an admin for access")


c.KubeSpawner.profile_list = profiles_for
c.KubeSpawner.pre_spawn_hook = refuse_without_group

# Notebook-owned Dask schedulers on HTCondor: the dask-sessions component's module, mounted beside
# the values file, issues the user's certificate and creates the Secret, Service and SNI route
# at spawn, and removes them at stop.
if values.get("daskSessions"):
    sys.path.insert(0, os.path.dirname(os.path.abspath(VALUES_PATH)))
    import dask_sessions

    session_settings = dask_sessions.settings_from_values(values)
    session_api = dask_sessions.KubernetesAsyncioApi()

    async def spawn_with_dask_session(spawner):
        refuse_without_group(spawner)
        await dask_sessions.on_spawn(spawner, session_settings, session_api)

    async def stop_dask_session(spawner):
        await dask_sessions.on_stop(spawner, session_settings, session_api)

    def wire_dask_session(spawner, pod):
        # On the pod manifest, after the profile's overrides (which replace volumes and env).
        return dask_sessions.wire_pod(spawner, pod, session_settings)

    c.KubeSpawner.pre_spawn_hook = spawn_with_dask_session
    c.KubeSpawner.post_stop_hook = stop_dask_session
    c.KubeSpawner.modify_pod_hook = wire_dask_session


# --- services, roles, culler ---------------------------------------------------------------
services = []
roles = []
for service in values["services"]:
    entry = {
        "name": service["name"],
        "api_token": secrets["serviceTokens"][service["name"]],
        "display": service["display"],
    }
    if service["url"]:
        entry["url"] = service["url"]
    if service["skipConfirm"]:
        # A service the facility runs itself: signing in to it needs no "authorize access" page.
        entry["oauth_no_confirm"] = True
    services.append(entry)
    if service["groups"]:
        roles.append(
            {
                "name": f"access-{service['name']}",
                "description": f"Members of {', '.join(service['groups'])} may use {service['name']}",
                "scopes": [f"access:services!service={service['name']}"],
                "groups": list(service["groups"]),
            }
        )
    if service["scopes"]:
        roles.append(
            {
                "name": f"service-{service['name']}",
                "description": f"What the {service['name']} service may do",
                "scopes": list(service["scopes"]),
                "services": [service["name"]],
            }
        )

culler = values["culler"]
if culler["enabled"]:
    command = [
        sys.executable,
        "-m",
        "jupyterhub_idle_culler",
        f"--timeout={culler['timeoutSeconds']}",
        f"--cull-every={culler['everySeconds']}",
    ]
    if culler["maxAgeSeconds"]:
        command.append(f"--max-age={culler['maxAgeSeconds']}")
    services.append({"name": "idle-culler", "command": command})
    roles.append(
        {
            "name": "idle-culler",
            "description": "Stop idle servers",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    )

c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
