import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HTCondorWorkerArgs } from "./dask-config";
import type { DEFAULT_WORKER_IMAGE, TOKEN_INIT_IMAGE } from "./version";
import type { SecretsMadeBy } from "../kept-secrets";

/** One group that submits to the pool. */
export interface HTCondorGroupArgs {
    /** Group name (a DNS label); its objects go to the namespace `<facility>-<name>`. Required. */
    name: string;
    /** HTCondor accounting group of the group's jobs (`accounting_group`). Default none; required when the pool sets `requireAccountingGroup`. */
    accountingGroup?: string;
    /** Token identity. Default `<name>@<trustDomain>`. */
    identity?: string;
    /** The group's IDTOKEN when tokens are `provided` (a Pulumi secret). Default none. */
    token?: pulumi.Input<string>;
    /** What each Dask worker job asks for and where it runs. Default 1 core, 4096 MiB memory and disk, `python3` in the vanilla universe. */
    worker?: HTCondorWorkerArgs;
}

/** Tokens handed in as secrets (`groups[].token`). */
export interface ProvidedTokens {
    source: "provided";
}

/** Tokens minted here from the pool's signing key. */
export interface MintedTokens {
    source: "mint";
    /** Base64 of the signing key file as it lies on the central manager (still scrambled). A Pulumi secret. Required. */
    signingKey?: pulumi.Input<string>;
    /** Key id (`kid`): `POOL` for SEC_TOKEN_POOL_SIGNING_KEY_FILE, else a file name in SEC_PASSWORD_DIRECTORY. Default `POOL`. */
    keyId?: string;
    /** Lifetime in days (`exp`). Default: no expiry. */
    lifetimeDays?: number;
    /** `iat` in seconds since the epoch. Default: the time of the first `pulumi up`, kept in state. */
    issuedAt?: number;
}

/** Tokens created on the central manager with `condor_token_create` over SSH. */
export interface RemoteTokens {
    source: "remote";
    /** SSH connection to the central manager (a user allowed to run condor_token_create). Required. */
    connection: command.types.input.remote.ConnectionArgs;
    /** Key id (`-key`). Default `POOL`. */
    keyId?: string;
    /** Lifetime in days (`-lifetime`). Default: no expiry. */
    lifetimeDays?: number;
}

/**
 * Tokens the site keeps in the cluster itself: each group's IDTOKEN in a Secret of the group
 * namespace named `htcondor-<pool>-token`, under the key `<pool>` (the pool's resource name).
 * The program declares no token and holds none.
 */
export interface SiteTokens {
    source: "site";
}

/** How group tokens are obtained. */
export type TokenSource = ProvidedTokens | MintedTokens | RemoteTokens | SiteTokens;

/** Settings shared by both modes. */
interface PoolCommonArgs {
    /** The facility name; group namespaces are `<facility>-<group>`. Required. */
    facility: string;
    /** Groups that submit to this pool. Required, at least one. */
    groups: HTCondorGroupArgs[];
    /** Refuse groups without an accounting group. Default false. */
    requireAccountingGroup?: boolean;
    /** Image of the notebooks' init step that installs the group's tokens (needs `sh` and `install`). Default the catalogue's pinned busybox, {@link TOKEN_INIT_IMAGE}. */
    tokenInitImage?: string;
    /** Image of the groups' container-universe workers that name no `image` of their own (`worker.universe: container`). Default the catalogue's worker image, {@link DEFAULT_WORKER_IMAGE}; a facility passes its `images.worker`. */
    workerImage?: string;
}

/** A pool run elsewhere; the facility only submits to it. */
export interface ExternalPoolArgs extends PoolCommonArgs {
    mode: "external";
    /** Central manager (collector) host, optionally `host:port`. Required. */
    collector: string;
    /** The access point: its host and, when different, its schedd name. Required. */
    schedd: {
        /** Host name of the access point (its schedd's machine). Required. */
        host: string;
        /** The schedd's name, when it is not the host name. Default the host name. */
        name?: string;
    };
    /** The pool's trust domain (`iss` of its tokens). Required. */
    trustDomain: string;
    /** UID domain. Default the trust domain. */
    uidDomain?: string;
    /** How group tokens are obtained. Required. */
    tokens: TokenSource;
}

/** Execute nodes of an in-cluster pool. */
export interface HTCondorExecuteArgs {
    /** Replicas of the execute Deployment. Default 1. */
    replicas?: number;
    /** Upper bound on replicas. Default 16. */
    maxReplicas?: number;
    /** CPUs each execute pod advertises and requests. Default 1. */
    cpus?: number;
    /** Memory each execute pod advertises and requests, MiB. Default 4096. */
    memoryMiB?: number;
}

/** A small pool deployed in the cluster: central manager, access point and execute nodes. */
export interface InClusterPoolArgs extends PoolCommonArgs {
    mode: "in-cluster";
    /** Namespace of the pool's daemons (it must exist). Required. */
    namespace: string;
    /** Trust domain. Default the central manager Service's cluster DNS name. */
    trustDomain?: string;
    /** Image tag of the official images. Default the pinned {@link HTCONDOR_IMAGE_TAG}. */
    imageTag?: string;
    /** Images per role. Default the catalogue's pinned images (`UPSTREAM_IMAGES.htcondorCm`, `.htcondorSubmit`, `.htcondorExecute`), tagged `imageTag` when one is given. */
    images?: {
        /** Image of the central manager (collector, negotiator). */
        cm?: string;
        /** Image of the access point (schedd). */
        submit?: string;
        /** Image of the execute nodes (startd). */
        execute?: string;
    };
    /** Execute nodes. Default 1 replica of 1 CPU, 4096 MiB. */
    execute?: HTCondorExecuteArgs;
    /** Token lifetime in days. Default: no expiry. */
    tokenLifetimeDays?: number;
    /** `iat` of minted tokens. Default: the time of the first `pulumi up`, kept in state. */
    issuedAt?: number;
    /**
     * Who makes the signing key and the tokens. `program`: random values and tokens minted in the
     * program (in Pulumi state and a render). `cluster`: made at the facility hub's first start by
     * its keeper (see {@link poolKeptSecrets}); the pool declares no key and no token. Default `program`.
     */
    secretsMadeBy?: SecretsMadeBy;
}

/** Arguments of {@link HTCondorPool}; `mode` decides which resources exist. */
export type HTCondorPoolArgs = ExternalPoolArgs | InClusterPoolArgs;
