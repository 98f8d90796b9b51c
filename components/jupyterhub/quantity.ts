/** Kubernetes resource quantities: validation and conversion to the numbers KubeSpawner takes. */

const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** True when `value` is a non-negative Kubernetes quantity (`500m`, `2`, `8Gi`, `1e3`). */
export function isQuantity(value: unknown): value is string {
    return typeof value === "string" && QUANTITY.test(value);
}

/** The number a quantity stands for (`500m` -> 0.5, `1Gi` -> 1073741824). */
export function quantityValue(value: string): number {
    const m = QUANTITY.exec(value);
    if (!m) {
        throw new Error(`"${value}" is not a Kubernetes quantity`);
    }
    const suffix = m[3] ?? "";
    const number = parseFloat(m[1]);
    if (/^[eE]/.test(suffix)) {
        return number * 10 ** parseInt(suffix.slice(1), 10);
    }
    return number * SUFFIX[suffix];
}

/** Bytes of a memory quantity, rounded up to a whole byte. */
export function quantityBytes(value: string): number {
    return Math.ceil(quantityValue(value));
}
