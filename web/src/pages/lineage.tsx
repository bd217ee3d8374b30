/**
 * Lineage, read from the version records and the pointers (issue 12): source → versions of
 * views → models. Four pages, each one API call, each linking to the others:
 *   #/lineage                    pick a view, a source URI or a model
 *   #/lineage/views/<view>       GET /lineage/views/{view}: each version's upstream and downstream
 *   #/lineage/sources/<uri>      GET /lineage/sources?uri=: every version that read it, which serve now
 *   #/lineage/models/<model>     GET /lineage/models/{model}: the views and versions it consumes
 */
import { Fragment, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, path } from '../api';
import { Loading, Section, useLoad, when } from '../components/common';
import type { ModelLineage, SourceLineage, ViewLineage } from '../types';

export type LineageRoute = { kind: 'home' } | { kind: 'view' | 'source' | 'model'; name: string };

export const lineageHref = {
  view: (view: string) => `#/lineage/views/${encodeURIComponent(view)}`,
  source: (uri: string) => `#/lineage/sources/${encodeURIComponent(uri)}`,
  model: (model: string) => `#/lineage/models/${encodeURIComponent(model)}`,
};

/** `#/lineage…` as a route; undefined for any other hash. */
export function lineageRoute(hash: string): LineageRoute | undefined {
  if (!/^#\/lineage(\/|$|\?)/.test(hash)) return undefined;
  const m = /^#\/lineage\/(views|sources|models)\/([^?]+)/.exec(hash);
  if (!m) return { kind: 'home' };
  return { kind: m[1] === 'views' ? 'view' : m[1] === 'sources' ? 'source' : 'model', name: decodeURIComponent(m[2]!) };
}

function Links({ items, href, testid, empty = 'none' }: { items: readonly string[]; href: (s: string) => string; testid: string; empty?: string }) {
  if (items.length === 0) return <span class="muted">{empty}</span>;
  return (
    <ul class="links" data-testid={testid}>
      {items.map((i) => (
        <li key={i}>
          <a href={href(i)} data-name={i}>
            {i}
          </a>
        </li>
      ))}
    </ul>
  );
}

function Served({ served }: { served: 'stable' | 'candidate' | null }) {
  return served ? <span class={`badge served-${served}`}>served: {served}</span> : <span class="muted">not served</span>;
}

function ViewVersion({ view, version }: { view: string; version: number }) {
  return (
    <>
      <a href={lineageHref.view(view)}>{view}</a> v{version}
    </>
  );
}

function Page({ title, kind, children, back = true }: { title: string; kind: string; children: ComponentChildren; back?: boolean }) {
  return (
    <>
      {back ? (
        <p>
          <a href="#/lineage">← Lineage</a>
        </p>
      ) : null}
      <h1>
        <span class="muted">{kind}</span> {title}
      </h1>
      {children}
    </>
  );
}

function ViewLineagePage({ view }: { view: string }) {
  const loaded = useLoad(() => api<ViewLineage>(path`/lineage/views/${view}`), view);
  return (
    <Page title={view} kind="Lineage of view">
      <p>
        <a href={`#/views/${encodeURIComponent(view)}`}>Open the view {view}</a>
      </p>
      <Loading loaded={loaded}>
        {(l) => {
          const served = l.versions.filter((v) => v.served);
          const sources = [...new Set(served.flatMap((v) => v.upstream.sources.map((s) => s.uri)))].sort();
          return (
            <>
              <dl class="served">
                <dt>Served now</dt>
                <dd>{served.length ? served.map((v) => `v${v.version} (${v.served})`).join(', ') : 'nothing'}</dd>
                <dt>Read from</dt>
                <dd>
                  <Links items={sources} href={lineageHref.source} testid="served-sources" />
                </dd>
                <dt>Feeds the models</dt>
                <dd>
                  <Links items={l.models} href={lineageHref.model} testid="served-models" empty="none declared" />
                </dd>
              </dl>
              <Section title="Per version" id="versions">
                <table data-testid="lineage-versions">
                  <caption class="muted">Upstream (sources, transformation) and downstream (models, artifacts) of each version, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Served</th>
                      <th scope="col">Sources</th>
                      <th scope="col">Transformation</th>
                      <th scope="col">Models</th>
                      <th scope="col">Artifacts</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...l.versions]
                      .sort((a, b) => b.version - a.version)
                      .map((v) => (
                        <tr key={v.version} data-version={v.version}>
                          <th scope="row">
                            v{v.version}
                            <div class="muted">{when(v.createdAt)}</div>
                            <div class="muted">key {v.joinKey}</div>
                          </th>
                          <td>
                            <Served served={v.served} />
                          </td>
                          <td>
                            {v.upstream.sources.length ? (
                              <ul class="links" data-testid="sources">
                                {v.upstream.sources.map((s) => (
                                  <li key={s.uri}>
                                    <a href={lineageHref.source(s.uri)} data-name={s.uri}>
                                      {s.uri}
                                    </a>
                                    {s.checksum ? <div class="muted mono">{s.checksum}</div> : null}
                                    {s.ingestedAt ? <div class="muted">ingested {when(s.ingestedAt)}</div> : null}
                                  </li>
                                ))}
                              </ul>
                            ) : (
                              <span class="muted">none declared</span>
                            )}
                          </td>
                          <td>
                            {v.upstream.transformation ? (
                              <>
                                {v.upstream.transformation.kind} <code>{v.upstream.transformation.ref}</code>
                                {v.upstream.transformation.codeSha256 ? <div class="muted mono">code {v.upstream.transformation.codeSha256.slice(0, 12)}</div> : null}
                                {v.upstream.transformation.columnLineage ? (
                                  <details>
                                    <summary>column lineage</summary>
                                    <ul>
                                      {Object.entries(v.upstream.transformation.columnLineage).map(([feature, inputs]) => (
                                        <li key={feature}>
                                          {feature} ←{' '}
                                          {inputs.map((i, k) => (
                                            <Fragment key={k}>
                                              {k ? ', ' : ''}
                                              <a href={lineageHref.source(i.source)}>{i.source}</a>.{i.field}
                                            </Fragment>
                                          ))}
                                        </li>
                                      ))}
                                    </ul>
                                  </details>
                                ) : null}
                              </>
                            ) : (
                              <span class="muted">none declared</span>
                            )}
                          </td>
                          <td>
                            <Links items={v.downstream.models} href={lineageHref.model} testid="models" />
                          </td>
                          <td>{v.downstream.artifacts.length ? v.downstream.artifacts.map((a) => `${a.name} (${a.kind}, ${a.tier})`).join(', ') : <span class="muted">none</span>}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </Section>
            </>
          );
        }}
      </Loading>
    </Page>
  );
}

function SourceLineagePage({ uri }: { uri: string }) {
  const loaded = useLoad(() => api<SourceLineage>(`/lineage/sources?uri=${encodeURIComponent(uri)}`), uri);
  return (
    <Page title={uri} kind="Lineage of source">
      <Loading loaded={loaded}>
        {(l) => (
          <>
            <dl class="served">
              <dt>Checksums seen</dt>
              <dd class="mono">{l.source.checksums.length ? l.source.checksums.join(', ') : <span class="muted">none recorded</span>}</dd>
              <dt>Served now by</dt>
              <dd data-testid="served-now">
                {l.servedNow.length ? (
                  <ul class="links">
                    {l.servedNow.map((s) => (
                      <li key={`${s.view}#${s.version}`} data-view={s.view} data-version={s.version}>
                        <ViewVersion view={s.view} version={s.version} /> ({s.served})
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span class="muted">nothing served reads it</span>
                )}
              </dd>
              <dt>Feeds the models</dt>
              <dd>
                <Links items={l.models} href={lineageHref.model} testid="served-models" empty="none (through what is served now)" />
              </dd>
            </dl>
            <Section title="Every version that read it" id="readers">
              {l.versions.length ? (
                <table data-testid="source-versions">
                  <thead>
                    <tr>
                      <th scope="col">View and version</th>
                      <th scope="col">Served</th>
                      <th scope="col">Checksum read</th>
                      <th scope="col">Models</th>
                    </tr>
                  </thead>
                  <tbody>
                    {l.versions.map((v) => (
                      <tr key={`${v.view}#${v.version}`} data-view={v.view} data-version={v.version}>
                        <th scope="row">
                          <ViewVersion view={v.view} version={v.version} />
                        </th>
                        <td>
                          <Served served={v.served} />
                        </td>
                        <td class="mono">{v.checksum ?? <span class="muted">none recorded</span>}</td>
                        <td>
                          <Links items={v.consumers} href={lineageHref.model} testid="models" />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="muted">No version of any view declares this source.</p>
              )}
            </Section>
          </>
        )}
      </Loading>
    </Page>
  );
}

function ModelLineagePage({ model }: { model: string }) {
  const loaded = useLoad(() => api<ModelLineage>(path`/lineage/models/${model}`), model);
  return (
    <Page title={model} kind="Lineage of model">
      <Loading loaded={loaded}>
        {(l) => (
          <>
            <dl class="served">
              <dt>Consumes, served now</dt>
              <dd data-testid="served-now">
                {l.servedNow.length ? (
                  <ul class="links">
                    {l.servedNow.map((s) => (
                      <li key={`${s.view}#${s.version}`} data-view={s.view} data-version={s.version}>
                        <ViewVersion view={s.view} version={s.version} /> ({s.served})
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span class="muted">nothing it consumes is served now</span>
                )}
              </dd>
              <dt>Whose sources are</dt>
              <dd>
                <Links items={l.sources} href={lineageHref.source} testid="served-sources" />
              </dd>
            </dl>
            <Section title="Every version that declares it a consumer" id="consumed">
              {l.versions.length ? (
                <table data-testid="model-versions">
                  <thead>
                    <tr>
                      <th scope="col">View and version</th>
                      <th scope="col">Served</th>
                      <th scope="col">Join key</th>
                      <th scope="col">Sources</th>
                    </tr>
                  </thead>
                  <tbody>
                    {l.versions.map((v) => (
                      <tr key={`${v.view}#${v.version}`} data-view={v.view} data-version={v.version}>
                        <th scope="row">
                          <ViewVersion view={v.view} version={v.version} />
                        </th>
                        <td>
                          <Served served={v.served} />
                        </td>
                        <td>{v.joinKey}</td>
                        <td>
                          <Links items={v.sources.map((s) => s.uri)} href={lineageHref.source} testid="sources" empty="none declared" />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="muted">No version of any view names this model as a consumer.</p>
              )}
            </Section>
          </>
        )}
      </Loading>
    </Page>
  );
}

function LineageHome() {
  const views = useLoad(() => api<{ views: { view: string; stable: number | null }[] }>('/views'), 'views');
  const [source, setSource] = useState('');
  const [model, setModel] = useState('');
  const go = (href: string) => (location.hash = href);
  return (
    <Page title="" kind="Lineage" back={false}>
      <p class="muted">Where a view's data comes from and which models read it, per version, and what of it is served now.</p>
      <Section title="From a source" id="by-source">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            if (source.trim()) go(lineageHref.source(source.trim()));
          }}
        >
          <label>
            Source URI <input name="source" size={50} placeholder="s3://bucket/path" value={source} onInput={(e) => setSource((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <button type="submit">Who read it</button>
        </form>
      </Section>
      <Section title="From a model" id="by-model">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            if (model.trim()) go(lineageHref.model(model.trim()));
          }}
        >
          <label>
            Model <input name="model" value={model} onInput={(e) => setModel((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <button type="submit">What it consumes</button>
        </form>
      </Section>
      <Section title="From a view" id="by-view">
        <Loading loaded={views}>{({ views: list }) => <Links items={list.map((v) => v.view)} href={lineageHref.view} testid="lineage-views" empty="no views yet" />}</Loading>
      </Section>
    </Page>
  );
}

export function LineagePage({ route }: { route: LineageRoute }) {
  switch (route.kind) {
    case 'home':
      return <LineageHome />;
    case 'view':
      return <ViewLineagePage view={route.name} />;
    case 'source':
      return <SourceLineagePage uri={route.name} />;
    case 'model':
      return <ModelLineagePage model={route.name} />;
  }
}
