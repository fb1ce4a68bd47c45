/** The generated Grafana dashboard. */
export { grafanaDashboard, renderDashboardJson } from "./grafana";
export type { Dashboard, DashboardOptions, Panel } from "./grafana";
