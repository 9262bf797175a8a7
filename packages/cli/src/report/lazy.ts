// The heavy packages load only in the commands that use them, so `--help`, usage errors and
// an unreachable Redis answer fast (@sluice/results brings prom-client).

export const loadResults = () => import('@sluice/results');
export const loadClaim = () => import('@sluice/claim');
