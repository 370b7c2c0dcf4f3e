// The console's only way to the server: the public HTTP API, with a token held in this module's memory.
// The token is never written to localStorage, sessionStorage or a cookie: a reload signs the operator out.

/** One entry of a refusal's `errors`. */
export interface ErrorEntry {
  code: number;
  message: string;
}

/** A refusal from the API: its HTTP status, its first error entry, and all of them (one per field). */
export class ApiError extends Error {
  readonly entries: ErrorEntry[];
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    entries: ErrorEntry[] = [{ code, message }],
  ) {
    super(message);
    this.name = 'ApiError';
    this.entries = entries;
  }
}

/** An error as the operator reads it: the API's message and its wire code. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (code ${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

type Query = Record<string, string | number | boolean | undefined | null>;

interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as multipart/form-data (uploads). */
  form?: FormData;
}

let token: string | null = null;
const listeners = new Set<() => void>();

/** Called when the session ends (sign-out, or the server refused the token). */
export function onSessionEnd(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signOut(): void {
  token = null;
  for (const l of listeners) l();
}

export const isSignedIn = (): boolean => token !== null;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The error entries of any of the API's refusal shapes (v2, upload, token). */
function errorOf(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as { errors?: { code?: number; message?: string }[] | null; message?: string };
  const first = Array.isArray(b.errors) ? b.errors[0] : undefined;
  const code = first?.code ?? status;
  const message = first?.message ?? b.message ?? `HTTP ${status}`;
  const entries = (Array.isArray(b.errors) ? b.errors : [])
    .filter((e) => typeof e?.message === 'string')
    .map((e) => ({ code: e.code ?? status, message: e.message! }));
  return new ApiError(status, code, message, entries.length ? entries : [{ code, message }]);
}

async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  const response = await fetch(withQuery(path, options.query), { method, headers, body, cache: 'no-store' });
  if (response.status === 401 && token) signOut();
  return response;
}

/** Calls the API and answers the parsed JSON; a refusal (status ≥ 400) throws an ApiError. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw errorOf(response.status, body);
  return body as T;
}

/** Downloads a file the API serves only to signed-in clients (so a plain link would lack the token). */
export async function download(path: string, fileName: string): Promise<void> {
  const response = await send('GET', path);
  if (!response.ok) throw errorOf(response.status, await response.json().catch(() => undefined));
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Exchanges a key and secret for a token (POST /v3/oauth/token/generate); the secret is not kept. */
export async function signIn(key: string, secret: string): Promise<void> {
  const reply = await api<{ data: { accessToken: string; ttlSeconds: number } }>(
    'POST',
    '/v3/oauth/token/generate',
    { json: { key, secret } },
  );
  token = reply.data.accessToken;
}
