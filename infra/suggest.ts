/**
 * "Did you mean ...?" for a misspelt setting or value. Hand-written because it is one small
 * function (an edit distance over short words, case ignored) and the npm packages for it
 * would add a dependency to the program for twenty lines.
 */

/**
 * Edit distance (insertions, deletions, substitutions, and swaps of two neighbours, the usual
 * typo) between `a` and `b`: the optimal-string-alignment form of Damerau-Levenshtein.
 */
export function editDistance(a: string, b: string): number {
    const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            row[j] = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                row[j] = Math.min(row[j], rows[i - 2][j - 2] + 1);
            }
        }
        rows.push(row);
    }
    return rows[a.length][b.length];
}

/**
 * The candidate nearest to `word` when it is a near miss: case aside, at most a third of its
 * letters (and at least one) wrong. Undefined when nothing is that close, or two are equally close.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    const limit = Math.max(1, Math.floor(word.length / 3));
    let best: string | undefined;
    let bestDistance = Infinity;
    let tie = false;
    for (const c of candidates) {
        const d = editDistance(word.toLowerCase(), c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
            tie = false;
        } else if (d === bestDistance) {
            tie = true;
        }
    }
    return best !== undefined && bestDistance <= limit && !tie ? best : undefined;
}
