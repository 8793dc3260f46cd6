//! Measurement answers on the real server: noisy, kept for the period, paid from a budget the
//! owner sets, never a raw value under `measure`, and logged with the epsilon spent, never the
//! owner's value.

use serde_json::{Value, json};

use crate::support::{InProcess, onboard};

const MEASURE: &str = "field:birth_date:exact field:interests:exact field:home.country purpose:measure";

async fn ask(brand: &crate::support::Brand, token: &str, body: Value) -> (u16, Value) {
    let res = brand.post(token, "/v1/measure", &body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn the_same_question_gets_the_same_answer_and_the_budget_runs_out() {
    let server = InProcess::start().await;
    // Three fresh answers a month (epsilon 1 each, budget 3).
    let words = server.owner(&["measure", "--epsilon", "1", "--budget", "3"]);
    assert!(words.contains("people like you, not about you") && words.contains("3 noisy answers"), "{words}");
    let (brand, token) = onboard(&server.url, server.dir.path(), MEASURE, &[]).await;

    let (status, first) = ask(&brand, &token, json!({"purpose": "measure", "question": "age_band"})).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["fresh"], true);
    assert_eq!(first["epsilon"], 1.0);
    let categories: Vec<&str> =
        first["categories"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(categories, ["under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown"]);
    assert!(categories.contains(&first["answer"].as_str().unwrap()));
    let p = first["truth_probability"].as_f64().unwrap();
    assert!((p - 1f64.exp() / (1f64.exp() + 7.0)).abs() < 1e-9, "{p}");
    assert_eq!(first["budget"]["epsilon_spent"], 1.0);
    assert_eq!(first["budget"]["epsilon_left"], 2.0);

    for _ in 0..5 {
        let (_, again) = ask(&brand, &token, json!({"purpose": "measure", "question": "age_band"})).await;
        assert_eq!(again["answer"], first["answer"], "asking again reveals nothing new");
        assert_eq!(again["fresh"], false);
        assert_eq!(again["budget"]["epsilon_spent"], 1.0, "and spends nothing");
    }
    let (status, _) = ask(&brand, &token, json!({"purpose": "measure", "question": "interest:323"})).await;
    assert_eq!(status, 200);
    let countries = json!({"purpose": "measure", "question": "country", "categories": ["FR", "DE", "GB"]});
    let (status, country) = ask(&brand, &token, countries.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(country["question"], "country:DE,FR,GB");
    assert_eq!(country["budget"]["epsilon_left"], 0.0);

    // The budget is spent: a new question is refused, clearly, and logged; kept answers still come.
    let (status, refused) =
        ask(&brand, &token, json!({"purpose": "measure", "question": "interest:310"})).await;
    assert_eq!(status, 403, "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("privacy budget") && detail.contains("resume on"), "{detail}");
    let (status, kept) = ask(&brand, &token, countries).await;
    assert_eq!((status, &kept["answer"]), (200, &country["answer"]));

    // Malformed questions are bad requests, and change nothing.
    for bad in [
        json!({"purpose": "measure", "question": "favourite_colour"}),
        json!({"purpose": "measure", "question": "interest:99999"}),
        json!({"purpose": "measure", "question": "country"}),
        json!({"purpose": "measure", "question": "age_band", "extra": 1}),
    ] {
        assert_eq!(ask(&brand, &token, bad.clone()).await.0, 400, "{bad}");
    }

    // The log: the question and the epsilon, never the owner's value (born 1990: 35-44; FR).
    let log: Value = serde_json::from_str(&server.owner(&["log", "list", "--json"])).unwrap();
    let entries: Vec<&Value> =
        log["entries"].as_array().unwrap().iter().filter(|e| e["endpoint"] == "/v1/measure").collect();
    assert_eq!(entries.len(), 10, "every answer and the refusal");
    let spent: Vec<f64> =
        entries.iter().rev().map(|e| e["measure"]["epsilon_spent"].as_f64().unwrap()).collect();
    assert_eq!(spent, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    assert_eq!(entries[1]["outcome"], "refused");
    assert_eq!(entries[1]["measure"]["question"], "interest:310");
    assert_eq!(entries[1]["measure"]["epsilon_left"], 0.0);
    for entry in &entries {
        let text = entry.to_string();
        for secret in ["35-44", "1990", "\"FR\""] {
            assert!(!text.contains(secret), "the log holds {secret}: {text}");
        }
    }
    let list = server.owner(&["log", "list"]);
    assert!(list.contains("epsilon 1.00 spent"), "{list}");
}

#[tokio::test]
async fn a_measure_grant_never_yields_a_raw_value() {
    let server = InProcess::start().await;
    let (brand, token) = onboard(&server.url, server.dir.path(), MEASURE, &[]).await;
    let read = brand.read(&token, "measure", "birth_date,home.country").await;
    assert_eq!(read.status(), 403, "no profile read under measure");
    let answers = brand
        .post(
            &token,
            "/v1/answers",
            &json!({"purpose": "measure", "candidates": [{"id": "a", "topics": [323]}]}),
        )
        .await;
    assert_eq!(answers.status(), 403, "no ranking under measure");
    let signal = brand
        .post(&token, "/v1/signals", &json!({"purpose": "measure", "event": "purchase", "topic": 323}))
        .await;
    assert_eq!(signal.status(), 403, "no signals under measure");
    let offer = json!({"purpose": "measure", "kind": "discount", "channel": "butler-inbox", "title": "x"});
    assert_eq!(brand.post(&token, "/v1/offers", &offer).await.status(), 403, "no offers under measure");
    for purpose in ["recommend-products", "personalize-content"] {
        let read = brand.read(&token, purpose, "birth_date").await;
        assert_eq!(read.status(), 403, "the grant has no other purpose: {purpose}");
    }
    let (status, body) = ask(&brand, &token, json!({"purpose": "measure", "question": "age_band"})).await;
    assert_eq!(status, 200);
    let text = body.to_string();
    assert!(!text.contains("1990-05-05") && !text.contains("birth_date"), "{text}");

    // A question whose field the grant lacks is refused; so is any other purpose on /v1/measure.
    let (status, _) = ask(&brand, &token, json!({"purpose": "measure", "question": "household_size"})).await;
    assert_eq!(status, 403);
    let (other, other_token) =
        onboard(&server.url, server.dir.path(), "field:birth_date:exact purpose:recommend-products", &[])
            .await;
    let (status, _) =
        ask(&other, &other_token, json!({"purpose": "recommend-products", "question": "age_band"})).await;
    assert_eq!(status, 403, "measure answers only under measure");
    let (status, _) = ask(&other, &other_token, json!({"purpose": "measure", "question": "age_band"})).await;
    assert_eq!(status, 403, "a grant without measure gets none");
}

#[tokio::test]
async fn the_sdk_asks_and_estimates() {
    let server = InProcess::start().await;
    let (brand, token) = onboard(&server.url, server.dir.path(), MEASURE, &[]).await;
    let _ = brand;
    let client = butler_sdk::Client::new(server.url.clone());
    let answer = client.session(&token).measure("interest:323", &[]).await.unwrap();
    assert!(answer.answer == "yes" || answer.answer == "no");
    assert!((answer.truth_probability - 0.75).abs() < 1e-9, "the default: the truth three times in four");
    // One owner's answer says little: the estimate's interval is nearly everything.
    let yes = u64::from(answer.answer == "yes");
    let e = butler_sdk::estimate::share(yes, 1, answer.epsilon).unwrap();
    assert!(e.low <= 0.0 + 1e-9 && e.high >= 1.0 - 1e-9, "{e:?}");
}
