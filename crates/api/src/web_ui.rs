//! The small web page at `/`: static HTML and JavaScript embedded in the binary (no CDN), in
//! Chinese. It logs in, lists the units with execution against 序时进度 and their indicators
//! with warning colours, and links to `/docs`.

use actix_web::{HttpResponse, get};

/// The page.
const INDEX_HTML: &str = include_str!("../static/index.html");

/// The web page.
#[get("/")]
pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML)
}
