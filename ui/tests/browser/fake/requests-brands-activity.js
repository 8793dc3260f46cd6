// The fake Rust side of the Requests, Brands and Activity screens: pending requests, brands and
// grants, the access log, receipts, knowledge, alerts and the chain check, over sample data that
// changes as the app approves, denies, pauses and revokes.
//
// State it adds (a test's __FAKE_BUTLER_INIT__ may replace any of it):
//   brands:  [{ brand: {client_id, name, client_uri, verified}, registered_at, grants: [...] }]
//   log:     access log entries, as LogEntryView (seq ascending)
//   receipts: [{ client_id, id, grant_id, event, issued_at, jws }]
//   alerts:  AlertView[], newest first
//   chainBroken: null, or { broken_at, reason } to make verify_log fail
//   verifyDelayMs: how long verify_log takes (progress events are sent meanwhile)
//   pageLimit: at most this many entries per query_log page (to test paging with few entries)
//   brandAccepts: { client_id: the agreement ids the brand declared it accepts } (a brand left out
//            declared none); with the owner's default (agreements.js) it gives each request's terms
// `requests` (from the base fake) may hold bare `{ user_code }` objects: they are filled in from
// the sample requests below, matched by code or else by position. A request's `terms` are worked
// out when it is listed, unless the test gave them.
(window.__FAKE_BUTLER_PLUGINS__ ??= []).push(({ state, fail, requireUnlocked, emit, sleep }) => {
  const TERMS = window.__FAKE_BUTLER_TERMS__;
  const NOW = Date.now();
  const MIN = 60 * 1000;
  const HOUR = 60 * MIN;
  const DAY = 24 * HOUR;
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const PURPOSES = {
    'deliver-service': ['what the owner asked the brand for (ship an order)', 'dpv:ServiceProvision'],
    'personalize-content': ['tailor pages, content, layout', 'dpv:ServicePersonalisation'],
    'recommend-products': ["rank the brand's products for the owner", 'dpv:ProvideProductRecommendations'],
    'personalize-offers': ['choose which offers to show', 'dpv:PersonalisedAdvertising'],
    contact: ["send offers to the owner, through Butler's offer rules", 'dpv:DirectMarketing'],
    measure: ['aggregate statistics about an audience: noisy answers, never raw values', 'dpv:CommercialResearch'],
  };
  const purpose = (name) => ({ name, description: PURPOSES[name]?.[0] ?? name, dpv: PURPOSES[name]?.[1] ?? '' });

  const FIELDS = {
    birth_date: ['date of birth, YYYY-MM-DD', 'ordinary', ['exact', 'coarse', 'answer']],
    gender: ["gender, in the owner's words", 'ordinary', ['exact', 'answer']],
    language: ['preferred language, a BCP 47 tag such as en-GB', 'ordinary', ['exact']],
    'home.city': ['city or town', 'ordinary', ['exact', 'coarse']],
    'home.postcode': ['postcode', 'ordinary', ['exact', 'coarse']],
    'household.size': ['people in the household, 1 to 20', 'ordinary', ['exact', 'coarse']],
    'household.children_ages': ["children's ages, comma-separated, 0 to 25", 'ordinary', ['exact', 'coarse', 'answer']],
    'sizes.shoe': ['shoe size: EU 16-52, UK 0-17 or US 1-18 (halves allowed)', 'ordinary', ['exact']],
    'contact.email': ['e-mail address', 'contact', ['exact']],
    interests: ['interests on the Topics taxonomy or free text', 'ordinary', ['exact', 'coarse', 'answer']],
    health: ['health information (special category)', 'special', ['answer']],
  };
  const asked = (field, mode) => {
    const [description, sensitivity, modes] = FIELDS[field] ?? [field, 'ordinary', [mode]];
    return { field, description, mode, allowed_modes: modes.slice(modes.indexOf(mode)), sensitivity };
  };

  const BRAND = {
    acme: { client_id: 'cl_acme_running', name: 'Acme Running', client_uri: 'https://acme-running.example', web_origin: 'https://acme-running.example', verified: false },
    northwind: { client_id: 'cl_northwind_books', name: 'Northwind Books', client_uri: 'https://northwind-books.example', web_origin: 'https://northwind-books.example', verified: false },
    lumen: { client_id: 'cl_lumen_grocer', name: 'Lumen Grocer', client_uri: 'https://lumen-grocer.example', web_origin: 'https://lumen-grocer.example', verified: false },
    fjord: { client_id: 'cl_fjord_outdoor', name: 'Fjord Outdoor', client_uri: 'https://fjord-outdoor.example', web_origin: 'https://fjord-outdoor.example', verified: false },
    tidy: { client_id: 'cl_tidy_home', name: 'Tidy Home', client_uri: 'https://tidy-home.example', web_origin: null, verified: false },
  };
  // What each brand declared it accepts: Lumen declared nothing (unstated), Fjord accepts the
  // owner's terms for its request, Tidy Home none of them (a mismatch, with one to choose).
  const BRAND_ACCEPTS = {
    [BRAND.fjord.client_id]: ['SD-BASE', 'SD-BASE-ATP'],
    [BRAND.tidy.client_id]: ['SD-BASE-A', 'SD-BASE-ATP-S3P'],
  };
  const acceptsOf = (clientId) => state.brandAccepts[clientId] ?? null;

  // Grants made before terms existed have none (agreement: null).
  const grant = (id, brand, st, fields, purposes, createdMs, expiresMs, agreement = TERMS.owners('SD-BASE', purposes)) => ({
    id,
    client_id: brand.client_id,
    brand: brand.name,
    state: st,
    live: st === 'active',
    fields: fields.map(([field, mode]) => ({ field, mode })),
    purposes: purposes.map(purpose),
    created_at: iso(createdMs),
    expires_at: iso(expiresMs),
    rate_per_minute: 60,
    allowed_origin: null,
    agreement: agreement === null ? null : TERMS.view(agreement),
  });

  const brands = [
    {
      brand: BRAND.lumen,
      registered_at: iso(NOW - 2 * DAY),
      grants: [],
    },
    {
      brand: BRAND.acme,
      registered_at: iso(NOW - 26 * DAY),
      grants: [
        grant('gr_acme_7f3a', BRAND.acme, 'active', [['sizes.shoe', 'exact'], ['interests', 'coarse'], ['birth_date', 'coarse']],
          ['recommend-products', 'personalize-offers', 'contact'], NOW - 21 * DAY, NOW + 69 * DAY),
        grant('gr_acme_19c0', BRAND.acme, 'revoked', [['contact.email', 'exact']], ['contact'], NOW - 25 * DAY, NOW + 65 * DAY),
      ],
    },
    {
      brand: BRAND.northwind,
      registered_at: iso(NOW - 140 * DAY),
      grants: [
        grant('gr_nwb_52e1', BRAND.northwind, 'paused', [['interests', 'answer'], ['language', 'exact']],
          ['personalize-content'], NOW - 40 * DAY, NOW + 50 * DAY),
        grant('gr_nwb_0b77', BRAND.northwind, 'expired', [['household.size', 'coarse']], ['measure'],
          NOW - 130 * DAY, NOW - 40 * DAY, null),
      ],
    },
  ];

  // ~40 entries over 20 days, from a fixed seed so every run looks the same.
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const log = [];
  const add = (at, brand, grantId, endpoint, purposeName, askedFields, disclosed, withheld, outcome, note = null) => {
    log.push({
      seq: 0,
      receipt: '',
      at: iso(at),
      client_id: brand.client_id,
      brand: brand.name,
      grant_id: grantId,
      endpoint,
      purpose: purposeName,
      asked: askedFields,
      disclosed: disclosed.map(([field, mode]) => ({ field, mode })),
      withheld: withheld.map(([field, reason]) => ({ field, reason })),
      outcome,
      note,
      origin: null,
      agreement: grantId ? 'SD-BASE-ATP' : null,
    });
  };
  for (let day = 19; day >= 0; day--) {
    const base = NOW - day * DAY - 3 * HOUR;
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      const at = base - Math.floor(random() * 8 * HOUR);
      const r = random();
      if (r < 0.5) {
        add(at, BRAND.acme, 'gr_acme_7f3a', '/v1/profile', 'recommend-products', ['sizes.shoe', 'interests'],
          [['sizes.shoe', 'exact'], ['interests', 'coarse']], [], 'disclosed');
      } else if (r < 0.62) {
        add(at, BRAND.acme, 'gr_acme_7f3a', '/v1/profile', 'personalize-offers', ['birth_date', 'home.city'],
          [['birth_date', 'coarse']], [['home.city', 'not_granted']], 'narrowed');
      } else if (r < 0.7) {
        add(at, BRAND.acme, 'gr_acme_7f3a', '/v1/offers', 'contact', [], [], [], 'received', 'An offer: delivered to your inbox.');
      } else if (day > 6) {
        add(at, BRAND.northwind, 'gr_nwb_52e1', '/v1/answers', 'personalize-content', ['interests'],
          [['interests', 'answer']], [], 'disclosed');
      } else {
        add(at, BRAND.northwind, 'gr_nwb_52e1', '/v1/profile', 'personalize-content', ['language', 'interests'],
          [], [], 'refused', 'the grant is paused');
      }
    }
  }
  log.sort((a, b) => a.at.localeCompare(b.at));
  log.forEach((e, i) => {
    e.seq = 101 + i;
    e.receipt = `log-${e.seq}`;
  });

  const jws = (payload) => {
    const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    return `${b64({ alg: 'EdDSA', kid: 'butler-2026' })}.${b64(payload)}.${b64({ sig: Math.random().toString(36).slice(2) }).repeat(3)}`;
  };
  let receiptSeq = 1;
  const receipt = (client_id, grant_id, event, at) => {
    const id = `rc_${String(receiptSeq++).padStart(4, '0')}`;
    return { client_id, id, grant_id, event, issued_at: iso(at), jws: jws({ jti: id, grant: grant_id, event, iat: Math.floor(at / 1000) }) };
  };
  const receipts = [
    receipt(BRAND.acme.client_id, 'gr_acme_19c0', 'granted', NOW - 25 * DAY),
    receipt(BRAND.acme.client_id, 'gr_acme_7f3a', 'granted', NOW - 21 * DAY),
    receipt(BRAND.acme.client_id, 'gr_acme_19c0', 'revoked', NOW - 12 * DAY),
    receipt(BRAND.northwind.client_id, 'gr_nwb_0b77', 'granted', NOW - 130 * DAY),
    receipt(BRAND.northwind.client_id, 'gr_nwb_52e1', 'granted', NOW - 40 * DAY),
    receipt(BRAND.northwind.client_id, 'gr_nwb_0b77', 'expired', NOW - 40 * DAY),
    receipt(BRAND.northwind.client_id, 'gr_nwb_52e1', 'paused', NOW - 6 * DAY - 4 * HOUR),
  ];

  const spike = log.filter((e) => e.client_id === BRAND.acme.client_id).at(-4);
  const refused = log.find((e) => e.outcome === 'refused');
  const alerts = [
    {
      id: 2,
      at: spike?.at ?? iso(NOW - 3 * DAY),
      kind: 'rate_spike',
      brand: BRAND.acme.name,
      message: 'Acme Running made 42 requests in an hour, about six times its usual rate',
      seq: spike?.seq ?? null,
    },
    {
      id: 1,
      at: refused?.at ?? iso(NOW - 6 * DAY),
      kind: 'ungranted_fields',
      brand: BRAND.northwind.name,
      message: 'Northwind Books asked for home.postcode, which it was never granted',
      seq: refused?.seq ?? null,
    },
  ];

  // Sample requests, matched to a test's bare { user_code } by code, else by position.
  const SAMPLE_REQUESTS = [
    {
      user_code: 'WDJB-MJHT',
      brand: BRAND.lumen,
      fields: [
        asked('household.size', 'exact'),
        asked('household.children_ages', 'exact'),
        asked('home.postcode', 'exact'),
        asked('interests', 'exact'),
        asked('health', 'answer'),
      ],
      purposes: [purpose('recommend-products'), purpose('personalize-offers')],
      created_at: iso(NOW - 2 * MIN),
      expires_at: iso(NOW + 13 * MIN),
    },
    {
      user_code: 'QRTZ-PLMK',
      brand: BRAND.fjord,
      fields: [asked('sizes.shoe', 'exact'), asked('home.city', 'exact'), asked('language', 'exact')],
      purposes: [purpose('recommend-products')],
      created_at: iso(NOW - 6 * MIN),
      expires_at: iso(NOW + 9 * MIN),
    },
    {
      user_code: 'KTNV-RQZD',
      brand: BRAND.tidy,
      fields: [asked('household.size', 'exact'), asked('interests', 'coarse')],
      purposes: [purpose('recommend-products'), purpose('measure')],
      created_at: iso(NOW - 1 * MIN),
      expires_at: iso(NOW + 14 * MIN),
    },
  ];

  function complete(request, index) {
    if (request.brand && request.fields && request.purposes) return request;
    const sample =
      SAMPLE_REQUESTS.find((s) => s.user_code === request.user_code) ?? SAMPLE_REQUESTS[index % SAMPLE_REQUESTS.length];
    return Object.assign(request, { ...structuredClone(sample), user_code: request.user_code });
  }

  const brandEntry = (clientId) => state.brands.find((b) => b.brand.client_id === clientId);
  const allGrants = () => state.brands.flatMap((b) => b.grants);

  /** Grants past their expiry read as expired, as the Rust side reports them. */
  function refreshStates() {
    const now = Date.now();
    for (const g of allGrants()) {
      if (g.state === 'active' && Date.parse(g.expires_at) <= now) g.state = 'expired';
      g.live = g.state === 'active';
    }
  }

  function matches(entry, f) {
    const names = [...entry.asked, ...entry.disclosed.map((d) => d.field), ...entry.withheld.map((w) => w.field)];
    if (f.brand && entry.client_id !== f.brand) return false;
    if (f.purpose && entry.purpose !== f.purpose) return false;
    if (f.outcome && entry.outcome !== f.outcome) return false;
    if (f.field && !names.includes(f.field)) return false;
    if (f.since && Date.parse(entry.at) < Date.parse(f.since)) return false;
    if (f.until && Date.parse(entry.at) >= Date.parse(f.until)) return false;
    if (f.text) {
      const needle = f.text.trim().toLowerCase();
      if (!entry.brand.toLowerCase().includes(needle) && !names.some((n) => n.includes(needle))) return false;
    }
    return true;
  }

  const clone = (v) => structuredClone(v);

  // Seeded state; a test's init replaces any of it.
  Object.assign(state, { brands, log, receipts, alerts, chainBroken: null, verifyDelayMs: 250, pageLimit: null, brandAccepts: BRAND_ACCEPTS });

  /** The request as listed: its terms as the owner's default and the brand's stand make them. */
  const withTerms = (r) => ({
    ...r,
    terms: r.terms ?? TERMS.termsView(state.termsDefault, r.purposes.map((p) => p.name), acceptsOf(r.brand.client_id)),
  });

  return {
    pending_requests: () => {
      requireUnlocked();
      state.requests.forEach(complete);
      const now = Date.now();
      return clone(state.requests.filter((r) => Date.parse(r.expires_at) > now).map(withTerms));
    },

    approve_request: async ({ approval }) => {
      requireUnlocked();
      await sleep(150);
      const at = state.requests.findIndex((r) => r.user_code === approval.user_code);
      if (at === -1) fail('not_found', `no pending request with the code ${approval.user_code}`);
      const request = complete(state.requests[at], at);
      if (Date.parse(request.expires_at) <= Date.now()) fail('expired', `the request ${approval.user_code} has expired`);
      const special = new Set(approval.sensitive_consent);
      const fields = approval.fields.filter((f) => {
        const a = request.fields.find((x) => x.field === f.field);
        if (!a) fail('invalid_scope', 'an approval can only narrow what the brand asked for');
        if (!a.allowed_modes.includes(f.mode)) fail('invalid_value', `\`${f.mode}\` is more than was asked`);
        return a.sensitivity !== 'special' || special.has(f.field);
      });
      if (fields.length === 0) fail('invalid_scope', 'nothing left to grant: no field');
      if (approval.purposes.length === 0) fail('invalid_scope', 'nothing left to grant: no purpose');
      const days = approval.days ?? 90;
      if (!(days >= 1 && days <= 3650)) fail('invalid_scope', 'a grant lasts from 1 to 3650 days');
      // A mismatch with agreement null fails here: the proposal is not one the brand accepts.
      const agreement = TERMS.choose(state.termsDefault, approval.purposes, acceptsOf(request.brand.client_id), approval.agreement ?? null);
      let entry = brandEntry(request.brand.client_id);
      if (!entry) {
        entry = { brand: clone(request.brand), registered_at: request.created_at, grants: [] };
        state.brands.push(entry);
      }
      const now = Date.now();
      const g = grant(
        `gr_${Math.random().toString(16).slice(2, 14)}`,
        request.brand,
        'active',
        fields.map((f) => [f.field, f.mode]),
        approval.purposes,
        now,
        now + days * DAY,
        agreement,
      );
      if (approval.allow_origin) {
        if (!request.brand.web_origin) fail('no_web_origin', `${request.brand.name} registered no web origin (client_uri), so there is no origin to allow`);
        g.allowed_origin = request.brand.web_origin;
      }
      entry.grants.push(g);
      state.receipts.push(receipt(request.brand.client_id, g.id, 'granted', now));
      state.requests.splice(at, 1);
      emit('requests', { pending: state.requests.length });
      return clone(g);
    },

    deny_request: async ({ user_code }) => {
      requireUnlocked();
      await sleep(100);
      const at = state.requests.findIndex((r) => r.user_code === user_code);
      if (at === -1) fail('not_found', `no pending request with the code ${user_code}`);
      state.requests.splice(at, 1);
      emit('requests', { pending: state.requests.length });
      return null;
    },

    brands: () => {
      requireUnlocked();
      refreshStates();
      return clone([...state.brands].sort((a, b) => b.registered_at.localeCompare(a.registered_at)));
    },

    set_grant_status: async ({ grant_id, status }) => {
      requireUnlocked();
      await sleep(100);
      refreshStates();
      const g = allGrants().find((x) => x.id === grant_id);
      if (!g) fail('not_found', `no grant ${grant_id}`);
      if (!['active', 'paused', 'revoked'].includes(status)) {
        fail('invalid_value', `\`${status}\` is not active, paused or revoked`);
      }
      if (g.state === 'revoked') fail('conflict', `the grant ${grant_id} is revoked`);
      const event = { active: 'resumed', paused: 'paused', revoked: 'revoked' }[status];
      g.state = status;
      g.live = status === 'active';
      state.receipts.push(receipt(g.client_id, g.id, event, Date.now()));
      return clone(g);
    },

    brand_knowledge: ({ client_id }) => {
      requireUnlocked();
      refreshStates();
      const rows = new Map();
      for (const e of state.log) {
        if (e.client_id !== client_id || !e.grant_id) continue;
        for (const d of e.disclosed) {
          const key = `${d.field}|${d.mode}|${e.purpose}|${e.grant_id}`;
          const row = rows.get(key) ?? {
            field: d.field,
            mode: d.mode,
            purpose: e.purpose,
            grant_id: e.grant_id,
            grant_live: allGrants().find((g) => g.id === e.grant_id)?.live ?? false,
            first: e.at,
            last: e.at,
            times: 0,
          };
          row.times += 1;
          if (e.at < row.first) row.first = e.at;
          if (e.at > row.last) row.last = e.at;
          rows.set(key, row);
        }
      }
      return [...rows.values()];
    },

    brand_receipts: ({ client_id }) => {
      requireUnlocked();
      return clone(
        state.receipts
          .filter((r) => r.client_id === client_id)
          .sort((a, b) => b.issued_at.localeCompare(a.issued_at) || b.id.localeCompare(a.id))
          .map(({ client_id: _, ...r }) => r),
      );
    },

    query_log: ({ filter, before, limit }) => {
      requireUnlocked();
      const f = filter ?? {};
      if (f.outcome && !['disclosed', 'narrowed', 'refused', 'received'].includes(f.outcome)) {
        fail('invalid_value', `\`${f.outcome}\` is not disclosed, narrowed, refused or received`);
      }
      const n = Math.min(Math.max(limit ?? 50, 1), 500, state.pageLimit ?? 500);
      const found = [...state.log]
        .reverse()
        .filter((e) => (before == null || e.seq < before) && matches(e, f));
      const page = found.slice(0, n);
      return {
        entries: clone(page),
        next: found.length > n ? page[page.length - 1].seq : null,
        unreadable: [],
      };
    },

    log_counts: ({ days }) => {
      requireUnlocked();
      const since = new Date(Date.now() - days * DAY).toISOString().slice(0, 10);
      const rows = new Map();
      for (const e of state.log) {
        const day = e.at.slice(0, 10);
        if (day < since) continue;
        const key = `${day}|${e.client_id}|${e.outcome}`;
        const row = rows.get(key) ?? { day, client_id: e.client_id, brand: e.brand, outcome: e.outcome, requests: 0 };
        row.requests += 1;
        rows.set(key, row);
      }
      return [...rows.values()].sort((a, b) => a.day.localeCompare(b.day));
    },

    verify_log: async () => {
      requireUnlocked();
      const total = state.log.length;
      emit('progress', { task: 'verify_log', step: 'Checking the chain', done: 0, total: null });
      await sleep(state.verifyDelayMs / 2);
      emit('progress', { task: 'verify_log', step: 'Checking the chain', done: Math.floor(total / 2), total: null });
      await sleep(state.verifyDelayMs / 2);
      const checked_at = iso(Date.now());
      if (state.chainBroken) {
        return { verified: false, entries: 0, broken_at: state.chainBroken.broken_at, reason: state.chainBroken.reason, checked_at };
      }
      return { verified: true, entries: total, broken_at: null, reason: null, checked_at };
    },

    alerts: ({ limit }) => {
      requireUnlocked();
      return clone(state.alerts.slice(0, limit ?? 20));
    },
  };
});
