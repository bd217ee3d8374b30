/**
 * Uploading a large data file to the presigned URL that `POST /uploads` hands out, streamed
 * from disk with a byte count for the progress bar.
 *
 * node:http rather than fetch: a streamed fetch body goes out with chunked transfer
 * encoding, which S3 refuses on a presigned PUT (it wants Content-Length). Here the length
 * comes from stat() and the file is piped through a counting transform, so memory stays
 * flat however large the file is.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Presets, SingleBar } from 'cli-progress';
import { bytes as formatBytes, ms as formatMs } from './format';

/** What an upload reports as it goes; the CLI draws a bar, tests count calls. */
export interface UploadProgress {
  start(totalBytes: number, label: string): void;
  update(sentBytes: number): void;
  /** Called once, also when the upload failed (`ok: false`). */
  stop(result: { bytes: number; ms: number; ok: boolean }): void;
}

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UploadError';
  }
}

/**
 * PUT the file's raw bytes to `uploadUrl`.
 *
 * @example await uploadFile(ticket.uploadUrl, 'users.parquet', { progress: terminalProgress(process.stderr) })
 */
export async function uploadFile(uploadUrl: string, path: string, options: { progress?: UploadProgress; timeoutMs?: number } = {}): Promise<{ bytes: number; ms: number }> {
  const { size } = await stat(path);
  const started = performance.now();
  const progress = options.progress;
  progress?.start(size, basename(path));
  let sent = 0;
  let ok = false;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      sent += chunk.length;
      progress?.update(sent);
      done(null, chunk);
    },
  });

  const url = new URL(uploadUrl);
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'PUT',
    headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
    timeout: options.timeoutMs ?? 600_000,
  });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
    request.once('timeout', () => request.destroy(new UploadError(`the upload of ${basename(path)} timed out`)));
  });
  // A failed request also rejects `answered`; mark it handled so only one error surfaces.
  answered.catch(() => undefined);

  try {
    await pipeline(createReadStream(path), counter, request);
    const response = await answered;
    const body = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new UploadError(`the upload of ${basename(path)} was refused (${status}${s3Reason(body)})`, status);
    ok = true;
  } catch (error) {
    if (error instanceof UploadError) throw error;
    throw new UploadError(`the upload of ${basename(path)} failed: ${(error as Error).message}`, undefined, { cause: error });
  } finally {
    progress?.stop({ bytes: sent, ms: performance.now() - started, ok });
  }
  return { bytes: size, ms: performance.now() - started };
}

/**
 * A progress bar on a terminal, one summary line anywhere else (CI logs, pipes), always on
 * `stream` (stderr) so that `--json` output on stdout stays clean.
 */
export function terminalProgress(stream: NodeJS.WriteStream): UploadProgress {
  if (!stream.isTTY) return summaryLine(stream);
  let bar: SingleBar | undefined;
  let total = 0;
  let began = 0;
  return {
    start(totalBytes, label) {
      total = totalBytes;
      began = performance.now();
      bar = new SingleBar(
        {
          stream,
          format: `uploading ${label} |{bar}| {percentage}% {sent}/{size} ({rate}/s)`,
          hideCursor: true,
          clearOnComplete: false,
          barsize: 30,
        },
        Presets.shades_classic,
      );
      bar.start(totalBytes, 0, { sent: formatBytes(0), size: formatBytes(totalBytes), rate: formatBytes(0) });
    },
    update(sent) {
      const seconds = Math.max(0.001, (performance.now() - began) / 1000);
      bar?.update(sent, { sent: formatBytes(sent), size: formatBytes(total), rate: formatBytes(Math.round(sent / seconds)) });
    },
    stop() {
      bar?.stop();
    },
  };
}

function summaryLine(stream: NodeJS.WritableStream): UploadProgress {
  let label = '';
  return {
    start(_total, name) {
      label = name;
    },
    update() {},
    stop({ bytes, ms, ok }) {
      if (ok) stream.write(`uploaded ${label}: ${formatBytes(bytes)} in ${formatMs(ms)}\n`);
    },
  };
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** S3 answers errors in XML: `<Code>…</Code><Message>…</Message>`. */
function s3Reason(body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return code || message ? `: ${[code, message].filter(Boolean).join(' — ')}` : '';
}
