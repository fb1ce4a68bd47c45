import { Agent, fetch } from "undici";

/** A Kubernetes API error answer: the method, path, status and the server's message. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    body: string,
  ) {
    super(`${method} ${path}: ${status} ${body.slice(0, 500)}`);
    this.name = "KubeApiError";
  }
}

/** The few fields of an object's metadata the tests read. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: Array<{ kind: string; name: string; uid: string }>;
}

/** An object as the API server returns it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** A list answer. */
export interface KubeList<T = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string };
}

/**
 * A small client of a real Kubernetes API server for the tests and the pod bridge: bearer token,
 * the server's own CA, JSON in and out. Not a general client: the paths are the REST paths
 * (`/api/v1/namespaces/x/pods`).
 */
export class KubeApi {
  private readonly agent: Agent;

  constructor(
    readonly server: string,
    private readonly token: string,
    ca: string,
  ) {
    this.agent = new Agent({ connect: { ca }, keepAliveTimeout: 2_000 });
  }

  /** The object or list at `path`; throws {@link KubeApiError} on a non-2xx answer. */
  async get<T = KubeObject>(path: string): Promise<T> {
    return (await this.call("GET", path)) as T;
  }

  /** The object at `path`, or undefined when the server answers 404. */
  async find<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Creates `body` in the collection at `path`. */
  async create<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return (await this.call("POST", path, body, "application/json")) as T;
  }

  /** A strategic-merge patch (JSON merge patch for custom resources: pass `type`). */
  async patch<T = KubeObject>(
    path: string,
    body: unknown,
    type = "application/strategic-merge-patch+json",
  ): Promise<T> {
    return (await this.call("PATCH", path, body, type)) as T;
  }

  /** Deletes the object at `path`; a 404 is not an error. */
  async delete(path: string): Promise<void> {
    try {
      await this.call("DELETE", path);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async call(method: string, path: string, body?: unknown, type?: string): Promise<unknown> {
    const res = await fetch(`${this.server}${path}`, {
      method,
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: "application/json",
        ...(type ? { "content-type": type } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new KubeApiError(method, path, res.status, text);
    // Health paths (/readyz) answer plain text.
    return res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as unknown) : text;
  }
}
