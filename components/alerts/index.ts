/** The runbook's six alert rules, written once and rendered three ways. */
export { ALERT_NAMES, DEFAULT_ALERT_SETTINGS, RULE_GROUP_NAME, alertRules } from "./rules";
export type { AlertRule, AlertSettings } from "./rules";
export { prometheusRuleSpec, renderRulesFile, ruleGroups } from "./render";
export type { RuleGroups } from "./render";
