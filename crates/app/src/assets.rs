//! The stylesheet and script, built into the binary: the app never fetches anything from
//! the network.

use axum::http::header;
use axum::response::IntoResponse;

/// Where the stylesheet is served.
pub(crate) const CSS_PATH: &str = "/static/app.css";
/// Where the script is served.
pub(crate) const JS_PATH: &str = "/static/app.js";

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

/// `GET /static/app.css`.
pub(crate) async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// `GET /static/app.js`.
pub(crate) async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
}
