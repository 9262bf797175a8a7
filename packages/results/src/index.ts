// @sluice/results (placeholder until its issue lands)
export const PACKAGE = '@sluice/results';
