#!/usr/bin/env bash
# `npm test`: runs every test tier, even after an earlier one failed, prints one summary line
# per tier (time and result) and fails at the end if any tier failed.
#
# Usage: scripts/test.sh [TIER...]   (default: every tier of the list below, in order)
#
# A tier is an npm script. To add one, add its line to TIERS.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# name      npm script
TIERS=(
  "lint        lint"
  "unit        test:unit"
  "package     test:package"
  "integration test:integration"
  "live        test:live"
)

wanted=("$@")
is_wanted() {
  [ "${#wanted[@]}" -eq 0 ] && return 0
  local w
  for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done
  return 1
}
for w in "${wanted[@]}"; do
  known=""
  for t in "${TIERS[@]}"; do [ "${t%% *}" = "$w" ] && known=1; done
  [ -n "$known" ] || { echo "test: unknown tier '$w' (tiers: $(for t in "${TIERS[@]}"; do printf '%s ' "${t%% *}"; done))" >&2; exit 2; }
done

summary=()
failed=0
start=$SECONDS
for t in "${TIERS[@]}"; do
  read -r name script <<<"$t"
  is_wanted "$name" || continue
  echo "=== tier $name (npm run $script)"
  t0=$SECONDS
  if npm run --silent "$script"; then
    result=passed
  else
    result="FAILED (exit $?)"
    failed=$((failed + 1))
  fi
  summary+=("$(printf '  %-12s %5ds  %s' "$name" "$((SECONDS - t0))" "$result")")
  echo "=== tier $name: $result in $((SECONDS - t0))s"
done

echo
echo "test summary"
printf '%s\n' "${summary[@]}"
if [ "$failed" -gt 0 ]; then
  echo "test: $failed of ${#summary[@]} tiers FAILED ($((SECONDS - start))s)"
  exit 1
fi
echo "test: all ${#summary[@]} tiers passed ($((SECONDS - start))s)"
