// The fake Rust side of the owner's terms (IEEE 7012 agreements) and of the measurement budget:
// the `terms`, `set_default_terms`, `measure_settings` and `set_measure_settings` commands, and
// the model of crates/core/src/terms.rs that the requests fake (requests-brands-activity.js) uses
// to propose terms for a request and to check the owner's choice when approving it. The model is
// window.__FAKE_BUTLER_TERMS__; this file sorts before the others, so it is there when they load.
//
// State it adds (a test's __FAKE_BUTLER_INIT__ may replace any of it):
//   termsDefault: the owner's default agreement id ('SD-BASE')
//   measure: { epsilon_per_answer, budget_per_period } (ln 3 and 4 ln 3: four answers a month)
(() => {
  const NAMESPACE = 'https://w3id.org/dpv/standards/p7012#';
  /** From the strictest: each level permits what the ones before it do, and more. */
  const LEVELS = [
    ['SD-BASE', 'only to deliver the service; no analytics, tracking or profiling, nothing shared'],
    ['SD-BASE-A', 'to deliver the service and analyse its use; no tracking or profiling, nothing shared'],
    ['SD-BASE-AT', 'to deliver the service, analyse and track its use; no profiling, nothing shared'],
    ['SD-BASE-ATP', 'to deliver the service, analyse, track and profile; nothing shared'],
    ['SD-BASE-ATP-S3P', 'to deliver the service, analyse, track and profile, and share fully anonymised data'],
  ];
  /** The level each purpose needs. */
  const NEEDS = {
    'deliver-service': 0,
    measure: 1,
    'personalize-content': 3,
    'recommend-products': 3,
    'personalize-offers': 3,
    contact: 3,
  };

  /** { level, portability } of an id, or null for one Butler does not offer. */
  function parse(id) {
    if (typeof id !== 'string') return null;
    const portability = id.endsWith('-DP');
    const base = portability ? id.slice(0, -3) : id;
    const level = LEVELS.findIndex(([known]) => known === base);
    return level === -1 ? null : { level, portability };
  }
  const idOf = ({ level, portability }) => `${LEVELS[level][0]}${portability ? '-DP' : ''}`;

  /** Every agreement, strictest first (at each level, the one with portability first). */
  const all = () => LEVELS.flatMap((_, level) => [true, false].map((portability) => idOf({ level, portability })));

  /** An AgreementView. */
  function view(id) {
    const a = parse(id);
    const portability = a.portability ? '; and you can take your data with you' : '';
    return { id, iri: `${NAMESPACE}${id}`, description: `The brand may use your data ${LEVELS[a.level][1]}${portability}.` };
  }

  const needed = (purposes) => Math.max(0, ...purposes.map((p) => NEEDS[p] ?? 3));
  const fits = (id, purposes) => parse(id).level >= needed(purposes);

  /** The owner's agreement for purposes: the default if it permits them, else the strictest that does. */
  function owners(defaultId, purposes) {
    if (fits(defaultId, purposes)) return defaultId;
    return idOf({ level: needed(purposes), portability: parse(defaultId).portability });
  }

  /** What to propose for purposes to a brand that declared `accepted` (null: it declared none). */
  function propose(defaultId, purposes, accepted) {
    const agreement = owners(defaultId, purposes);
    if (accepted == null) return { agreement, standing: 'unstated' };
    if (accepted.includes(agreement)) return { agreement, standing: 'accepted' };
    const fitting = all().filter((id) => accepted.includes(id) && fits(id, purposes));
    return { agreement, standing: 'mismatch', fitting };
  }

  /** A request's TermsView. */
  function termsView(defaultId, purposes, accepted) {
    const proposal = propose(defaultId, purposes, accepted);
    return {
      proposed: view(proposal.agreement),
      standing: proposal.standing,
      brand_accepts: accepted == null ? null : accepted.map(view),
      choices: all().filter((id) => fits(id, purposes) && (accepted == null || accepted.includes(id))).map(view),
    };
  }

  /**
   * The agreement a grant binds the brand to: the owner's choice (`chosen`, an id) or, for null,
   * the proposal for the purposes granted. Throws as the Rust side fails: `invalid_value` (field
   * `agreement`) for an unknown id, `terms` for one that does not permit the purposes or that the
   * brand does not accept.
   */
  function choose(defaultId, purposes, accepted, chosen) {
    if (chosen != null && !parse(chosen)) {
      throw {
        code: 'invalid_value',
        message: `\`${chosen}\` is not an IEEE 7012 agreement Butler offers (SD-BASE, SD-BASE-A, SD-BASE-AT, SD-BASE-ATP, SD-BASE-ATP-S3P, each also with -DP)`,
        field: 'agreement',
      };
    }
    const proposal = propose(defaultId, purposes, accepted);
    const agreement = chosen ?? proposal.agreement;
    if (!fits(agreement, purposes)) {
      const need = idOf({ level: needed(purposes), portability: false });
      throw { code: 'terms', message: `owner's terms: ${agreement} does not permit what the grant's purposes do; they need ${need} or a less strict one` };
    }
    if (accepted != null && !accepted.includes(agreement)) {
      const hint =
        proposal.standing === 'mismatch' && proposal.fitting.length > 0
          ? `; choose one of ${proposal.fitting.join(', ')} with --terms, or narrow the purposes`
          : '; narrow the purposes, or deny';
      throw {
        code: 'terms',
        message: `owner's terms: the brand accepts only ${accepted.join(', ')}, not ${agreement}: the request cannot be approved as is${hint}`,
      };
    }
    return agreement;
  }

  window.__FAKE_BUTLER_TERMS__ = { all, view, parse, owners, termsView, choose };

  (window.__FAKE_BUTLER_PLUGINS__ ??= []).push(({ state, requireUnlocked }) => {
    Object.assign(state, {
      termsDefault: 'SD-BASE',
      measure: { epsilon_per_answer: Math.log(3), budget_per_period: 4 * Math.log(3) },
    });

    const invalid = (field, message) => {
      throw { code: 'invalid_value', message, field };
    };

    const termsSettings = () => ({ default: view(state.termsDefault), agreements: all().map(view) });

    /** The MeasureSettingsView of crates/core/src/measure.rs (yes/no answers: two categories). */
    function measureView() {
      const { epsilon_per_answer, budget_per_period } = state.measure;
      const answers_per_period = Math.floor(budget_per_period / epsilon_per_answer + 1e-9);
      const truth_probability = Math.exp(epsilon_per_answer) / (1 + Math.exp(epsilon_per_answer));
      return {
        epsilon_per_answer,
        budget_per_period,
        answers_per_period,
        truth_probability,
        in_words:
          `Brands can learn about people like you, not about you. Each brand gets at most ${answers_per_period} noisy ` +
          `answers a month; each yes/no answer is true only ${(100 * truth_probability).toFixed(0)}% of the time, so no ` +
          'single one can be relied on.',
      };
    }

    return {
      terms: () => {
        requireUnlocked();
        return termsSettings();
      },

      set_default_terms: ({ agreement }) => {
        requireUnlocked();
        if (!parse(agreement)) {
          invalid('agreement', `\`${agreement}\` is not an IEEE 7012 agreement Butler offers (SD-BASE, SD-BASE-A, SD-BASE-AT, SD-BASE-ATP, SD-BASE-ATP-S3P, each also with -DP)`);
        }
        state.termsDefault = agreement;
        return termsSettings();
      },

      measure_settings: () => {
        requireUnlocked();
        return measureView();
      },

      set_measure_settings: ({ epsilon_per_answer: e, budget_per_period: b }) => {
        requireUnlocked();
        if (!(typeof e === 'number' && e >= 0.01 && e <= 5)) invalid('epsilon_per_answer', 'from 0.01 to 5');
        if (!(typeof b === 'number' && b >= e && b <= 50)) {
          invalid('budget_per_period', `from one answer's epsilon (${e.toFixed(2)}) to 50`);
        }
        state.measure = { epsilon_per_answer: e, budget_per_period: b };
        return measureView();
      },
    };
  });
})();
