/**
 * The StreamBus admin API client: undici underneath, every answer checked against the
 * contract's zod schemas, one error hierarchy, retries only where they are safe.
 */
export * from "./errors";
export * from "./options";
export * from "./retry";
export * from "./http";
export * from "./broker-client";
export * from "./cluster";
