import { RateProviderError } from '../rate';

export interface FetchTextOptions {
  timeoutMs: number;
  /** Answers larger than this are refused (default 1 MiB): a rates document is a few kilobytes. */
  maxBytes?: number;
  accept?: string;
}

/**
 * GETs `url` and returns the body as text. The whole exchange (connection, headers and body) must finish
 * within `timeoutMs`; a non-2xx status, a network error, a timeout or an oversized body is a
 * RateProviderError of its own kind, so that the caller can report why the rates are ageing.
 */
export async function fetchText(url: string, options: FetchTextOptions): Promise<string> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const timeout = () =>
    new RateProviderError('timeout', `no complete answer from ${url} within ${options.timeoutMs} ms`);
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        signal: controller.signal,
        headers: { accept: options.accept ?? '*/*' },
        redirect: 'follow',
      });
    } catch (e) {
      if (controller.signal.aborted) throw timeout();
      throw new RateProviderError('unavailable', `GET ${url} failed: ${describe(e)}`);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new RateProviderError('http-status', `GET ${url} answered ${response.status}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      const reader = response.body?.getReader();
      for (;;) {
        if (!reader) break;
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new RateProviderError('too-large', `the answer of ${url} exceeds ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof RateProviderError) throw e;
      if (controller.signal.aborted) throw timeout();
      throw new RateProviderError('unavailable', `reading the answer of ${url} failed: ${describe(e)}`);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    clearTimeout(timer);
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
}
