//! A bought label as its plain link serves it: the PDF, drawn by `label_pdf`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::label_pdf;
use super::ledger::Carrier;
use super::objects::Address;

pub(super) async fn serve_label(
    State(carrier): State<Arc<Carrier>>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let id = file
        .strip_suffix(".pdf")
        .ok_or_else(|| ApiError::not_found(&file))?;
    let shipment = carrier
        .ledger()
        .shipments
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(id))?;
    let (Some(rate), Some(tracking_code)) = (&shipment.selected_rate, &shipment.tracking_code)
    else {
        // No postage bought, no label, as with the real carrier.
        return Err(ApiError::not_found(&format!("label for {id}")));
    };
    let from_lines = address_lines(&shipment.from_address);
    let to_lines = address_lines(&shipment.to_address);
    let ship_date = shipment
        .created_at
        .get(..10)
        .unwrap_or(&shipment.created_at);
    let pdf = label_pdf::render(&label_pdf::Label {
        shipment_id: &shipment.id,
        carrier: rate.carrier,
        service: rate.service,
        postage: &rate.rate,
        delivery_days: Some(rate.delivery_days),
        weight_oz: shipment.parcel.weight,
        reference: shipment.reference.as_deref(),
        ship_date,
        from_lines: &from_lines,
        to_lines: &to_lines,
        tracking_code,
    })
    .map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            e.to_string(),
        )
    })?;
    let disposition = format!("inline; filename=\"{}.pdf\"", shipment.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

/// How an address is printed: name, company, street lines, "City, ST ZIP", country.
fn address_lines(address: &Address) -> Vec<String> {
    let present = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let city = present(&address.city).unwrap_or_default();
    let region = [present(&address.state), present(&address.zip)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let city_line = match (city.is_empty(), region.is_empty()) {
        (false, false) => format!("{city}, {region}"),
        (false, true) => city,
        (true, _) => region,
    };
    [
        present(&address.name),
        present(&address.company),
        present(&address.street1),
        present(&address.street2),
        Some(city_line).filter(|line| !line.is_empty()),
        present(&address.country),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox_carrier::test_client::{buy, create, request};
    use crate::sandbox_carrier::SandboxCarrier;

    #[tokio::test]
    async fn the_label_is_a_pdf_once_bought() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 12.5).await;
        let id = shipment["id"].as_str().unwrap();
        let label_path = format!("/labels/{id}.pdf");

        let before = request(&carrier, "GET", &label_path, None, None).await;
        assert_eq!(before.status, 404);

        let rate_id = shipment["rates"][0]["id"].as_str().unwrap();
        assert_eq!(buy(&carrier, id, rate_id).await.status, 200);
        // No Authorization header: label URLs are plain links.
        let label = request(&carrier, "GET", &label_path, None, None).await;
        assert_eq!(label.status, 200);
        assert!(label
            .headers
            .to_ascii_lowercase()
            .contains("content-type: application/pdf"));
        assert!(label.body.starts_with(b"%PDF-"));
        assert!(label.body.trim_ascii_end().ends_with(b"%%EOF"));
        let raw = String::from_utf8_lossy(&label.body);
        assert!(raw.contains("/MediaBox [0 0 288 432]"), "a 4x6 page");
        // The tracking code is printed as text too (label_pdf's test reads it all back).
        let path = std::env::temp_dir().join(format!("{id}.pdf"));
        std::fs::write(&path, &label.body).unwrap();
        let text = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils; cargo xtask test installs it)");
        std::fs::remove_file(&path).unwrap();
        assert!(String::from_utf8_lossy(&text.stdout).contains("EZ100000000000000001"));

        let unknown = request(&carrier, "GET", "/labels/shp_nope.pdf", None, None).await;
        assert_eq!(unknown.status, 404);
    }

    #[test]
    fn address_lines_read_like_an_envelope() {
        let address = Address {
            name: Some("Ada Lovelace".into()),
            street1: Some("12 Analytical Way".into()),
            street2: Some(" ".into()),
            city: Some("Portland".into()),
            state: Some("OR".into()),
            zip: Some("97201".into()),
            country: Some("US".into()),
            ..Address::default()
        };
        assert_eq!(
            address_lines(&address),
            [
                "Ada Lovelace",
                "12 Analytical Way",
                "Portland, OR 97201",
                "US"
            ]
        );
    }
}
