/** The edge's typed route facts: paths, upstreams and per-location limits, decided once in prepare/edge/. */
/** A per-client request rate limit of the edge (nginx `limit_req`; ingress-nginx `limit-rps`/`limit-rpm`). */
export interface RateLimit {
  /** nginx zone name: one zone per class of limit. */
  readonly zone: string;
  /** Requests per `unit`. */
  readonly rate: number;
  readonly unit: 'r/s' | 'r/m';
  /** Requests over the rate served at once (no delay) before the 429s start. */
  readonly burst: number;
}

/**
 * One edge location of a route: its own prefix, or a sub-path with its own policy (the stricter
 * sign-in limit, Socket.IO, content-hashed assets). Decided once in prepare/edge; the nginx edge and
 * the Kubernetes Ingress objects both print these numbers.
 */
export interface EdgeLocationFacts {
  /** `route`: the route's own prefix; the others are sub-paths of it. */
  readonly purpose: 'route' | 'socket.io' | 'auth' | 'assets';
  /** Public path prefix, e.g. `/api/auth/`. */
  readonly path: string;
  /** What replaces `path` on the way to the service (equal to `path`: passed through). */
  readonly upstreamPath: string;
  /** WebSocket upgrade, long-lived and unbuffered. */
  readonly websocket: boolean;
  readonly limit?: RateLimit;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Replaces the upstream's Cache-Control (on cacheable status codes). */
  readonly cacheControl?: string;
  /** Idle timeout for reading the upstream's response (and sending to it), in seconds. */
  readonly readTimeoutSeconds: number;
}

export interface Route {
  /** Unique among routes (Kubernetes Ingress name): the service, or `<service>-<path slug>`. */
  readonly name: string;
  /** Edge path prefix, e.g. `/api/`. */
  readonly path: string;
  readonly service: string;
  readonly port: number;
  /** What replaces `path` on the way to the service (`/` strips it; equal to `path` passes it through). */
  readonly upstreamPath: string;
  /** `upstreamPath !== path` (the GitMesh API has no /api prefix of its own). */
  readonly stripPrefix: boolean;
  /** Socket.IO is also served at `<path>socket.io/`. */
  readonly websocket: boolean;
  /** The whole path is a Socket.IO endpoint. */
  readonly socketIo: boolean;
  /** The catalog's limit class; the numbers are in `locations`. */
  readonly rateLimit: 'api' | 'webhook' | 'none';
  readonly healthPath?: string;
  /** The edge locations of this route, most specific first (prepare/edge decides them). */
  readonly locations: readonly EdgeLocationFacts[];
}
