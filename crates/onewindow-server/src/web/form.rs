//! Multipart forms of the pages: text fields and uploaded files, and choices parsed into the
//! same serde enums as the API (an unknown value is a 422, never a default).

use crate::web::problem::ApiError;
use axum::extract::Multipart;

/// Text fields and files of a multipart form.
pub struct Posted {
    /// Text fields, in order.
    pub fields: Vec<(String, String)>,
    /// Files: (field, file name, bytes).
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl Posted {
    /// The trimmed value of a field (empty when absent).
    pub fn get(&self, name: &str) -> String {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).collect()
    }

    /// A choice among a serde enum's codes (the same as the API's): a missing or unknown value
    /// is a 422 naming the field, never a default.
    pub fn choice<T: serde::de::DeserializeOwned>(&self, name: &'static str, label_zh: &str) -> Result<T, ApiError> {
        let raw = self.get(name);
        serde_json::from_value(serde_json::Value::String(raw.clone())).map_err(|_| {
            let zh = if raw.is_empty() { format!("请选择{label_zh}") } else { format!("{label_zh}“{raw}”不是可选的值") };
            ApiError::validation(
                serde_json::json!([{"field": name, "message_zh": zh, "message_en": format!("{name}: unknown value {raw:?}")}]),
            )
        })
    }
}

/// Reads a multipart form (text fields and files).
pub async fn read_form(mut multipart: Multipart) -> Result<Posted, ApiError> {
    let mut p = Posted { fields: vec![], files: vec![] };
    while let Some(field) = multipart.next_field().await.map_err(|e| ApiError::bad_request(format!("表单无法读取：{e}"), e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(String::from) {
            Some(file_name) => {
                let bytes =
                    field.bytes().await.map_err(|_| ApiError::bad_request("文件过大或上传中断", "upload interrupted or too large"))?;
                if !bytes.is_empty() {
                    p.files.push((name, file_name, bytes.to_vec()));
                }
            }
            None => p.fields.push((name, field.text().await.map_err(|e| ApiError::bad_request("表单无法读取", e.to_string()))?)),
        }
    }
    Ok(p)
}
