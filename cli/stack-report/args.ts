import { UsageError } from "../errors";

/** A Pulumi stack name as `--stack` takes it (`staging`, `org/project/staging`). */
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/;

/** The value of a flag naming a stack; a `UsageError` naming the flag when it is missing or malformed. */
export function stackFlag(values: Record<string, string | boolean | undefined>, flag: string): string {
  const value = values[flag];
  if (typeof value !== "string" || value === "")
    throw new UsageError(`--${flag} STACK is required (the stack's name, as \`pulumi stack ls\` shows it)`);
  if (!STACK_NAME.test(value))
    throw new UsageError(
      `--${flag} must be a stack name (letters, digits, "-", "_", ".", "/"): got ${JSON.stringify(value)}`,
    );
  return value;
}
