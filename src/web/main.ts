/**
 * The dashboard's entry point: the login form, the hash router (#/, #/service/NAME,
 * #/deployment/ID), the live stream that re-reads the page shown when an entry is written, and
 * the ticker of running steps' elapsed time.
 */
import './app.css';
import { notice, say } from './actions.js';
import { ApiError, call, stream, token } from './api.js';
import { deploymentPage } from './deployment-page.js';
import { h, span } from './dom.js';
import { finishSignIn, isCallback, signIn, type OidcLogin } from './oidc-login.js';
import { servicePage } from './service-page.js';
import { servicesPage } from './services-page.js';
import type { Whoami } from './types.js';

const root = document.getElementById('app')!;
const view = h('main', { id: 'view' });
const connection = h('span', { class: 'connection', role: 'status' });
const filter = { text: '' };
let me: Whoami | null = null;
let live: AbortController | null = null;

/** How this daemon lets the login form sign in: a token always, OIDC where configured. */
let login: Promise<OidcLogin | null> | null = null;
const loginOptions = (): Promise<OidcLogin | null> =>
  (login ??= call<{ oidc: OidcLogin | null }>('GET', '/api/login').then(
    (r) => r.oidc,
    () => ((login = null), null),
  ));

const failure = (err: unknown) => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));

function showLogin(message = ''): void {
  live?.abort();
  me = null;
  const input = h('input', {
    type: 'password',
    id: 'token',
    name: 'token',
    autocomplete: 'off',
    required: true,
    'aria-label': 'API token',
  });
  const form = h(
    'form',
    { class: 'login', onsubmit: (e: Event) => (e.preventDefault(), token.set(input.value), void start()) },
    h('h1', {}, 'Orbit'),
    h('label', { for: 'token' }, 'API token (orbit token create, or an OIDC token)'),
    input,
    message && h('p', { class: 'error', role: 'alert' }, message),
    h('button', { type: 'submit', class: 'primary' }, 'Log in'),
  );
  root.replaceChildren(form);
  input.focus();
  void loginOptions().then((oidc) => {
    if (!oidc || !form.isConnected) return;
    const sso = h(
      'button',
      {
        type: 'button',
        class: 'sso',
        onclick: () =>
          void signIn(oidc).catch((err: unknown) => showLogin(`sign-in failed: ${failure(err)}`)),
      },
      `Sign in with ${new URL(oidc.issuer).host}`,
    );
    form.append(h('p', { class: 'or' }, 'or'), sso);
  });
}

/** Back from the issuer: the ID token it gave is this tab's bearer token. */
async function finishOidc(): Promise<void> {
  try {
    const oidc = await loginOptions();
    if (!oidc) throw new Error('this daemon has no OIDC login configured');
    token.set(await finishSignIn(oidc));
  } catch (err) {
    history.replaceState(null, '', `${location.pathname}${location.hash}`);
    return showLogin(`sign-in failed: ${failure(err)}`);
  }
  await start();
}

async function start(): Promise<void> {
  try {
    me = await call<Whoami>('GET', '/api/whoami');
  } catch (err) {
    token.clear();
    showLogin(failure(err));
    return;
  }
  const theme = h(
    'button',
    {
      type: 'button',
      'aria-label': 'Switch theme',
      onclick: () => setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'),
    },
    'Theme',
  );
  const logout = h('button', { type: 'button', onclick: () => (token.clear(), showLogin()) }, 'Log out');
  root.replaceChildren(
    h(
      'header',
      {},
      h('a', { href: '#/', class: 'brand' }, 'Orbit'),
      connection,
      h('span', { class: 'who' }, me.name),
      theme,
      logout,
    ),
    notice,
    view,
  );
  void render();
  void connect();
}

function setTheme(t: 'dark' | 'light'): void {
  document.documentElement.dataset.theme = t;
  localStorage.setItem('orbit-theme', t);
}

let rendering: Promise<void> | null = null;
let again = false;
/** Re-reads and redraws the page shown; an update during a redraw redraws once more after it. */
async function render(): Promise<void> {
  if (rendering) {
    again = true;
    return;
  }
  rendering = (async () => {
    if (!me) return;
    // A redraw's cost, read and drawn, as a User Timing measure (bench/dashboard-browser.ts reads it).
    const t0 = performance.now();
    const [, page, arg = ''] = location.hash.split('/');
    const active = document.activeElement;
    const focused = active?.id;
    const caret = active instanceof HTMLInputElement ? active.selectionStart : null;
    try {
      const el =
        page === 'service'
          ? await servicePage(decodeURIComponent(arg), me)
          : page === 'deployment'
            ? await deploymentPage(decodeURIComponent(arg), me)
            : await servicesPage(filter);
      view.replaceChildren(el);
      performance.measure('orbit-redraw', { start: t0 });
      // Observers see it; the page's buffer keeps none (it stays open for days).
      performance.clearMeasures('orbit-redraw');
      const refocus = focused ? document.getElementById(focused) : null;
      refocus?.focus();
      if (refocus instanceof HTMLInputElement && caret !== null) refocus.setSelectionRange(caret, caret);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return showLogin(`${err.code}: ${err.message}`);
      view.replaceChildren(
        h('p', { class: 'error' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
      );
    }
  })();
  await rendering;
  rendering = null;
  if (again) {
    again = false;
    await render();
  }
}

/** Keeps the live stream open; says when it is lost and reconnects every 2 s. */
async function connect(): Promise<void> {
  live?.abort();
  const ctl = (live = new AbortController());
  while (!ctl.signal.aborted) {
    try {
      await stream(
        () => {
          connection.textContent = 'live';
          connection.className = 'connection live';
          void render();
        },
        () => void render(),
        ctl.signal,
      );
    } catch {
      // Said below; the loop retries.
    }
    if (ctl.signal.aborted) return;
    connection.textContent = 'connection lost: reconnecting…';
    connection.className = 'connection lost';
    await new Promise((r) => setTimeout(r, 2000));
  }
}

// A running step's elapsed time ticks without a round trip.
setInterval(() => {
  for (const el of document.querySelectorAll<HTMLElement>('[data-since]'))
    el.textContent = span(Date.now() - Date.parse(el.dataset.since!));
}, 1000);

window.addEventListener('hashchange', () => {
  say('', 'ok');
  void render();
});
setTheme(
  (localStorage.getItem('orbit-theme') as 'dark' | 'light' | null) ??
    (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'),
);
if (isCallback()) void finishOidc();
else if (token.get()) void start();
else showLogin();
