/** The cost bench's table (pure: figures in, markdown lines out). */
import { COST_GOALS, coreCapacityMiBps, mibpsCell, multipleVerdict, PathFigures, shareOf, shareVerdict, spread } from "./measure";

/** Figures of one layout, as ./cost.ts measures them. */
export interface LayoutRow {
    layout: { name: string };
    traefikGomaxprocs?: number;
    direct: PathFigures;
    traefik: PathFigures;
    haproxy: PathFigures;
    relay: PathFigures;
}

const cpuCell = (p: PathFigures) => (p.cpuPerGiB === undefined ? "" : `${p.cpuPerGiB.toFixed(2)} s`);
const capacityCell = (p: PathFigures) => (p.cpuPerGiB === undefined ? "" : `${coreCapacityMiBps(p.cpuPerGiB).toFixed(0)} MiB/s`);
/** How busy the relay kept one core at its median throughput. */
const busyCell = (p: PathFigures) => (p.cpuPerGiB === undefined ? "" : `${((p.cpuPerGiB * spread(p.mibps).median * 100) / 1024).toFixed(0)} %`);

/** The table: each path in each layout, then the goals against the own-core layout (the last). */
export function costTable(rows: LayoutRow[], mib: number, traefikVersion: string): string[] {
    const lines = [
        `| cost per byte: bulk ${mib} MiB client -> scheduler, TLS passthrough | throughput min / median / max | relay CPU per GiB | one relay core at that cost | relay's core busy | share of direct |`,
        "| --- | --- | --- | --- | --- | --- |",
    ];
    for (const r of rows) {
        const paths: [string, PathFigures][] = [
            ["direct", r.direct],
            [`Traefik ${traefikVersion} (GOMAXPROCS ${r.traefikGomaxprocs ?? "?"})`, r.traefik],
            ["HAProxy (SNI, passthrough)", r.haproxy],
            ["plain relay (splice, one name)", r.relay],
        ];
        for (const [label, p] of paths) {
            const share = p === r.direct ? "" : `${(shareOf(p.mibps, r.direct.mibps) * 100).toFixed(0)} %`;
            lines.push(`| ${r.layout.name}: ${label} | ${mibpsCell(p.mibps)} | ${cpuCell(p)} | ${capacityCell(p)} | ${busyCell(p)} | ${share} |`);
        }
    }
    const own = rows[rows.length - 1];
    lines.push(
        "",
        "| cost goal (own core layout) | figure | goal | met |",
        "| --- | --- | --- | --- |",
        `| Traefik's share of direct | ${(shareOf(own.traefik.mibps, own.direct.mibps) * 100).toFixed(1)} % | >= ${COST_GOALS.shareOfDirect * 100} % | ${shareVerdict(shareOf(own.traefik.mibps, own.direct.mibps), COST_GOALS.shareOfDirect)} |`,
        `| Traefik's CPU per GiB / HAProxy's | ${own.traefik.cpuPerGiB!.toFixed(2)} s / ${own.haproxy.cpuPerGiB!.toFixed(2)} s | <= ${COST_GOALS.ofHaproxy}x | ${multipleVerdict(own.traefik.cpuPerGiB!, own.haproxy.cpuPerGiB!, COST_GOALS.ofHaproxy)} |`,
        `| Traefik's CPU per GiB / the plain relay's | ${own.traefik.cpuPerGiB!.toFixed(2)} s / ${own.relay.cpuPerGiB!.toFixed(2)} s | reported | ${(own.traefik.cpuPerGiB! / own.relay.cpuPerGiB!).toFixed(1)}x |`,
        "",
        "CPU per GiB: the relay process's utime + stime over its transfers (one warm-up included); one relay core at that cost: 1 GiB / CPU per GiB;",
        "its core busy: CPU per GiB x median throughput. Own core, direct: the client, the scheduler and the kernel's TCP work share CPU 1; through a",
        "relay on CPU 0 part of that work moves there, so a share above 100 % says the relay is not what limits the transfer (CPU 1 is).",
    );
    return lines;
}
