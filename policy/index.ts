import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

/**
 * The StreamBus policy pack (CrossGuard): `pulumi preview --policy-pack policy` after
 * `npm run build`. The engine starts it through policy/PulumiPolicy.yaml and
 * policy/package.json, whose `main` is this file compiled (dist/policy/index.js). Constructing
 * the pack starts the analyzer's gRPC server, so tests import ./policies instead.
 */
new PolicyPack("streambus", { policies });
