//! Stage 4, `template`: a job's records → content template (minijinja) →
//! docmark text → the document model.
//!
//! Templates live in `templates/documents/*.md.j2`. Undefined variables are
//! errors; every value printed with `{{ … }}` is escaped for docmark unless
//! it is marked as Markdown (`| markdown`) or comes from a component, so a
//! name containing `*`, `#` or `|` never changes a document's structure.

pub mod components;
pub mod context;

use std::sync::Arc;

use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};

use crate::assets::Assets;
use crate::dates::Date;
use crate::diag::Diagnostic;
use crate::docmark::{escape, parse_docmark};
use crate::ir::{Document, Lang, Meta};
use crate::profile::Profile;
use components::{COLLECTOR, Collector};

/// The folder of content templates inside the template set.
pub const DOCUMENTS: &str = "documents/";

/// A content-template environment over one template set.
pub struct Templates {
    env: Environment<'static>,
    assets: Arc<Assets>,
}

impl Templates {
    pub fn new(assets: Arc<Assets>) -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        let loader_assets = Arc::clone(&assets);
        // Templates can only load templates of the set: no paths outside it.
        env.set_loader(move |name| {
            Ok(loader_assets
                .text(&format!("{DOCUMENTS}{name}"))
                .map(|(t, _)| t.to_owned()))
        });
        env.set_formatter(format_value);
        env.add_filter("markdown", markdown);
        env.add_filter("date", date_filter);
        env.add_filter("prefix", prefix);
        env.add_filter("pick", pick);
        env.add_filter("lcfirst", lcfirst);
        components::register(&mut env);
        Templates { env, assets }
    }

    /// Renders a content template to docmark and parses it into a document.
    pub fn compose(
        &self,
        template: &str,
        context: Value,
        meta: Meta,
        profile: Profile,
    ) -> Result<Document, Diagnostic> {
        let collector = Arc::new(Collector::default());
        // The job's context comes first: on a clash, the first map wins.
        let ctx = minijinja::value::merge_maps([
            context,
            Value::from_pairs([
                (COLLECTOR, Value::from_dyn_object(Arc::clone(&collector))),
                ("profile", Value::from(Serde(&profile))),
                ("lang", Value::from(meta.lang.code())),
            ]),
        ]);
        let text = self
            .env
            .get_template(template)
            .and_then(|t| t.render(ctx))
            .map_err(|e| self.diagnostic(&e, template))?;
        let mut blocks = parse_docmark(&text, &collector.take()).map_err(|e| {
            Diagnostic::error(format!("template {template} produced bad docmark: {e}"))
        })?;
        crate::typography::apply(&mut blocks);
        let mut doc = Document {
            meta,
            profile,
            blocks,
        };
        crate::ir::fit_to_page(&mut doc);
        Ok(doc)
    }

    /// A template error as a diagnostic at the template's file, line and column.
    fn diagnostic(&self, err: &Error, template: &str) -> Diagnostic {
        // The innermost error of an include chain carries the real position.
        let mut inner: &Error = err;
        while let Some(next) =
            std::error::Error::source(inner).and_then(|s| s.downcast_ref::<Error>())
        {
            inner = next;
        }
        let detail = inner.detail().map_or_else(
            || inner.kind().to_string(),
            |d| format!("{}: {d}", inner.kind()),
        );
        let name = inner.name().unwrap_or(template);
        let mut d = Diagnostic::error(format!("template error: {detail}"));
        if let Some(asset) = self.assets.get(&format!("{DOCUMENTS}{name}")) {
            let source = String::from_utf8_lossy(&asset.bytes).into_owned();
            let line = inner.line().unwrap_or(1);
            let line_start = source
                .lines()
                .take(line - 1)
                .map(|l| l.len() + 1)
                .sum::<usize>();
            let range = inner
                .range()
                .filter(|r| line_start <= r.start && r.start <= r.end)
                .and_then(|r| Some((r.clone(), source.get(r)?)));
            let col = range
                .as_ref()
                .and_then(|(r, _)| source.get(line_start..r.start))
                .map_or(1, |s| s.chars().count() + 1);
            // Name what is undefined: «undefined value `order.preambel`».
            if inner.kind() == ErrorKind::UndefinedError
                && let Some((_, expr)) = &range
                && !expr.contains('\n')
            {
                d.message = format!("template error: undefined value `{}`", expr.trim());
            }
            d = d.at_path(asset.origin.clone(), line, col);
            if let Some((r, _)) = &range {
                d = d.with_len(r.len());
            }
            d = d.with_source(source.into());
        } else {
            d = d.note(format!("in template {name}"));
        }
        if inner.kind() == ErrorKind::TemplateNotFound {
            d = d.note(format!(
                "templates include only other files of the template set's `{DOCUMENTS}` folder, by plain relative names"
            ));
        }
        if inner.kind() == ErrorKind::UndefinedError {
            d = d.note("every variable a template uses must exist; check the spelling or guard it with `is defined`");
        }
        d
    }
}

/// Prints a value into docmark: escaped, unless it is Markdown or a component.
fn format_value(
    out: &mut minijinja::Output,
    _state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    let text = if value.is_safe() {
        value.to_string()
    } else {
        escape(&value.to_string())
    };
    out.write_str(&text).map_err(Error::from)
}

/// `{{ text | markdown }}`: the value is Markdown and keeps its structure.
fn markdown(value: String) -> Value {
    Value::from_safe_string(value)
}

/// `{{ items | prefix("– ") }}`: every text of a list (or a lone text) with
/// a prefix, for list lines inside table cells.
fn prefix(value: Value, prefix: String) -> Result<Value, Error> {
    if value.as_str().is_some() {
        return Ok(Value::from(format!("{prefix}{value}")));
    }
    Ok(value
        .try_iter()?
        .map(|v| Value::from(format!("{prefix}{v}")))
        .collect())
}

/// `{{ name | lcfirst }}`: the first letter in lower case, the rest as is
/// («Отраслевой совет Кластера» → «отраслевой совет Кластера»).
fn lcfirst(value: String) -> String {
    let mut chars = value.chars();
    chars
        .next()
        .map_or_else(String::new, |f| f.to_lowercase().chain(chars).collect())
}

/// `{{ keys | pick(mapping) }}`: the mapping's value for each key, or an
/// empty text where it has none (table columns by year).
fn pick(keys: Value, mapping: Value) -> Result<Value, Error> {
    Ok(keys
        .try_iter()?
        .map(|k| {
            mapping
                .get_item(&k)
                .ok()
                .filter(|v| !v.is_undefined() && !v.is_none())
                .unwrap_or_else(|| Value::from(""))
        })
        .collect())
}

/// `{{ d | date }}`: a date as the profile prints it; none stays empty.
fn date_filter(state: &State, value: Value) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let s = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned);
    let date = Date::parse(&s).map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?;
    let style = state
        .lookup("profile")
        .and_then(|p| p.get_attr("date_style").ok())
        .and_then(|v| v.as_str().map(str::to_owned));
    let lang = match state
        .lookup("lang")
        .and_then(|v| v.as_str().map(str::to_owned))
        .as_deref()
    {
        Some("kk") => Lang::Kk,
        _ => Lang::Ru,
    };
    Ok(match style.as_deref() {
        Some("long") => date.long(lang),
        _ => date.to_string(),
    })
}
