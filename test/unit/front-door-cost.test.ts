/** The front-door cost bench's pure parts: /proc stat parsing, the arithmetic, HAProxy's config, the table. */
import { haproxyConfig } from "../../bench/front-door/anchors";
import { coreCapacityMiBps, cpuCount, cpuPerGiB, multipleVerdict, shareOf, shareVerdict, spread, statCpuTicks, syscallShare } from "../../bench/front-door/measure";
import { costTable, LayoutRow } from "../../bench/front-door/report";

describe("statCpuTicks", () => {
    test("utime + stime, counted from the end of the command name (which may hold spaces and parentheses)", () => {
        const stat = "4242 (traefik (x) y) S 1 4242 4242 0 -1 4194560 1200 0 0 0 731 129 0 0 20 0 9 0 5000 123 456";
        expect(statCpuTicks(stat)).toBe(731 + 129);
    });
    test("a line that is not a stat line says so", () => {
        expect(() => statCpuTicks("nonsense")).toThrow(/not a \/proc\/<pid>\/stat line/);
        expect(() => statCpuTicks("1 (x) S 1")).toThrow(/no utime\/stime/);
    });
});

describe("arithmetic", () => {
    test("CPU per GiB, and what one core carries at that cost", () => {
        expect(cpuPerGiB(1.5, 1536)).toBeCloseTo(1.0);
        expect(coreCapacityMiBps(0.5)).toBe(2048);
        expect(coreCapacityMiBps(0)).toBe(Infinity);
    });
    test("spread and shares use the median", () => {
        expect(spread([3, 1, 2])).toEqual({ min: 1, median: 2, p99: 3, max: 3 });
        expect(() => spread([])).toThrow();
        expect(shareOf([90, 80, 100], [100, 110, 90])).toBeCloseTo(0.9);
        expect(shareVerdict(0.9, 0.9)).toBe("90 % yes");
        expect(shareVerdict(0.77, 0.9)).toBe("77 % NO");
        expect(multipleVerdict(1.2, 1, 1.5)).toBe("1.20x yes");
        expect(multipleVerdict(2, 1, 1.5)).toBe("2.00x NO");
    });
    test("CPU counts of taskset lists", () => {
        expect(cpuCount("0")).toBe(1);
        expect(cpuCount("0-1")).toBe(2);
        expect(cpuCount("0,2-4")).toBe(4);
    });
});

test("HAProxy routes the one name by SNI, passthrough, in TCP mode", () => {
    const cfg = haproxyConfig({ listen: "10.244.0.5:9786", backend: "10.244.0.9:8786", sni: "bench.dask.example.org" });
    expect(cfg).toContain("mode tcp");
    expect(cfg).toContain("bind 10.244.0.5:9786");
    expect(cfg).toContain("tcp-request content accept if { req_ssl_hello_type 1 }");
    expect(cfg).toContain("use_backend scheduler if { req_ssl_sni -i bench.dask.example.org }");
    expect(cfg).toContain("server scheduler 10.244.0.9:8786");
    expect(cfg).not.toMatch(/\bssl\b|crt /);
});

test("the cost table: each path in each layout, and the goals judged on the own-core layout", () => {
    const row = (name: string, scale: number): LayoutRow => ({
        layout: { name },
        traefikGomaxprocs: 1,
        direct: { mibps: [300, 300, 300] },
        traefik: { mibps: [250 * scale, 280 * scale, 290 * scale], cpuPerGiB: 1.0 },
        haproxy: { mibps: [290, 295, 300], cpuPerGiB: 0.5 },
        relay: { mibps: [300, 300, 300], cpuPerGiB: 0.25 },
    });
    const lines = costTable([row("shared", 0.5), row("own core", 1)], 256, "v3.6.12");
    expect(lines.filter((l) => /^\| (shared|own core): /.test(l))).toHaveLength(8);
    expect(lines.find((l) => l.startsWith("| own core: Traefik"))).toBe("| own core: Traefik v3.6.12 (GOMAXPROCS 1) | 250 / 280 / 290 MiB/s | 1.00 s | 1024 MiB/s | 27 % | 93 % |");
    expect(lines.find((l) => l.startsWith("| Traefik's share of direct"))).toContain("93 % yes");
    expect(lines.find((l) => l.startsWith("| Traefik's CPU per GiB / HAProxy's"))).toContain("2.00x NO");
    expect(lines.find((l) => l.startsWith("| Traefik's CPU per GiB / the plain relay's"))).toContain("4.0x");
});

test("the share of a profile's samples spent in system calls", () => {
    const top = [
        "Duration: 3.01s, Total samples = 1.20s (40%)",
        "      flat  flat%   sum%        cum   cum%",
        "     900ms 75.00% 75.00%      900ms 75.00%  internal/runtime/syscall/linux.Syscall6",
        "     0.06s  5.00% 80.00%      0.06s  5.00%  syscall.RawSyscall6",
        "     240ms 20.00%   100%      240ms 20.00%  runtime.memmove",
    ].join("\n");
    expect(syscallShare(top)).toBeCloseTo(0.8);
    expect(syscallShare("no profile")).toBeUndefined();
});
