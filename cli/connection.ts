/**
 * Where the CLI talks to and as whom: `--url`/REWIND_URL and `--token`/REWIND_TOKEN, with a
 * convenience for one machine: against a local Rewind and with no token given, the CLI mints
 * a short-lived admin token with the local secret (contract/local-tokens.ts), and says so.
 */
import { userInfo } from 'node:os';
import { jwtSecret, mintToken } from '../contract/local-tokens';
import { RewindClient } from './client';
import { UsageError } from './errors';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export interface ConnectionOptions {
  url?: string;
  token?: string;
}

export interface Connection {
  url: string;
  token: string;
  /** True when the token was minted here rather than given. */
  minted: boolean;
}

/** Loopback only: a token minted with the local secret means nothing anywhere else. */
export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function resolveUrl(options: ConnectionOptions, env: NodeJS.ProcessEnv): string {
  const url = options.url ?? env.REWIND_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url: '${url}' is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url: '${url}' must be http:// or https://`);
  return url.replace(/\/+$/, '');
}

/**
 * @example const { url, token } = await resolveConnection({}, process.env, (m) => console.error(m))
 */
export async function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv, notice: (message: string) => void): Promise<Connection> {
  const url = resolveUrl(options, env);
  const given = options.token ?? env.REWIND_TOKEN;
  if (given) return { url, token: given, minted: false };
  if (!isLocalUrl(url)) throw new UsageError(`no token for ${url}: pass --token or set REWIND_TOKEN`);
  const { secret, isDefault } = jwtSecret(env);
  const sub = localSubject();
  const token = await mintToken(secret, { sub, roles: ['admin'], mfa: true, expiresIn: '1h' });
  notice(`note: no token given; acting as '${sub}' (admin), minted with ${isDefault ? 'the development default secret' : 'REWIND_JWT_SECRET'} for this local Rewind`);
  return { url, token, minted: true };
}

export async function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv, notice: (message: string) => void): Promise<RewindClient> {
  const { url, token } = await resolveConnection(options, env, notice);
  return new RewindClient({ url, token });
}

/** The audit log records this `sub`: the OS user, so local actions are still attributable. */
function localSubject(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local:cli';
  }
}
