//! The owner's review of the access log agrees with what the API actually did: a scripted
//! session of three brands over three days, then every query, the counts and "what does this
//! brand know" checked against the responses the brands received.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::support::{Brand, InProcess};

/// What one brand saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    client_id: String,
    seq: i64,
    day: &'static str,
    status: u16,
    asked: Vec<&'static str>,
    /// Field -> mode, as the response disclosed them.
    disclosed: BTreeMap<String, String>,
}

async fn onboard(server: &InProcess, name: &str, scope: &str) -> (Brand, String, String) {
    let brand = Brand::register(&server.url, name).await;
    let (device_code, user_code) = brand.ask(scope).await;
    server.owner(&["requests", "approve", &user_code]);
    let (status, body) = brand.poll(&device_code).await;
    assert_eq!(status, 200, "{body}");
    let grants: Value = serde_json::from_str(&server.owner(&["grants", "list", "--json"])).unwrap();
    let grant =
        grants.as_array().unwrap().iter().find(|g| g["client_id"] == brand.client_id.as_str()).unwrap();
    let (token, grant_id) =
        (body["access_token"].as_str().unwrap().to_owned(), grant["grant_id"].as_str().unwrap().to_owned());
    (brand, token, grant_id)
}

fn seq_of(res_headers: &reqwest::header::HeaderMap) -> i64 {
    let receipt = res_headers.get("butler-receipt").unwrap().to_str().unwrap();
    receipt.strip_prefix("log-").unwrap().parse().unwrap()
}

async fn read(brand: &Brand, token: &str, purpose: &str, fields: &[&'static str], day: &'static str) -> Seen {
    let res = brand.read(token, purpose, &fields.join(",")).await;
    let status = res.status().as_u16();
    let seq = if status == 200 {
        seq_of(res.headers())
    } else {
        0 // refusals carry no receipt header; found in the log below
    };
    let body: Value = res.json().await.unwrap();
    let disclosed = body["fields"]
        .as_object()
        .map(|f| f.iter().map(|(k, v)| (k.clone(), v["mode"].as_str().unwrap().to_owned())).collect())
        .unwrap_or_default();
    Seen { client_id: brand.client_id.clone(), seq, day, status, asked: fields.to_vec(), disclosed }
}

fn log_pages(server: &InProcess, filter: &[&str], limit: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut args = vec!["log", "list", "--json", "--limit", limit];
        args.extend_from_slice(filter);
        if let Some(b) = &before {
            args.extend_from_slice(&["--before", b]);
        }
        let page: Value = serde_json::from_str(&server.owner(&args)).unwrap();
        out.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next"].as_i64() {
            Some(next) => before = Some(next.to_string()),
            None => return out,
        }
    }
}

fn seqs(entries: &[Value]) -> Vec<i64> {
    entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

#[tokio::test]
#[allow(clippy::too_many_lines, reason = "one scripted session, checked step by step")]
async fn every_query_and_summary_agree_with_what_the_api_disclosed() {
    let server = InProcess::start().await;
    let (trail, trail_token, _) = onboard(
        &server,
        "Trail Shoes",
        "field:birth_date:coarse field:home.country purpose:recommend-products",
    )
    .await;
    let (news, news_token, news_grant) = onboard(
        &server,
        "City News",
        "field:home.city:coarse field:household.size purpose:personalize-content",
    )
    .await;
    let (deals, deals_token, _) =
        onboard(&server, "Mail Deals", "field:interests:answer purpose:recommend-products").await;

    let mut seen = Vec::new();
    for day in ["2026-03-01", "2026-03-02", "2026-03-03"] {
        server.set_time(&format!("{day}T10:00:00Z"));
        seen.push(
            read(&trail, &trail_token, "recommend-products", &["birth_date", "home.country"], day).await,
        );
        seen.push(read(&trail, &trail_token, "recommend-products", &["birth_date", "home.city"], day).await);
        seen.push(
            read(&news, &news_token, "personalize-content", &["home.city", "household.size"], day).await,
        );
        if day != "2026-03-02" {
            seen.push(read(&news, &news_token, "recommend-products", &["home.city"], day).await);
        }
        let res = deals
            .post(
                &deals_token,
                "/v1/answers",
                &json!({"purpose": "recommend-products", "candidates": [{"id": "a", "topics": [323]}]}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let seq = seq_of(res.headers());
        seen.push(Seen {
            client_id: deals.client_id.clone(),
            seq,
            day,
            status: 200,
            asked: vec!["interests"],
            disclosed: BTreeMap::from([("interests".to_owned(), "answer".to_owned())]),
        });
    }
    // Refusals carry no receipt: each is the entry its brand's log gained at that point.
    let all = log_pages(&server, &[], "1000");
    assert_eq!(all.len(), seen.len(), "one entry per request");
    let mut ascending = all.clone();
    ascending.reverse();
    for (s, e) in seen.iter_mut().zip(&ascending) {
        assert_eq!(e["client_id"], s.client_id.as_str());
        if s.status == 200 {
            assert_eq!(e["seq"].as_i64().unwrap(), s.seq, "the receipt names the entry");
        } else {
            assert_eq!(e["outcome"], "refused");
            s.seq = e["seq"].as_i64().unwrap();
        }
    }
    let expect = |pred: &dyn Fn(&Seen) -> bool| -> Vec<i64> {
        let mut v: Vec<i64> = seen.iter().filter(|s| pred(s)).map(|s| s.seq).collect();
        v.reverse();
        v
    };

    // Each entry says what its response disclosed, in the mode it disclosed it.
    for e in &all {
        let s = seen.iter().find(|s| s.seq == e["seq"].as_i64().unwrap()).unwrap();
        let logged: BTreeMap<String, String> = e["disclosed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["field"].as_str().unwrap().to_owned(), d["mode"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(logged, s.disclosed, "entry {}", s.seq);
    }

    // Every filter, through pages of two.
    let by_brand = |id: &str| log_pages(&server, &["--brand", id], "2");
    assert_eq!(seqs(&by_brand(&trail.client_id)), expect(&|s| s.client_id == trail.client_id));
    assert_eq!(
        seqs(&log_pages(&server, &["--brand", "city news"], "2")),
        expect(&|s| s.client_id == news.client_id)
    );
    assert_eq!(
        seqs(&log_pages(&server, &["--field", "home.city"], "2")),
        expect(&|s| s.asked.contains(&"home.city"))
    );
    assert_eq!(seqs(&log_pages(&server, &["--outcome", "refused"], "2")), expect(&|s| s.status != 200));
    assert_eq!(
        seqs(&log_pages(&server, &["--outcome", "narrowed"], "2")),
        expect(&|s| s.status == 200 && s.disclosed.len() < s.asked.len())
    );
    assert_eq!(
        seqs(&log_pages(&server, &["--purpose", "personalize-content"], "2")),
        expect(&|s| s.client_id == news.client_id && s.status == 200)
    );
    assert_eq!(
        seqs(&log_pages(&server, &["--since", "2026-03-02", "--until", "2026-03-02"], "2")),
        expect(&|s| s.day == "2026-03-02")
    );
    assert_eq!(
        seqs(&log_pages(&server, &["--search", "news"], "2")),
        expect(&|s| s.client_id == news.client_id)
    );
    assert_eq!(
        seqs(&log_pages(&server, &["--search", "household"], "2")),
        expect(&|s| s.asked.contains(&"household.size"))
    );
    assert_eq!(
        seqs(&log_pages(&server, &["--brand", "Trail Shoes", "--field", "home.city"], "2")),
        expect(&|s| s.client_id == trail.client_id && s.asked.contains(&"home.city"))
    );

    // Per brand and day.
    let stats: Value = serde_json::from_str(&server.owner(&["log", "stats", "--json"])).unwrap();
    let mut counted: BTreeMap<(String, String), u64> = BTreeMap::new();
    for row in stats.as_array().unwrap() {
        *counted
            .entry((row["client_id"].as_str().unwrap().to_owned(), row["day"].as_str().unwrap().to_owned()))
            .or_default() += row["requests"].as_u64().unwrap();
    }
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for s in &seen {
        *expected.entry((s.client_id.clone(), s.day.to_owned())).or_default() += 1;
    }
    assert_eq!(counted, expected);

    // What each brand knows: the union of what its responses disclosed, with first and last day.
    server.owner(&["grants", "revoke", &news_grant]);
    for (brand, name) in [(&trail, "Trail Shoes"), (&news, "City News"), (&deals, "Mail Deals")] {
        let known: Value = serde_json::from_str(&server.owner(&["log", "know", name, "--json"])).unwrap();
        let mut from_log = BTreeSet::new();
        for k in known.as_array().unwrap() {
            let field = k["field"].as_str().unwrap().to_owned();
            let mode = k["mode"].as_str().unwrap().to_owned();
            let given: Vec<&Seen> = seen
                .iter()
                .filter(|s| s.client_id == brand.client_id && s.disclosed.get(&field) == Some(&mode))
                .collect();
            assert_eq!(k["times"].as_u64().unwrap(), given.len() as u64, "{name} {field}");
            assert!(k["first"].as_str().unwrap().starts_with(given[0].day), "{k}");
            assert!(k["last"].as_str().unwrap().starts_with(given[given.len() - 1].day), "{k}");
            assert_eq!(k["grant_live"], brand.client_id != news.client_id, "{name}: live unless revoked");
            from_log.insert((field, mode));
        }
        let from_responses: BTreeSet<(String, String)> = seen
            .iter()
            .filter(|s| s.client_id == brand.client_id)
            .flat_map(|s| s.disclosed.iter().map(|(f, m)| (f.clone(), m.clone())))
            .collect();
        assert_eq!(from_log, from_responses, "{name}");
    }
}
