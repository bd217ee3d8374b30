/** The versions with status and validation report, and a side-by-side diff of two of them. */
import { useState } from 'preact/hooks';
import type { VersionView } from '../types';
import { when } from './common';

export function VersionsTable({ versions }: { versions: VersionView[] }) {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  return (
    <table data-testid="versions">
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Status</th>
          <th scope="col">Validation</th>
          <th scope="col">Deployed</th>
          <th scope="col">Report</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((v) => (
          <tr key={v.version} data-version={v.version}>
            <th scope="row">v{v.version}</th>
            <td data-testid="status">{v.status}</td>
            <td>{v.validation ? `${v.validation.status}${v.validation.baselineVersion ? ` against v${v.validation.baselineVersion}` : ''}` : '—'}</td>
            <td>
              {when(v.createdAt)} by {v.createdBy}
            </td>
            <td>
              {v.validation?.findings.length ? (
                <details>
                  <summary>{v.validation.findings.length} findings</summary>
                  <ul>
                    {v.validation.findings.map((f, i) => (
                      <li key={i}>
                        <strong>{f.level}</strong> {f.check}
                        {f.feature ? ` on ${f.feature}` : ''}
                        {f.value !== undefined ? `: ${f.value}` : ''}
                        {f.threshold !== undefined ? ` (threshold ${f.threshold})` : ''}
                      </li>
                    ))}
                  </ul>
                </details>
              ) : (
                <span class="muted">no findings</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What a diff compares: what a person reviewing a change reads. */
function comparable(v: VersionView): string[] {
  const { code: _code, ...transformation } = v.transformation ?? ({} as NonNullable<VersionView['transformation']>);
  return JSON.stringify(
    { definition: v.definition, transformation: v.transformation ? transformation : null, sources: v.sources, consumers: v.consumers, consumerFeatures: v.consumerFeatures ?? {} },
    null,
    2,
  ).split('\n');
}

export function VersionDiff({ versions }: { versions: VersionView[] }) {
  const numbers = versions.map((v) => v.version).sort((a, b) => b - a);
  const [left, setLeft] = useState(numbers[1] ?? numbers[0]);
  const [right, setRight] = useState(numbers[0]);
  if (numbers.length === 0) return <p class="muted">No versions.</p>;
  const a = versions.find((v) => v.version === left);
  const b = versions.find((v) => v.version === right);
  const la = a ? comparable(a) : [];
  const lb = b ? comparable(b) : [];
  const rows = Math.max(la.length, lb.length);
  const pick = (label: string, value: number | undefined, set: (n: number) => void) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => set(Number((e.target as HTMLSelectElement).value))}>
        {numbers.map((n) => (
          <option key={n} value={n}>
            v{n}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <p>
        {pick('Left', left, setLeft)} {pick('Right', right, setRight)}
      </p>
      <table class="diff" data-testid="diff">
        <thead>
          <tr>
            <th scope="col">v{left}</th>
            <th scope="col">v{right}</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, i) => (
            <tr key={i} class={la[i] !== lb[i] ? 'changed' : undefined}>
              <td>
                <pre>{la[i] ?? ''}</pre>
              </td>
              <td>
                <pre>{lb[i] ?? ''}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
