/**
 * bindery's one HTTP retry policy, as a `fetch` the platforms' clients are given: retries with
 * exponential backoff on 5xx, on 429 (honouring `Retry-After`) and on connection resets (a reply
 * whose body breaks off is read in full here, so a reset mid-body is retried too); never on other
 * 4xx. It also counts the request bytes it sends, for the publish report.
 */
export interface RetryPolicy {
  /** Attempts per request, the first included (default 5). */
  attempts?: number;
  /** First backoff delay in ms, doubled per retry (default 250). */
  baseDelayMs?: number;
  /** The longest wait honoured from a Retry-After header, in ms (default 60 s). */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CountingFetch {
  fetch: typeof fetch;
  /** Request body bytes sent, retries included. */
  readonly bytesSent: number;
  /** File content sent: bodies of PUT requests and octet-stream uploads (LFS objects and parts, release assets). */
  readonly payloadBytes: number;
  /** Adds file content sent inside another request (a regular file inlined in a Hub commit). */
  addPayload(bytes: number): void;
  /** Requests made, retries included. */
  readonly requests: number;
  /** Retries made (attempts beyond the first). */
  readonly retries: number;
}

/** bindery's policy, with BINDERY_RETRY_BASE_MS (tests, rehearsals) shortening the first backoff. */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const base = Number(env.BINDERY_RETRY_BASE_MS);
  return env.BINDERY_RETRY_BASE_MS && Number.isFinite(base) && base >= 0 ? { baseDelayMs: base } : {};
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function bodySize(body: unknown): number | undefined {
  if (body === undefined || body === null) return 0;
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof Blob) return body.size;
  if (body instanceof URLSearchParams) return Buffer.byteLength(body.toString());
  return undefined; // a stream: sent once, not retried
}

/** Seconds or an HTTP date, as ms from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function retryingFetch(policy: RetryPolicy = {}, base: typeof fetch = fetch): CountingFetch {
  const attempts = policy.attempts ?? 5;
  const baseDelay = policy.baseDelayMs ?? 250;
  const maxRetryAfter = policy.maxRetryAfterMs ?? 60_000;
  const sleep = policy.sleep ?? defaultSleep;
  const counters = { bytesSent: 0, payloadBytes: 0, requests: 0, retries: 0 };

  const wrapped = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    // A Request object carries its body once; rebuild it per attempt from a buffered copy.
    const request = input instanceof Request ? input : undefined;
    const size = request ? (request.body === null ? 0 : undefined) : bodySize(init?.body);
    const retriable = size !== undefined || (request !== undefined && request.body === null);
    for (let attempt = 1; ; attempt += 1) {
      counters.requests += 1;
      counters.bytesSent += size ?? 0;
      const method = (request?.method ?? init?.method ?? "GET").toUpperCase();
      const type = new Headers(request?.headers ?? init?.headers).get("content-type") ?? "";
      if (method === "PUT" || type.startsWith("application/octet-stream")) counters.payloadBytes += size ?? 0;
      let response: Response;
      try {
        response = await base(request ? request.clone() : input, init);
        if ((response.status >= 500 || response.status === 429) && retriable && attempt < attempts) {
          await response.arrayBuffer().catch(() => undefined);
          const wait = response.status === 429 ? (retryAfterMs(response.headers.get("retry-after")) ?? baseDelay * 2 ** (attempt - 1)) : baseDelay * 2 ** (attempt - 1);
          counters.retries += 1;
          await sleep(Math.min(wait, maxRetryAfter));
          continue;
        }
        // Read the whole body now: a reset mid-body surfaces here, where it can be retried.
        const body = response.status === 204 || response.status === 304 ? null : await response.arrayBuffer();
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      } catch (error) {
        if (!retriable || attempt >= attempts || (error as Error)?.name === "AbortError") throw error;
        counters.retries += 1;
        await sleep(baseDelay * 2 ** (attempt - 1));
      }
    }
  };
  return {
    fetch: wrapped as typeof fetch,
    get bytesSent() {
      return counters.bytesSent;
    },
    get payloadBytes() {
      return counters.payloadBytes;
    },
    addPayload(bytes: number) {
      counters.payloadBytes += bytes;
    },
    get requests() {
      return counters.requests;
    },
    get retries() {
      return counters.retries;
    },
  };
}
