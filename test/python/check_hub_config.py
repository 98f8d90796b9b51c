"""Loads the hepaf hub's jupyterhub_config.py the way the hub container does and prints the
effective settings as JSON, running the config's own hooks with the real authenticator and
real KubeSpawner objects (no cluster: KubeSpawner gets `_mock=True` and a dummy kubeconfig).

usage: check_hub_config.py <jupyterhub_config.py> <scenario.json>
  The values and secrets files are found through HEPAF_HUB_VALUES and HEPAF_HUB_SECRETS,
  exactly as in the hub container. scenario.json lists fake users:
  {"users": [{"name": ..., "groups": [...], "profile": <slug or null>}],
   "authStates": [{"label": ..., "auth_state": {...}}],
   "logins": [{"label": ..., "userinfo": {...}}]}
"""

import asyncio
import json
import os
import sys
from types import SimpleNamespace


def jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if callable(value):
        return f"<callable {getattr(value, '__name__', type(value).__name__)}>"
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return value


def fake_user(name, groups):
    user = SimpleNamespace()
    user.name = name
    user.id = abs(hash(name)) % 10000
    user.url = f"/user/{name}/"
    user.groups = [SimpleNamespace(name=g) for g in groups]
    return user


async def main(config_path, scenario_path):
    from jupyterhub.app import JupyterHub

    with open(scenario_path) as f:
        scenario = json.load(f)

    app = JupyterHub()
    app.load_config_file(config_path)
    config = app.config
    # Apply the loaded config to the app so its traits hold the effective values.
    app.update_config(config)

    out = {"hub": {}, "authenticator": {}, "spawner": {}, "users": {}}
    for trait in (
        "hub_bind_url",
        "hub_connect_url",
        "bind_url",
        "db_url",
        "concurrent_spawn_limit",
        "allow_named_servers",
        "named_server_limit_per_user",
        "cleanup_servers",
        "services",
        "load_roles",
        "load_groups",
    ):
        out["hub"][trait] = jsonable(getattr(app, trait))
    # The secrets JupyterHub reads from its own environment variables.
    # JupyterHub's own validator turns the hex cookie secret into bytes (as at start-up).
    app.cookie_secret = os.environ["JPY_COOKIE_SECRET"]
    out["hub"]["cookie_secret_bytes"] = len(app.cookie_secret)

    from jupyterhub.crypto import CryptKeeper

    out["hub"]["crypt_keys"] = len(CryptKeeper.instance().keys)

    from jupyterhub.proxy import ConfigurableHTTPProxy

    proxy = ConfigurableHTTPProxy(config=config)
    out["proxy"] = {"api_url": proxy.api_url, "should_start": proxy.should_start, "auth_token_len": len(proxy.auth_token)}

    # The authenticator class and its effective options, instantiated for real.
    auth_class = app.authenticator_class
    authenticator = auth_class(config=config)
    out["authenticator"]["class"] = f"{auth_class.__module__}.{auth_class.__qualname__}"
    for trait in (
        "client_id",
        "client_secret",
        "oauth_callback_url",
        "authorize_url",
        "token_url",
        "userdata_url",
        "scope",
        "username_claim",
        "login_service",
        "manage_groups",
        "allowed_groups",
        "admin_users",
        "allowed_users",
        "enable_auth_state",
        "allowed_organizations",
        "populate_teams_in_auth_state",
        "password",
    ):
        if authenticator.has_trait(trait):
            out["authenticator"][trait] = jsonable(getattr(authenticator, trait))
    # Group membership: the authenticator's get_user_groups on given auth states...
    out["authenticator"]["groups"] = {}
    for case in scenario.get("authStates", []):
        out["authenticator"]["groups"][case["label"]] = sorted(await authenticator.get_user_groups(case["auth_state"]))
    # ...and, for OAuth logins, the whole post-token path of the real authenticator (username
    # claim, auth state, managed groups, admin) with only the HTTP call to the provider replaced.
    out["authenticator"]["logins"] = {}
    for case in scenario.get("logins", []):
        userinfo = case["userinfo"]

        async def token_to_user(token_info, userinfo=userinfo):
            return userinfo

        authenticator.token_to_user = token_to_user
        model = await authenticator._token_to_auth_model({"access_token": "test-token", "token_type": "Bearer"})
        out["authenticator"]["logins"][case["label"]] = {
            "name": model["name"],
            "groups": sorted(model.get("groups") or []),
            "admin": model.get("admin"),
            "allowed": bool(await authenticator.check_allowed(model["name"], model)),
        }

    # KubeSpawner with the loaded config, for each fake user, running the config's hooks.
    from jupyterhub.utils import maybe_future
    from kubespawner import KubeSpawner

    for case in scenario["users"]:
        user = fake_user(case["name"], case["groups"])
        spawner = KubeSpawner(config=config, user=user, _mock=True)
        result = {}
        try:
            await maybe_future(spawner.run_pre_spawn_hook())
            result["pre_spawn_hook"] = "ok"
        except Exception as e:  # the hook's refusal is part of what is checked
            result["pre_spawn_hook"] = f"refused: {e}"
        profiles = spawner.profile_list(spawner) if callable(spawner.profile_list) else spawner.profile_list
        result["profiles"] = jsonable(profiles)
        if profiles:
            spawner.user_options = {"profile": case["profile"]} if case.get("profile") else {}
            try:
                await spawner.load_user_options()
                result["loaded"] = {
                    "namespace": spawner.namespace,
                    "image": spawner.image,
                    "cpu_guarantee": spawner.cpu_guarantee,
                    "cpu_limit": spawner.cpu_limit,
                    "mem_guarantee": spawner.mem_guarantee,
                    "mem_limit": spawner.mem_limit,
                    "node_selector": jsonable(spawner.node_selector),
                    "extra_resource_limits": jsonable(spawner.extra_resource_limits),
                    "extra_labels": jsonable(spawner.extra_labels),
                    "environment": jsonable(spawner.environment),
                    "expanded_env": jsonable(spawner._expand_env(spawner.environment)),
                    "cmd": jsonable(spawner.cmd),
                }
                # What the notebook container runs: KubeSpawner's own pod manifest.
                pod = await spawner.get_pod_manifest()
                container = pod.spec.containers[0]
                result["loaded"]["container"] = {"command": jsonable(container.command), "args": jsonable(container.args)}
            except Exception as e:
                result["loaded"] = f"error: {type(e).__name__}: {e}"
        result["settings"] = {
            "enable_user_namespaces": spawner.enable_user_namespaces,
            "uid": spawner.uid,
            "fs_gid": spawner.fs_gid,
            "start_timeout": spawner.start_timeout,
            "http_timeout": spawner.http_timeout,
            "default_url": spawner.default_url,
            "cmd": jsonable(spawner.cmd),
            "storage_pvc_ensure": spawner.storage_pvc_ensure,
            "storage_capacity": spawner.storage_capacity,
            "storage_class": spawner.storage_class,
            "init_containers": jsonable(spawner.init_containers),
            "pvc_name": spawner.pvc_name,
            "volumes": jsonable(spawner.volumes),
            "volume_mounts": jsonable(spawner.volume_mounts),
            "delete_pvc": spawner.delete_pvc,
            "automount_service_account_token": spawner.automount_service_account_token,
            "pre_spawn_hook": getattr(spawner.pre_spawn_hook, "__name__", None),
            "post_stop_hook": getattr(spawner.post_stop_hook, "__name__", None),
            "modify_pod_hook": getattr(spawner.modify_pod_hook, "__name__", None),
            "server_token_scopes": jsonable(spawner.server_token_scopes),
        }
        out["users"][case["name"]] = result

    print(json.dumps(out, indent=2, sort_keys=True))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
