/**
 * streambus-infra: StreamBus clusters as code.
 *
 * The package's public names; each folder re-exports its own from its `index.ts`.
 */
export {};
