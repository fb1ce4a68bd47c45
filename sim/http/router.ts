import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { ApiError, invalid, notFound } from "../errors";

/** What a handler sees of a request. */
export interface RequestContext {
  /** The broker serving the request (0 on the control port). */
  brokerId: number;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
}

/** What a handler answers: JSON, or text with its content type. */
export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
}

/** A route's handler. */
export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

interface Route {
  method: string;
  parts: string[];
  op: string;
  handler: Handler;
}

/** A JSON reply. */
export const json = (status: number, body: unknown): Reply => ({ status, body });

/**
 * A small path router on `node:http`: patterns like `/admin/brokers/:id/drain`, a name per
 * route (the `op` label of the metrics), `404 not_found` for unknown paths and `405` for a
 * known path with another method.
 */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route. */
  on(method: string, pattern: string, op: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split("/").filter(Boolean), op, handler });
    return this;
  }

  /** Finds the route of a request, or throws the contract's error for it. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    const segs = path.split("/").filter(Boolean);
    let pathKnown = false;
    for (const route of this.routes) {
      if (route.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      const ok = route.parts.every((part, i) => {
        const seg = segs[i] ?? "";
        if (part.startsWith(":")) {
          params[part.slice(1)] = decodeURIComponent(seg);
          return true;
        }
        return part === seg;
      });
      if (!ok) continue;
      if (route.method === method) return { route, params };
      pathKnown = true;
    }
    if (pathKnown) throw new ApiError(405, "invalid_request", `${method} is not allowed on ${path}`);
    throw notFound(`no such endpoint: ${method} ${path}`);
  }

  /** The op label of a request, for metrics, without running it. */
  opOf(method: string, path: string): string {
    try {
      return this.match(method, path).route.op;
    } catch {
      return "unknown";
    }
  }
}

/** Reads a JSON body (at most 1 MiB); an empty body is `undefined`. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 2 ** 20) throw invalid("request body over 1 MiB");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalid("request body is not valid JSON");
  }
}

/** Checks a body against its contract schema; `400 invalid_request` with the issues if it fails. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw invalid(
      `invalid request body: ${issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; ")}`,
      {
        issues,
      },
    );
  }
  return result.data;
}

/** A positive integer path parameter, such as a broker id. */
export function idParam(ctx: RequestContext, name = "id"): number {
  const raw = ctx.params[name] ?? "";
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0)
    throw invalid(`${name} must be a positive integer`);
  return n;
}

/** Writes a reply. */
export function send(res: ServerResponse, reply: Reply): void {
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { "content-type": reply.contentType ?? "text/plain; charset=utf-8" });
    res.end(reply.text);
    return;
  }
  const body = reply.body === undefined ? "" : JSON.stringify(reply.body);
  res.writeHead(reply.status, { "content-type": "application/json" });
  res.end(body);
}

/** Turns anything thrown into a reply: the contract's error body, `500 internal` for surprises. */
export function errorReply(err: unknown): Reply {
  if (err instanceof ApiError) return json(err.status, err.body());
  const message = err instanceof Error ? err.message : String(err);
  return json(500, { error: "internal", message });
}
