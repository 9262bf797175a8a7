// @sluice/cli (placeholder until its issue lands)
export const PACKAGE = '@sluice/cli';
