/**
 * The StreamBus broker admin API contract (`streambus-admin-api.md`) as zod v4 schemas: every
 * request body and response, and the error body, with the TypeScript types inferred from them.
 * The admin client and the emulator both use these, so they cannot drift apart.
 *
 * Response schemas are plain (non-strict) objects: a broker may add fields and clients must
 * tolerate them.
 */
export * from "./common";
export * from "./errors";
export * from "./health";
export * from "./membership";
export * from "./partitions";
export * from "./topics";
export * from "./raft";
export * from "./metrics";
