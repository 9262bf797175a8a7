// @sluice/claim (placeholder until its issue lands)
export const PACKAGE = '@sluice/claim';
